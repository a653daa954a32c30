import { getAttribute } from './attributes.js';
import { percentFormat } from './format.js';
import {
  batch,
  lookupPath,
  sorted,
  sortKey,
  columns,
  escapeHtml,
  fileSize,
  stripTags,
  indent,
  pyRound,
  toFloat,
  toInt,
  truncate,
  urlQuote,
} from './filter-support.js';
import { binaryOp, pyEquals } from './operators.js';
import { capitalize, STR_METHODS } from './str-methods.js';
import { TESTS } from './tests.js';
import { toJson } from './to-json.js';
import {
  asInt,
  asNumeric,
  dictGet,
  isDict,
  iterate,
  type Kwargs,
  makeTuple,
  MISSING,
  PyError,
  pyLen,
  pyRepr,
  pyStr,
  table,
  truthy,
  typeName,
  UNDEFINED,
} from './values.js';
import { bindArgs } from './signature.js';

/**
 * Jinja's filters, by an explicit list. nunjucks' own filters are not used:
 * they follow JavaScript semantics, and its `attr` reads any JS property.
 */

export type Filter = (value: unknown, args: readonly unknown[], kwargs: Kwargs) => unknown;

type Params = readonly (readonly [string, unknown])[];

function filter(
  name: string,
  params: Params,
  body: (value: unknown, ...args: unknown[]) => unknown,
): Filter {
  return (value, args, kwargs) => body(value, ...bindArgs(name, args, kwargs, params));
}

function text(value: unknown): string {
  return pyStr(value);
}

function pick(which: 'min' | 'max'): Filter {
  return filter(
    which,
    [
      ['case_sensitive', false],
      ['attribute', null],
    ],
    (value, cs, attribute) => {
      const items = iterate(value);
      if (items.length === 0) throw new PyError(`${which}() arg is an empty sequence`);
      const order = sorted(items, sortKey(attribute, cs), false);
      return which === 'min' ? order[0] : order[order.length - 1];
    },
  );
}

function attrSelector(keep: boolean): Filter {
  return (value, args, kwargs) => {
    const [attribute, name, ...rest] = args;
    if (attribute === undefined) throw new PyError('missing parameter for attribute name');
    const test = name === undefined ? undefined : TESTS[text(name)];
    if (name !== undefined && test === undefined) throw new PyError(`no test named ${text(name)}`);
    return iterate(value).filter((v) => {
      const item = lookupPath(v, attribute);
      return (test ? test(item, rest, kwargs) : truthy(item)) === keep;
    });
  };
}

function selector(keep: boolean): Filter {
  return (value, args, kwargs) => {
    const [name, ...rest] = args;
    const test = name === undefined ? undefined : TESTS[text(name)];
    if (name !== undefined && test === undefined) throw new PyError(`no test named ${text(name)}`);
    return iterate(value).filter((v) => (test ? test(v, rest, kwargs) : truthy(v)) === keep);
  };
}

const defaultFilter = filter(
  'default',
  [
    ['default_value', ''],
    ['boolean', false],
  ],
  (v, d, boolean) => (v === UNDEFINED || v === MISSING || (truthy(boolean) && !truthy(v)) ? d : v),
);
const lengthFilter = filter('length', [], (v) => pyLen(v));
const escapeFilter = filter('escape', [], (v) => escapeHtml(text(v)));

