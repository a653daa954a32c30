import nunjucks from 'nunjucks';

/**
 * Types for the parts of nunjucks' internals we build on: its lexer, parser,
 * AST nodes and compiler (none of which @types/nunjucks describes). This is
 * the one module that casts the untyped library; everything else uses these
 * names. We subclass the parser and compiler and never modify nunjucks' own
 * modules, so any other nunjucks user in the process is unaffected.
 */

export interface Token {
  readonly type: string;
  readonly value: string;
  readonly lineno: number;
  readonly colno: number;
}

export interface Tokenizer {
  readonly str: string;
  readonly len: number;
  index: number;
  lineno: number;
  colno: number;
  in_code: boolean;
  nextToken(): Token | null;
  forward(): void;
  forwardN(n: number): void;
  current(): string;
  isFinished(): boolean;
  _parseString(delimiter: string): string;
}

/** An AST node; `fields` name its child properties, `children` is set on lists. */
export interface NjNode {
  readonly typename: string;
  readonly lineno: number;
  readonly colno: number;
  readonly fields: readonly string[];
  children: NjNode[];
  [field: string]: unknown;
}

/** A child node by field name (nunjucks nodes are untyped). */
export function field(node: NjNode, name: string): NjNode {
  return node[name] as NjNode;
}

export type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => NjNode;

export interface ParserBase {
  tokens: Tokenizer;
  peeked: Token | null;
  nextToken(withWhitespace?: boolean): Token | null;
  peekToken(): Token | null;
  pushToken(tok: Token | null): void;
  skip(type: string): boolean;
  skipValue(type: string, value: string): boolean;
  skipSymbol(value: string): boolean;
  parseOr(): NjNode;
  parseUnary(noFilters?: boolean): NjNode;
  parseFilterName(): NjNode;
  parseFilterArgs(node: NjNode): NjNode[];
  fail(message: string, lineno?: number, colno?: number): never;
  parsePrimary(noPostfix?: boolean): NjNode;
  parsePostfix(node: NjNode): NjNode;
  parseExpression(): NjNode;
  parseSignature(tolerant?: boolean, noParens?: boolean): NjNode;
  parseAggregate(): NjNode | null;
  parseAsRoot(): NjNode;
}

export interface CompilerBase {
  codebuf: string[];
  compile(node: NjNode, frame: unknown): void;
  getCode(): string;
  fail(message: string, lineno?: number, colno?: number): never;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: NjNode, frame: unknown): void;
  _compileAggregate(node: NjNode, frame: unknown, start?: string, end?: string): void;
  _withScopedSyntax(fn: () => void): void;
  _tmpid(): string;
  assertType(node: NjNode, ...types: NodeClass[]): void;
  compileFor(node: NjNode, frame: unknown): void;
}

/** nunjucks' runtime Frame: scoped variables for generated code (null-prototype storage). */
export interface Frame {
  topLevel: boolean;
  readonly variables: Record<string, unknown>;
  lookup(name: string): unknown;
  set(name: string, value: unknown): void;
  push(isolateWrites?: boolean): Frame;
}

interface Internals {
  lexer: { lex(src: string, opts?: object): Tokenizer } & Record<string, unknown>;
  parser: { Parser: new (tokens: Tokenizer) => ParserBase };
  compiler: { Compiler: new (name?: string, throwOnUndefined?: boolean) => CompilerBase };
  nodes: Record<string, NodeClass> & {
    Node: NodeClass & { extend(name: string, props: object): NodeClass };
  };
  runtime: { Frame: new (parent?: Frame, isolateWrites?: boolean) => Frame };
  lib: { TemplateError: new (message: string, lineno?: number, colno?: number) => Error };
}

const internals = nunjucks as unknown as Internals;

/** nunjucks' lexer class, which it does not export; we subclass it in lexer.ts. */
export const TokenizerBase = internals.lexer.lex('').constructor as new (
  src: string,
  opts?: object,
) => Tokenizer;
export const ParserBase = internals.parser.Parser;
export const CompilerBase = internals.compiler.Compiler;
export const FrameClass = internals.runtime.Frame;

export function nodeClass(name: string): NodeClass {
  const cls = internals.nodes[name];
  if (!cls) throw new Error(`nunjucks has no node type ${name}`);
  return cls;
}

/** A node type of our own; nunjucks' `extend` makes a subclass without touching its own types. */
export function defineNode(name: string, fields: readonly string[]): NodeClass {
  return internals.nodes.Node.extend(name, { fields });
}

export function isNode(value: unknown, typename?: string): value is NjNode {
  return (
    value instanceof internals.nodes.Node &&
    (typename === undefined || (value as NjNode).typename === typename)
  );
}

/** nunjucks' parse/compile errors carry 1-based `lineno`/`colno`. */
export interface PositionedError extends Error {
  lineno?: number;
  colno?: number;
}

export function isTemplateError(err: unknown): err is PositionedError {
  return err instanceof internals.lib.TemplateError;
}

export const TOKEN = {
  STRING: 'string',
  SYMBOL: 'symbol',
  INT: 'int',
  FLOAT: 'float',
  REGEX: 'regex',
  LEFT_BRACKET: 'left-bracket',
  RIGHT_BRACKET: 'right-bracket',
  COLON: 'colon',
  OPERATOR: 'operator',
} as const;
