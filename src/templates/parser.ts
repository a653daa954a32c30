import {
  isNode,
  nodeClass,
  type NjNode,
  type NodeClass,
  ParserBase,
  defineNode,
  type Token,
  TOKEN,
} from './nunjucks.js';
import { JinjaTokenizer } from './lexer.js';
import { describe, syntaxError } from './syntax-errors.js';
import { validate } from './validate.js';
import { table } from './values.js';

/**
 * Parsing: nunjucks' parser, adjusted to read Jinja where the two differ
 * (int and float literals, slices, `(x,)` tuples, trailing commas, Jinja's
 * operator precedence, `is` tests as postfix operators, chained conditional
 * expressions) and made safe for code generation: nunjucks pastes names into
 * the JavaScript it generates and its lexer lets quotes into names, so every
 * name must be an identifier, and validate.ts refuses every node a template
 * may not use before anything is compiled.
 */

/** Literals written with a decimal point: Python floats, not ints. */
export const floatLiterals = new WeakSet<NjNode>();
/** The source digits of int literals, so large ones stay exact. */
export const intLiterals = new WeakMap<NjNode, string>();
/** `(x,)`: a one-element tuple, which nunjucks cannot tell from `(x)`. */
export const tupleGroups = new WeakSet<NjNode>();

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const Literal = nodeClass('Literal');
const LookupVal = nodeClass('LookupVal');
const FunCall = nodeClass('FunCall');
const Pair = nodeClass('Pair');
const InlineIf = nodeClass('InlineIf');
const Concat = nodeClass('Concat');
const ADDITIVE = table<NodeClass>({ '+': nodeClass('Add'), '-': nodeClass('Sub') });
const MULTIPLICATIVE = table<NodeClass>({
  '*': nodeClass('Mul'),
  '/': nodeClass('Div'),
  '//': nodeClass('FloorDiv'),
  '%': nodeClass('Mod'),
});
const Pow = nodeClass('Pow');
const Filter = nodeClass('Filter');
const Is = nodeClass('Is');
const Not = nodeClass('Not');
const NodeList = nodeClass('NodeList');
const SymbolNode = nodeClass('Symbol');
// After these, `x is name <arg>` takes no argument without parentheses (Jinja's rule).
const TEST_ARG_STARTS = new Set([
  'symbol',
  'string',
  'int',
  'float',
  'left-paren',
  'left-bracket',
  'left-curly',
  'none',
  'boolean',
]);
const AGGREGATES: Readonly<Record<string, readonly [NodeClass, string, string]>> = table({
  'left-paren': [nodeClass('Group'), 'right-paren', ')'],
  'left-bracket': [nodeClass('Array'), TOKEN.RIGHT_BRACKET, ']'],
  'left-curly': [nodeClass('Dict'), 'right-curly', '}'],
});
/** `x[start:stop:step]`; nunjucks has it only under its global Jinja-compat patch. */
const SliceNode = defineNode('Slice', ['start', 'stop', 'step']);

class JinjaParser extends ParserBase {
  override nextToken(withWhitespace?: boolean): Token | null {
    const tok = super.nextToken(withWhitespace);
    if (tok?.type === TOKEN.SYMBOL && !IDENTIFIER.test(tok.value))
      this.fail(`invalid name '${tok.value}'`, tok.lineno, tok.colno);
    if (tok?.type === TOKEN.REGEX)
      this.fail('regular expression literals (r/.../) are not supported', tok.lineno, tok.colno);
    return tok;
  }

  override parsePrimary(noPostfix?: boolean): NjNode {
    const tok = this.peekToken();
    const node = super.parsePrimary(noPostfix);
    if (tok?.type === TOKEN.INT || tok?.type === TOKEN.FLOAT) {
      let inner = node;
      while (isNode(inner, 'LookupVal') || isNode(inner, 'FunCall'))
        inner = (inner.typename === 'LookupVal' ? inner['target'] : inner['name']) as NjNode;
      if (isNode(inner, 'Literal') && typeof inner['value'] === 'number') {
        if (tok.type === TOKEN.FLOAT) floatLiterals.add(inner);
        else intLiterals.set(inner, tok.value);
      }
    }
    return node;
  }

