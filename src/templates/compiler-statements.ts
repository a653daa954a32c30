import {
  CompilerBase,
  defineNode,
  field,
  type Frame,
  isNode,
  type NjNode,
  type NodeClass,
} from './nunjucks.js';

/** Wraps a for-loop's sequence so non-iterables fail as in Python instead of looping zero times. */
const IterableNode = defineNode('Iterable', ['expr']);
/** Jinja's `for x in seq if cond`, which nunjucks parses as an inline if without else. */
const LoopFilterNode = defineNode('LoopFilter', ['seq', 'cond', 'names']);

/**
 * Statements keep nunjucks' generated shape, with Jinja's semantics where
 * nunjucks differs: Python truthiness in `if`, a Python error for a
 * non-iterable `for`, loop filtering, and scoping (a `set` inside a loop stays
 * in the loop and each iteration starts from the enclosing scope). Each
 * statement records its line, so evaluation errors can name it.
 */
export class StatementCompiler extends CompilerBase {
  override assertType(node: NjNode, ...types: NodeClass[]): void {
    if (isNode(node, 'Iterable') || isNode(node, 'LoopFilter')) return;
    super.assertType(node, ...types);
  }

  compileIf(node: NjNode, frame: unknown): void {
    this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
    this._emit('if(runtime.truthy(');
    this._compileExpression(field(node, 'cond'), frame);
    this._emitLine(')) {');
    this._withScopedSyntax(() => this.compile(field(node, 'body'), frame));
    const otherwise = node['else_'];
    if (isNode(otherwise)) {
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => this.compile(otherwise, frame));
    }
    this._emitLine('}');
  }

  override compileFor(node: NjNode, frame: unknown): void {
    this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
    const arr = field(node, 'arr');
    node['arr'] =
      isNode(arr, 'InlineIf') && !isNode(arr['else_'])
        ? new LoopFilterNode(node.lineno, node.colno, arr['body'], arr['cond'], node['name'])
        : new IterableNode(node.lineno, node.colno, arr);
    super.compileFor(node, frame);
  }

  compileLoopFilter(node: NjNode, frame: Frame): void {
    const item = this._tmpid();
    const names = field(node, 'names');
    const bound = isNode(names, 'Array') ? names.children : [names];
    // The condition sees the loop variables, as JavaScript expressions over the item.
    const scope = frame.push();
    bound.forEach((name, i) =>
      scope.set(String(name['value']), bound.length === 1 ? item : `${item}[${i}]`),
    );
    this._emit('runtime.filterLoop(');
    this.compile(field(node, 'seq'), frame);
    this._emit(`, (${item}) => runtime.truthy(`);
    this.compile(field(node, 'cond'), scope);
    this._emit('))');
  }

  // As nunjucks' compileSet, but a set inside a loop stays in the loop, as in Jinja.
  compileSet(node: NjNode, frame: Frame): void {
    this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
    const targets = (node['targets'] as NjNode[]).map((t) => String(t['value']));
    const ids = targets.map((name) => {
      const local = frame.lookup(name);
      if (typeof local === 'string') return local;
      const id = this._tmpid();
      this._emitLine(`var ${id};`);
      return id;
    });
    this._emit(`${ids.join(' = ')} = `);
    const value = node['value'];
    if (isNode(value)) this._compileExpression(value, frame);
    else this.compile(field(node, 'body'), frame);
    this._emitLine(';');
    targets.forEach((name, i) => {
      const quoted = JSON.stringify(name);
      this._emitLine(`frame.set(${quoted}, ${ids[i]});`);
      this._emitLine(`if (frame.topLevel) context.setVariable(${quoted}, ${ids[i]});`);
    });
  }

  compileIterable(node: NjNode, frame: unknown): void {
    this._emit('runtime.iterate(');
    this.compile(field(node, 'expr'), frame);
    this._emit(')');
  }

  _emitLoopBindings(node: NjNode, _arr: string, i: string, len: string): void {
    // Jinja starts each iteration from the enclosing scope: drop the last iteration's sets.
    const target = field(node, 'name');
    const names = (isNode(target, 'Array') ? target.children : [target]).map((n) =>
      String(n['value']),
    );
    this._emitLine(`runtime.resetScope(frame, ${JSON.stringify(names)});`);
    const bindings: [string, string][] = [
      ['index', `runtime.int(${i} + 1)`],
      ['index0', `runtime.int(${i})`],
      ['revindex', `runtime.int(${len} - ${i})`],
      ['revindex0', `runtime.int(${len} - ${i} - 1)`],
      ['first', `${i} === 0`],
      ['last', `${i} === ${len} - 1`],
      ['length', `runtime.int(${len})`],
    ];
    for (const [name, value] of bindings) this._emitLine(`frame.set("loop.${name}", ${value});`);
  }

  compileOutput(node: NjNode, frame: unknown): void {
    for (const child of node.children) {
      if (child.typename === 'TemplateData') {
        if (child['value'])
          this._emitLine(`${this.bufferName()} += ${JSON.stringify(String(child['value']))};`);
        continue;
      }
      this._emitLine(`lineno = ${child.lineno}; colno = ${child.colno};`);
      this._emit(`${this.bufferName()} += runtime.suppressValue(`);
      this.compile(child, frame);
      this._emitLine(');');
    }
  }

  private bufferName(): string {
    return String((this as unknown as { buffer: string }).buffer);
  }
}
