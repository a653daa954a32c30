import { formatValue } from './format.js';
import { pyEquals } from './operators.js';
import { STR_METHODS } from './str-methods.js';
import {
  asInt,
  dictGet,
  isDict,
  isTuple,
  makeTuple,
  MISSING,
  PyCallable,
  PyError,
  PyObject,
  pyRepr,
  pyStr,
  typeName,
  type PyDict,
} from './values.js';

/**
 * Member access for templates (`x.name`, `x[key]`, `x[a:b]`). This is the
 * security boundary of the engine: a template reaches only own keys of dicts,
 * indexes of sequences, the Python methods listed here and the members our
 * helper objects list in `getAttr`. Prototypes, constructors and every other
 * JavaScript property stay out of reach.
 */

function listMethod(list: readonly unknown[], name: string): unknown {
  switch (name) {
    case 'count':
      return new PyCallable('count', ([x]) => BigInt(list.filter((y) => pyEquals(x, y)).length));
    case 'index':
      return new PyCallable('index', ([x]) => {
        const at = list.findIndex((y) => pyEquals(x, y));
        if (at < 0) throw new PyError(`${pyRepr(x)} is not in ${typeName(list)}`);
        return BigInt(at);
      });
  }
  return MISSING;
}

function dictMethod(dict: PyDict, name: string): unknown {
  switch (name) {
    case 'items':
      return new PyCallable('items', () => Object.keys(dict).map((k) => makeTuple([k, dict[k]])));
    case 'keys':
      return new PyCallable('keys', () => Object.keys(dict));
    case 'values':
      return new PyCallable('values', () => Object.keys(dict).map((k) => dict[k]));
    case 'get':
      return new PyCallable('get', ([key, fallback = null]) => {
        const value = typeof key === 'string' ? dictGet(dict, key) : MISSING;
        return value === MISSING ? fallback : value;
      });
  }
  return MISSING;
}

/** The member `name` of `obj`, or MISSING when a template may not see one. */
function findAttribute(obj: unknown, name: string): unknown {
  if (typeof obj === 'string') {
    if (name === 'format')
      return new PyCallable('format', (args, kwargs) => strFormat(obj, args, kwargs));
    const fn = Object.prototype.hasOwnProperty.call(STR_METHODS, name)
      ? STR_METHODS[name]
      : undefined;
    return fn ? new PyCallable(name, (args, kwargs) => fn(obj, args, kwargs)) : MISSING;
  }
  if (Array.isArray(obj)) return listMethod(obj, name);
  if (isDict(obj)) {
    const value = dictGet(obj, name);
    return value === MISSING ? dictMethod(obj, name) : value;
  }
  if (obj instanceof PyObject) return obj.getAttr(name);
  return MISSING;
}

/** `obj.name`; throws Python's AttributeError wording for anything not exposed. */
export function getAttribute(obj: unknown, name: string): unknown {
  const value = findAttribute(obj, name);
  if (value !== MISSING) return value;
  if (isDict(obj)) throw new PyError(`dict has no key or attribute ${pyRepr(name)}`);
  throw new PyError(`'${typeName(obj)}' object has no attribute ${pyRepr(name)}`);
}

/** `obj.name` for `is defined` and `default`: MISSING instead of an error. */
export function softAttribute(obj: unknown, key: unknown): unknown {
  if (typeof key === 'string') return findAttribute(obj, key);
  try {
    return getItem(obj, key);
  } catch (err) {
    // An absent index is what `is defined` asks about; other errors still surface.
    if (err instanceof PyError) return MISSING;
    throw err;
  }
}

function sequenceOf(obj: unknown): readonly unknown[] | string | undefined {
  if (typeof obj === 'string' || Array.isArray(obj)) return obj;
  if (obj instanceof PyObject) return obj.items();
  return undefined;
}

