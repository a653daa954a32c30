import { StatementCompiler } from './compiler-statements.js';
import { field, type Frame, isNode, type NjNode } from './nunjucks.js';
import { floatLiterals, intLiterals, tupleGroups } from './parser.js';
import { testName } from './validate.js';
import { table } from './values.js';

/**
 * Code generation: nunjucks' compiler, with every expression routed through
 * our runtime (see runtime.ts) so that values follow Python's rules and every
 * lookup and call passes the security checks there. Statements are in
 * compiler-statements.ts.
 *
 * Every name and string we emit goes through JSON.stringify: nothing from the
 * template becomes JavaScript source except as a quoted literal.
 */

const BINARY_OPS = table<string>({
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  FloorDiv: '//',
  Mod: '%',
  Pow: '**',
});

const COMPARE_OPS = table<string>({
  '==': '==',
  '===': '==',
  '!=': '!=',
  '!==': '!=',
  '<': '<',
  '>': '>',
  '<=': '<=',
  '>=': '>=',
});

const CONSTANTS = table<string>({ True: 'true', False: 'false', None: 'null' });

/** How an error names what was called: `region`, `x.upper`; undefined for other expressions. */
function calleeName(node: NjNode): string | undefined {
  if (isNode(node, 'Symbol')) return String(node['value']);
  if (isNode(node, 'LookupVal')) {
    const key = field(node, 'val');
    const target = calleeName(field(node, 'target'));
    if (target === undefined) return undefined;
    return isNode(key, 'Literal') && typeof key['value'] === 'string'
      ? `${target}.${key['value']}`
      : `${target}[...]`;
  }
  return undefined;
}

export class JinjaCompiler extends StatementCompiler {
  /** Set while compiling the operand of `is defined` or `default`: names may be missing there. */
  private soft = false;

  override compile(node: NjNode, frame: unknown): void {
    const soft = this.soft;
    if (!isNode(node, 'Symbol') && !isNode(node, 'LookupVal')) this.soft = false;
    try {
      super.compile(node, frame);
    } finally {
      this.soft = soft;
    }
  }

  private list(nodes: readonly NjNode[], frame: unknown): void {
    this._emit('[');
    nodes.forEach((child, i) => {
      if (i > 0) this._emit(',');
      this.compile(child, frame);
    });
    this._emit(']');
  }

  private call(fn: string, frame: unknown, ...args: (NjNode | string)[]): void {
    this._emit(`runtime.${fn}(`);
    args.forEach((arg, i) => {
      if (i > 0) this._emit(',');
      if (typeof arg === 'string') this._emit(arg);
      else this.compile(arg, frame);
    });
    this._emit(')');
  }

  compileLiteral(node: NjNode): void {
    const value = node['value'];
    if (typeof value === 'string') this._emit(JSON.stringify(value));
    else if (typeof value === 'number') {
      if (floatLiterals.has(node)) this._emit(String(value));
      else this._emit(`${intLiterals.get(node) ?? BigInt(Math.trunc(value)).toString()}n`);
    } else if (value === null || value === true || value === false) this._emit(String(value));
    else this.fail('unsupported literal', node.lineno, node.colno);
  }

  compileSymbol(node: NjNode, frame: Frame): void {
    const name = String(node['value']);
    const constant = CONSTANTS[name];
    if (constant !== undefined) return this._emit(constant);
    const local = frame.lookup(name);
    if (typeof local === 'string') return this._emit(local);
    const fn = this.soft ? 'softLookup' : 'lookup';
    this._emit(`runtime.${fn}(context, frame, ${JSON.stringify(name)})`);
  }

  compileLookupVal(node: NjNode, frame: unknown): void {
    const key = field(node, 'val');
    if (isNode(key, 'Slice')) {
      const [start, stop, step] = ['start', 'stop', 'step'].map((f) => field(key, f));
      return this.call('slice', frame, field(node, 'target'), start!, stop!, step!);
    }
    const soft = this.soft;
    this._emit(soft ? 'runtime.softMember(' : 'runtime.member(');
    this.compile(field(node, 'target'), frame);
    this.soft = false;
    this._emit(',');
    this.compile(key, frame);
    this.soft = soft;
    this._emit(')');
  }