  // Jinja chains conditional expressions: `a if x else b if y else c`.
  parseInlineIf(): NjNode {
    let node = this.parseOr();
    while (this.skipSymbol('if')) {
      const cond = this.parseOr();
      const otherwise = this.skipSymbol('else') ? this.parseInlineIf() : null;
      node = new InlineIf(node.lineno, node.colno, cond, node, otherwise);
    }
    return node;
  }

  // nunjucks gives each arithmetic operator its own precedence level, so
  // `2 * 7 % 4` would be `2 * (7 % 4)`. These follow Jinja's grammar instead:
  // `+ -` below `~` below `* / // %` below `**`, all left-associative.
  parseConcat(): NjNode {
    return this.binaryLevel(ADDITIVE, () => this.tildeLevel());
  }

  private tildeLevel(): NjNode {
    let node = this.binaryLevel(MULTIPLICATIVE, () => this.powerLevel());
    while (this.skip('tilde')) {
      node = new Concat(
        node.lineno,
        node.colno,
        node,
        this.binaryLevel(MULTIPLICATIVE, () => this.powerLevel()),
      );
    }
    return node;
  }

  private powerLevel(): NjNode {
    let node = this.parseUnary();
    while (this.skipValue(TOKEN.OPERATOR, '**'))
      node = new Pow(node.lineno, node.colno, node, this.parseUnary());
    return node;
  }

  private binaryLevel(ops: Readonly<Record<string, NodeClass>>, operand: () => NjNode): NjNode {
    let node = operand();
    for (;;) {
      const tok = this.peekToken();
      const NodeType = tok?.type === TOKEN.OPERATOR ? ops[tok.value] : undefined;
      if (NodeType === undefined) return node;
      this.nextToken();
      node = new NodeType(node.lineno, node.colno, node, operand());
    }
  }

  // As Jinja's parse_filter_expr: `|` filters and `is` tests are postfix
  // operators, so `1 + 1 is odd` is `1 + (1 is odd)` as in Jinja.
  parseFilter(target: NjNode): NjNode {
    let node = target;
    for (;;) {
      if (this.skip('pipe')) {
        const name = this.parseFilterName();
        const args = new NodeList(name.lineno, name.colno, [node, ...this.parseFilterArgs(node)]);
        node = new Filter(name.lineno, name.colno, name, args);
      } else if (this.skipSymbol('is')) {
        node = this.parseTest(node);
      } else {
        return node;
      }
    }
  }

  private parseTest(left: NjNode): NjNode {
    const negated = this.skipSymbol('not');
    const nameTok = this.peekToken();
    let right: NjNode;
    if (nameTok?.type === TOKEN.SYMBOL) {
      this.nextToken();
      right = new SymbolNode(nameTok.lineno, nameTok.colno, nameTok.value);
      const next = this.peekToken();
      if (next?.type === 'left-paren') right = this.parsePostfix(right);
      else if (
        next &&
        TEST_ARG_STARTS.has(next.type) &&
        !(
          next.type === TOKEN.SYMBOL &&
          ['else', 'or', 'and', 'if', 'in', 'is', 'not'].includes(next.value)
        )
      ) {
        const arg = this.parsePrimary();
        right = new FunCall(
          nameTok.lineno,
          nameTok.colno,
          right,
          new NodeList(arg.lineno, arg.colno, [arg]),
        );
      }
    } else {
      // `is none`, `is true`, `is false`: literals that are also test names.
      right = this.parsePrimary(true);
    }
    const test = new Is(left.lineno, left.colno, left, right);
    return negated ? new Not(left.lineno, left.colno, test) : test;
  }

