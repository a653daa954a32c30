import { TemplateSyntaxError } from './errors.js';
import { hasFilter } from './filters.js';
import { isNode, type NjNode } from './nunjucks.js';
import { hasTest } from './tests.js';
import { table } from './values.js';

/**
 * The checks made on a parsed template before any code is generated: tags
 * that would load other templates, nunjucks-only tags, unknown filters and
 * tests (Jinja reports these at compile time too), and anything other than a
 * plain name where nunjucks would paste text into the generated JavaScript.
 */

const REFUSED = table<string>({
  Extends: "'extends' is not supported: job templates cannot load other templates",
  Include: "'include' is not supported: job templates cannot load other templates",
  Import: "'import' is not supported: job templates cannot load other templates",
  FromImport: "'from ... import' is not supported: job templates cannot load other templates",
  Block: "'block' is not supported: there is no template inheritance",
  Super: "'super' is not supported: there is no template inheritance",
  Switch: "unknown tag 'switch'",
  IfAsync: "unknown tag 'ifAsync'",
  AsyncEach: "unknown tag 'asyncEach'",
  AsyncAll: "unknown tag 'asyncAll'",
  CallExtension: 'template extensions are not supported',
  CallExtensionAsync: 'template extensions are not supported',
  FilterAsync: 'async filters are not supported',
});

/** The test an `is` names: `x is odd`, `x is divisibleby(3)`, `x is none`. */
export function testName(right: NjNode): string | undefined {
  if (isNode(right, 'Symbol')) return right['value'] as string;
  if (isNode(right, 'FunCall') && isNode(right['name'], 'Symbol'))
    return right['name']['value'] as string;
  if (isNode(right, 'Literal')) {
    const value = right['value'];
    if (value === null) return 'none';
    if (value === true || value === false) return String(value);
  }
  return undefined;
}

function assertNames(nodes: readonly unknown[], what: string): void {
  for (const node of nodes) {
    if (!isNode(node, 'Symbol')) {
      const at = isNode(node) ? node : undefined;
      throw new TemplateSyntaxError(
        `${what} must be a name`,
        at && at.lineno + 1,
        at && at.colno + 1,
      );
    }
  }
}

function check(node: NjNode): void {
  const fail = (detail: string): never => {
    throw new TemplateSyntaxError(detail, node.lineno + 1, node.colno + 1);
  };
  const refused = REFUSED[node.typename];
  if (refused !== undefined) fail(refused);
  switch (node.typename) {
    case 'Set':
      assertNames(node['targets'] as unknown[], 'the target of set');
      break;
    case 'For': {
      const name = node['name'] as NjNode;
      assertNames(isNode(name, 'Array') ? name.children : [name], 'a for-loop variable');
      break;
    }
    case 'Filter': {
      const name = (node['name'] as NjNode)['value'] as string;
      if (!hasFilter(name)) fail(`no filter named '${name}'`);
      break;
    }
    case 'Is': {
      const name = testName(node['right'] as NjNode);
      if (name === undefined) fail("expected a test name after 'is'");
      else if (!hasTest(name)) fail(`no test named '${name}'`);
      break;
    }
    case 'KeywordArgs':
      assertNames(
        node.children.map((pair) => pair['key']),
        'a keyword argument name',
      );
      break;
    case 'Macro':
    case 'Caller': {
      if (node.typename === 'Macro') assertNames([node['name']], 'a macro name');
      const args = (node['args'] as NjNode).children;
      const last = args[args.length - 1];
      const kwargs = isNode(last, 'KeywordArgs') || isNode(last, 'Dict') ? last : undefined;
      assertNames(kwargs ? args.slice(0, -1) : args, 'a macro argument');
      if (kwargs)
        assertNames(
          kwargs.children.map((pair) => pair['key']),
          'a macro argument',
        );
      break;
    }
  }
}

/** Refuses what a job template may not use; throws TemplateSyntaxError at the node. */
export function validate(node: NjNode): void {
  check(node);
  const children: unknown[] = [];
  // A list's `children` is one of its fields.
  for (const field of node.fields) {
    const value = node[field];
    if (Array.isArray(value)) children.push(...(value as unknown[]));
    else children.push(value);
  }
  for (const child of children) if (isNode(child)) validate(child);
}