/** `obj[key]`: an int index into a sequence, or a key of a dict; a str key falls back to attributes, as in Jinja. */
export function getItem(obj: unknown, key: unknown): unknown {
  const index = asInt(key);
  const seq = sequenceOf(obj);
  if (seq !== undefined && index !== undefined) {
    const items = typeof seq === 'string' ? Array.from(seq) : seq;
    const i = Number(index < 0n ? index + BigInt(items.length) : index);
    if (i < 0 || i >= items.length) throw new PyError(`${typeName(obj)} index out of range`);
    return items[i];
  }
  if (typeof key === 'string') return getAttribute(obj, key);
  if (seq !== undefined)
    throw new PyError(`${typeName(obj)} indices must be integers or slices, not ${typeName(key)}`);
  throw new PyError(`'${typeName(obj)}' object is not subscriptable`);
}

function sliceBound(value: unknown, length: number, step: number, isStart: boolean): number {
  if (value === null || value === undefined) {
    if (isStart) return step < 0 ? length - 1 : 0;
    return step < 0 ? -1 : length;
  }
  const n = asInt(value);
  if (n === undefined)
    throw new PyError('slice indices must be integers or None or have an __index__ method');
  let i = Number(n);
  if (i < 0) {
    i += length;
    if (i < 0) i = step < 0 ? -1 : 0;
  } else if (i >= length) i = step < 0 ? length - 1 : length;
  return i;
}

/** `obj[start:stop:step]` with Python's clamping rules. */
export function getSlice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const seq = sequenceOf(obj);
  if (seq === undefined) throw new PyError(`'${typeName(obj)}' object is not subscriptable`);
  const items = typeof seq === 'string' ? Array.from(seq) : seq;
  const by = step === null || step === undefined ? 1 : Number(asInt(step) ?? NaN);
  if (Number.isNaN(by)) throw new PyError('slice indices must be integers or None');
  if (by === 0) throw new PyError('slice step cannot be zero');
  const lo = sliceBound(start, items.length, by, true);
  const hi = sliceBound(stop, items.length, by, false);
  const out: unknown[] = [];
  for (let i = lo; by > 0 ? i < hi : i > hi; i += by) out.push(items[i]);
  if (typeof seq === 'string') return out.join('');
  return isTuple(obj) ? makeTuple(out) : out;
}

/** Python's `str.format`: `'{}-{}'.format(a, b)`, `'{name:>8}'.format(name=x)`, `{0.year}`, `{0[1]}`. */
export function strFormat(
  format: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): string {
  let auto = 0;
  const field = (body: string): string => {
    const m = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/s.exec(body);
    if (!m) throw new PyError(`bad format field: {${body}}`);
    const [, name = '', chain = '', conversion, rawSpec = ''] = m;
    let value: unknown;
    if (name === '') {
      if (auto >= args.length)
        throw new PyError(`Replacement index ${auto} out of range for positional args tuple`);
      value = args[auto++];
    } else if (/^\d+$/.test(name)) {
      if (Number(name) >= args.length)
        throw new PyError(`Replacement index ${name} out of range for positional args tuple`);
      value = args[Number(name)];
    } else {
      value = dictGet(kwargs as PyDict, name);
      if (value === MISSING) throw new PyError(`KeyError: ${pyRepr(name)}`);
    }
    for (const part of chain.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      value = part.startsWith('.')
        ? getAttribute(value, part.slice(1))
        : getItem(
            value,
            /^\d+$/.test(part.slice(1, -1)) ? BigInt(part.slice(1, -1)) : part.slice(1, -1),
          );
    }
    if (conversion === 's') value = pyStr(value);
    else if (conversion) value = pyRepr(value);
    const spec = rawSpec.replace(/\{([^{}]*)\}/g, (_x, inner: string) => field(inner));
    return formatValue(value, spec);
  };
  return format.replace(
    /\{\{|\}\}|\{((?:[^{}]|\{[^{}]*\})*)\}|[{}]/g,
    (all, body: string | undefined) => {
      if (all === '{{') return '{';
      if (all === '}}') return '}';
      if (body === undefined) throw new PyError(`Single '${all}' encountered in format string`);
      return field(body);
    },
  );
}