  compileFunCall(node: NjNode, frame: unknown): void {
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.call(`);
    this.compile(field(node, 'name'), frame);
    this._emit(`, ${JSON.stringify(calleeName(field(node, 'name')) ?? '')}, `);
    this.list(field(node, 'args').children, frame);
    this._emit('))');
  }

  compileFilter(node: NjNode, frame: unknown): void {
    const name = String(field(node, 'name')['value']);
    const [value, ...args] = field(node, 'args').children;
    this._emit(`runtime.filter(${JSON.stringify(name)}, `);
    // `undefined_name | default('x')` works: an improvement on the original (spec §3.3).
    this.soft = name === 'default' || name === 'd';
    if (value) this.compile(value, frame);
    this.soft = false;
    this._emit(',');
    this.list(args, frame);
    this._emit(')');
  }

  compileIs(node: NjNode, frame: unknown): void {
    const right = field(node, 'right');
    const name = testName(right) ?? '';
    this._emit(`runtime.test(${JSON.stringify(name)}, `);
    this.soft = name === 'defined' || name === 'undefined';
    this.compile(field(node, 'left'), frame);
    this.soft = false;
    this._emit(',');
    this.list(isNode(right, 'FunCall') ? field(right, 'args').children : [], frame);
    this._emit(')');
  }

  private pairs(node: NjNode, frame: unknown, keysAreNames: boolean): void {
    this._emit('[');
    node.children.forEach((pair, i) => {
      if (i > 0) this._emit(',');
      this._emit('[');
      const key = field(pair, 'key');
      if (keysAreNames) this._emit(JSON.stringify(String(key['value'])));
      else this.compile(key, frame);
      this._emit(',');
      this.compile(field(pair, 'value'), frame);
      this._emit(']');
    });
    this._emit(']');
  }

  compileDict(node: NjNode, frame: unknown): void {
    this._emit('runtime.dict(');
    this.pairs(node, frame, false);
    this._emit(')');
  }

  compileKeywordArgs(node: NjNode, frame: unknown): void {
    this._emit('runtime.kwargs(');
    this.pairs(node, frame, true);
    this._emit(')');
  }

  compileGroup(node: NjNode, frame: unknown): void {
    if (node.children.length === 1 && !tupleGroups.has(node)) {
      this._emit('(');
      this.compile(node.children[0]!, frame);
      this._emit(')');
      return;
    }
    this._emit('runtime.tuple(');
    this.list(node.children, frame);
    this._emit(')');
  }

  compileInlineIf(node: NjNode, frame: unknown): void {
    this._emit('(runtime.truthy(');
    this.compile(field(node, 'cond'), frame);
    this._emit(') ? ');
    this.compile(field(node, 'body'), frame);
    this._emit(' : ');
    const otherwise = node['else_'];
    if (isNode(otherwise)) this.compile(otherwise, frame);
    else this._emit('""');
    this._emit(')');
  }

  private shortCircuit(fn: 'or' | 'and', node: NjNode, frame: unknown): void {
    this._emit(`runtime.${fn}(`);
    this.compile(field(node, 'left'), frame);
    this._emit(', () => (');
    this.compile(field(node, 'right'), frame);
    this._emit('))');
  }

  compileOr(node: NjNode, frame: unknown): void {
    this.shortCircuit('or', node, frame);
  }

  compileAnd(node: NjNode, frame: unknown): void {
    this.shortCircuit('and', node, frame);
  }

  compileNot(node: NjNode, frame: unknown): void {
    this._emit('!');
    this.call('truthy', frame, field(node, 'target'));
  }

  compileIn(node: NjNode, frame: unknown): void {
    this.call('contains', frame, field(node, 'right'), field(node, 'left'));
  }

  compileConcat(node: NjNode, frame: unknown): void {
    this.call('concat', frame, field(node, 'left'), field(node, 'right'));
  }

  compileNeg(node: NjNode, frame: unknown): void {
    this.call('unop', frame, '"-"', field(node, 'target'));
  }

  compilePos(node: NjNode, frame: unknown): void {
    this.call('unop', frame, '"+"', field(node, 'target'));
  }

  compileCompare(node: NjNode, frame: unknown): void {
    this._emit('runtime.compare([');
    this.compile(field(node, 'expr'), frame);
    for (const operand of node['ops'] as NjNode[]) {
      const op = COMPARE_OPS[String(operand['type'])] ?? this.fail('unknown comparison');
      this._emit(`, ${JSON.stringify(op)}, `);
      this.compile(field(operand, 'expr'), frame);
    }
    this._emit('])');
  }
}

for (const [typename, op] of Object.entries(BINARY_OPS)) {
  Object.defineProperty(JinjaCompiler.prototype, `compile${typename}`, {
    value(this: JinjaCompiler, node: NjNode, frame: unknown) {
      this._emit(`runtime.binop(${JSON.stringify(op)}, `);
      this.compile(field(node, 'left'), frame);
      this._emit(',');
      this.compile(field(node, 'right'), frame);
      this._emit(')');
    },
  });
}