  // Rewritten rather than extended so that `[` goes through parseSubscript.
  override parsePostfix(target: NjNode): NjNode {
    let node = target;
    for (;;) {
      const tok = this.peekToken();
      if (tok?.type === 'left-paren') {
        node = new FunCall(tok.lineno, tok.colno, node, this.parseSignature());
      } else if (tok?.type === TOKEN.LEFT_BRACKET) {
        this.nextToken();
        node = new LookupVal(tok.lineno, tok.colno, node, this.parseSubscript(tok));
      } else if (tok?.type === TOKEN.OPERATOR && tok.value === '.') {
        this.nextToken();
        const name = this.nextToken();
        if (name?.type === TOKEN.INT) {
          const index = new Literal(name.lineno, name.colno, Number(name.value));
          intLiterals.set(index, name.value);
          node = new LookupVal(tok.lineno, tok.colno, node, index);
        } else if (name?.type === TOKEN.SYMBOL) {
          node = new LookupVal(
            tok.lineno,
            tok.colno,
            node,
            new Literal(name.lineno, name.colno, name.value),
          );
        } else {
          this.fail(`expected a name after '.', got ${describe(name)}`, name?.lineno, name?.colno);
        }
      } else {
        return node;
      }
    }
  }

  // Rewritten for Jinja's trailing commas, `(x,)` tuples and expression dict keys.
  override parseAggregate(): NjNode | null {
    const open = this.nextToken();
    const kind = open === null ? undefined : AGGREGATES[open.type];
    if (open === null || kind === undefined) return null;
    const [NodeType, closeType, closeText] = kind;
    const node = new NodeType(open.lineno, open.colno);
    let afterComma = false;
    for (;;) {
      const tok = this.peekToken();
      if (tok === null) this.fail(`unexpected end of template; expected '${closeText}'`);
      if (tok.type === closeType) {
        this.nextToken();
        break;
      }
      if (node.children.length > 0 && !afterComma) {
        if (!this.skip('comma'))
          this.fail(`expected ',' or '${closeText}', got ${describe(tok)}`, tok.lineno, tok.colno);
        afterComma = true;
        continue;
      }
      afterComma = false;
      if (closeType === 'right-curly') {
        const key = this.parseExpression();
        const colon = this.peekToken();
        if (!this.skip(TOKEN.COLON))
          this.fail(
            `expected ':' after a dict key, got ${describe(colon)}`,
            colon?.lineno,
            colon?.colno,
          );
        node.children.push(new Pair(key.lineno, key.colno, key, this.parseExpression()));
      } else {
        node.children.push(this.parseExpression());
      }
    }
    if (closeType === 'right-paren' && node.children.length === 1 && afterComma)
      tupleGroups.add(node);
    return node;
  }

  /** `[index]` or `[start:stop:step]`, after the `[`. */
  private parseSubscript(open: Token): NjNode {
    const parts: (NjNode | null)[] = [null];
    for (;;) {
      const tok = this.peekToken();
      if (tok === null) this.fail("unexpected end of template; expected ']'");
      if (tok.type === TOKEN.RIGHT_BRACKET) {
        this.nextToken();
        break;
      }
      if (tok.type === TOKEN.COLON) {
        this.nextToken();
        if (parts.length === 3)
          this.fail('a slice takes at most two colons', tok.lineno, tok.colno);
        parts.push(null);
      } else {
        if (parts[parts.length - 1] !== null)
          this.fail(`expected ']', got ${describe(tok)}`, tok.lineno, tok.colno);
        parts[parts.length - 1] = this.parseExpression();
      }
    }
    const [start = null, stop = null, step = null] = parts;
    if (parts.length === 1) {
      if (start === null) this.fail('expected an index inside []', open.lineno, open.colno);
      return start;
    }
    const none = (): NjNode => new Literal(open.lineno, open.colno, null);
    return new SliceNode(open.lineno, open.colno, start ?? none(), stop ?? none(), step ?? none());
  }
}

/** Parses and vets a template; throws TemplateSyntaxError naming line and column. */
export function parseTemplate(source: string): NjNode {
  const tokens = new JinjaTokenizer(source, {});
  const parser = new JinjaParser(tokens);
  let root: NjNode;
  try {
    root = parser.parseAsRoot();
  } catch (err) {
    throw syntaxError(err, tokens);
  }
  validate(root);
  return root;
}