export const FILTERS: Readonly<Record<string, Filter>> = table<Filter>({
  abs: filter('abs', [], (v) => {
    const n = asNumeric(v);
    if (n === undefined) throw new PyError(`bad operand type for abs(): '${typeName(v)}'`);
    return n < 0 ? -n : n;
  }),
  attr: filter('attr', [['name', '']], (v, name) => getAttribute(v, text(name))),
  batch: filter(
    'batch',
    [
      ['linecount', 1n],
      ['fill_with', null],
    ],
    (v, n, fill) => batch(iterate(v), Number(asInt(n) ?? 1n), fill),
  ),
  capitalize: filter('capitalize', [], (v) => capitalize(text(v))),
  center: filter('center', [['width', 80n]], (v, w) => STR_METHODS['center']!(text(v), [w], {})),
  count: lengthFilter,
  d: defaultFilter,
  default: defaultFilter,
  dictsort: filter(
    'dictsort',
    [
      ['case_sensitive', false],
      ['by', 'key'],
      ['reverse', false],
    ],
    (v, cs, by, reverse) => {
      if (!isDict(v)) throw new PyError('You can only sort by either "key" or "value"');
      const pairs = Object.keys(v).map((k) => makeTuple([k, v[k]]));
      const at = by === 'value' ? 1n : 0n;
      return sorted(pairs, sortKey(at, cs), truthy(reverse));
    },
  ),
  e: escapeFilter,
  escape: escapeFilter,
  filesizeformat: filter('filesizeformat', [['binary', false]], fileSize),
  first: filter('first', [], (v) => {
    const items = iterate(v);
    if (items.length === 0) throw new PyError('no first item, sequence was empty');
    return items[0];
  }),
  float: filter('float', [['default', 0]], (v, d) => toFloat(v, d)),
  format: (v, args, kwargs) =>
    percentFormat(text(v), Object.keys(kwargs).length > 0 ? { ...kwargs } : makeTuple(args)),
  indent: filter(
    'indent',
    [
      ['width', 4n],
      ['first', false],
      ['blank', false],
    ],
    (v, w, f, b) => indent(text(v), w, f, b),
  ),
  int: filter(
    'int',
    [
      ['default', 0n],
      ['base', 10n],
    ],
    (v, d, b) => toInt(v, d, b),
  ),
  items: filter('items', [], (v) => {
    if (v === UNDEFINED) return [];
    if (!isDict(v)) throw new PyError(`Can only get item pairs from a mapping, not ${typeName(v)}`);
    return Object.keys(v).map((k) => makeTuple([k, v[k]]));
  }),
  join: filter(
    'join',
    [
      ['d', ''],
      ['attribute', null],
    ],
    (v, d, attribute) =>
      iterate(v)
        .map((x) => text(attribute === null ? x : lookupPath(x, attribute)))
        .join(text(d)),
  ),
  last: filter('last', [], (v) => {
    const items = iterate(v);
    if (items.length === 0) throw new PyError('no last item, sequence was empty');
    return items[items.length - 1];
  }),
  length: lengthFilter,
  list: filter('list', [], (v) => [...iterate(v)]),
  lower: filter('lower', [], (v) => text(v).toLowerCase()),
  map: (v, args, kwargs) => {
    const items = iterate(v);
    if ('attribute' in kwargs) {
      const fallback = dictGet(kwargs, 'default');
      return items.map((x) => {
        try {
          return lookupPath(x, kwargs['attribute']);
        } catch (err) {
          if (fallback !== MISSING && err instanceof PyError) return fallback;
          throw err;
        }
      });
    }
    const [name, ...rest] = args;
    const f = name === undefined ? undefined : FILTERS[text(name)];
    if (f === undefined) throw new PyError(`no filter named ${text(name ?? '')}`);
    return items.map((x) => f(x, rest, kwargs));
  },
  max: pick('max'),
  min: pick('min'),
  pprint: filter('pprint', [], (v) => pyRepr(v)),
  reject: selector(false),
  rejectattr: attrSelector(false),
  replace: filter(
    'replace',
    [
      ['old', ''],
      ['new', ''],
      ['count', null],
    ],
    (v, o, n, c) => STR_METHODS['replace']!(text(v), c === null ? [o, n] : [o, n, c], {}),
  ),
  reverse: filter('reverse', [], (v) =>
    typeof v === 'string' ? Array.from(v).reverse().join('') : [...iterate(v)].reverse(),
  ),
  round: filter(
    'round',
    [
      ['precision', 0n],
      ['method', 'common'],
    ],
    pyRound,
  ),
  safe: filter('safe', [], (v) => v),
  select: selector(true),
  selectattr: attrSelector(true),
  slice: filter(
    'slice',
    [
      ['slices', 1n],
      ['fill_with', null],
    ],
    (v, n, fill) => columns(iterate(v), Number(asInt(n) ?? 1n), fill),
  ),
  sort: filter(
    'sort',
    [
      ['reverse', false],
      ['case_sensitive', false],
      ['attribute', null],
    ],
    (v, r, cs, a) => sorted(iterate(v), sortKey(a, cs), truthy(r)),
  ),
  string: filter('string', [], (v) => text(v)),
  striptags: filter('striptags', [], (v) => stripTags(text(v))),
  sum: filter(
    'sum',
    [
      ['attribute', null],
      ['start', 0n],
    ],
    (v, attribute, start) =>
      iterate(v).reduce(
        (acc, x) => binaryOp('+', acc, attribute === null ? x : lookupPath(x, attribute)),
        start,
      ),
  ),
  title: filter('title', [], (v) =>
    text(v)
      .split(/([-\s({[<]+)/)
      .map((w) => (w === '' ? w : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
      .join(''),
  ),
  tojson: filter('tojson', [['indent', null]], (v, i) =>
    toJson(v, i === null ? undefined : Number(asInt(i) ?? 0n)),
  ),
  trim: filter('trim', [['chars', null]], (v, chars) =>
    STR_METHODS['strip']!(text(v), chars === null ? [] : [chars], {}),
  ),
  truncate: filter(
    'truncate',
    [
      ['length', 255n],
      ['killwords', false],
      ['end', '...'],
      ['leeway', null],
    ],
    (v, l, k, e, lw) => truncate(text(v), l, k, e, lw),
  ),
  unique: filter(
    'unique',
    [
      ['case_sensitive', false],
      ['attribute', null],
    ],
    (v, cs, a) => {
      const key = sortKey(a, cs);
      const seen: unknown[] = [];
      return iterate(v).filter((x) => {
        const k = key(x);
        if (seen.some((s) => pyEquals(s, k))) return false;
        seen.push(k);
        return true;
      });
    },
  ),
  upper: filter('upper', [], (v) => text(v).toUpperCase()),
  urlencode: filter('urlencode', [], (v) => {
    if (typeof v === 'string') return urlQuote(v, false);
    const pairs = isDict(v) ? Object.keys(v).map((k) => [k, v[k]]) : iterate(v).map(iterate);
    return pairs.map(([k, x]) => `${urlQuote(text(k), true)}=${urlQuote(text(x), true)}`).join('&');
  }),
  wordcount: filter('wordcount', [], (v) =>
    BigInt((text(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length),
  ),
});

export function hasFilter(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FILTERS, name);
}
