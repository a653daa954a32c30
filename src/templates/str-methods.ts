import {
  asInt,
  isTuple,
  iterate,
  type Kwargs,
  makeTuple,
  PyError,
  table,
  typeName,
} from './values.js';

/**
 * Python's str methods, the ones job templates call on run args (which are
 * all strings): `{{ date.replace('-', '') }}`, `{{ region.upper() }}`.
 * Only these are reachable on a string; JavaScript's String methods are not.
 */

type StrMethod = (s: string, args: readonly unknown[], kwargs: Kwargs) => unknown;

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new PyError(`${what} must be str, not ${typeName(value)}`);
  return value;
}

function optStr(value: unknown, what: string): string | undefined {
  return value === undefined || value === null ? undefined : str(value, what);
}

function int(value: unknown, what: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = asInt(value);
  if (n === undefined)
    throw new PyError(`'${typeName(value)}' object cannot be interpreted as an integer (${what})`);
  return Number(n);
}

const WHITESPACE =
  ' \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function stripper(which: 'both' | 'left' | 'right'): StrMethod {
  return (s, [chars]) => {
    const set = optStr(chars, 'strip arg') ?? WHITESPACE;
    let start = 0;
    let end = s.length;
    if (which !== 'right') while (start < end && set.includes(s[start]!)) start++;
    if (which !== 'left') while (end > start && set.includes(s[end - 1]!)) end--;
    return s.slice(start, end);
  };
}

function splitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  let rest = s.replace(/^\s+/, '');
  while (rest !== '') {
    if (maxsplit >= 0 && out.length === maxsplit) {
      out.push(rest);
      break;
    }
    const m = /\s+/.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    out.push(rest.slice(0, m.index));
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

function split(s: string, sep: string | undefined, maxsplit: number): string[] {
  if (sep === undefined) return splitWhitespace(s, maxsplit);
  if (sep === '') throw new PyError('empty separator');
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}

function rsplit(s: string, sep: string | undefined, maxsplit: number): string[] {
  if (maxsplit < 0) return split(s, sep, -1);
  const reverse = (x: string): string => Array.from(x).reverse().join('');
  return split(reverse(s), sep === undefined ? undefined : reverse(sep), maxsplit)
    .map(reverse)
    .reverse();
}

function affix(which: 'start' | 'end'): StrMethod {
  return (s, [prefix, start, end]) => {
    const sub = s.slice(
      int(start, 'start', 0),
      end == null ? undefined : int(end, 'end', s.length),
    );
    const options = isTuple(prefix) ? prefix : [prefix];
    return options.some((p) => {
      const text = str(p, `${which}swith arg`);
      return which === 'start' ? sub.startsWith(text) : sub.endsWith(text);
    });
  };
}

function finder(which: 'find' | 'rfind' | 'index' | 'rindex'): StrMethod {
  return (s, [sub, start, end]) => {
    const lo = int(start, 'start', 0);
    const hi = end == null ? s.length : int(end, 'end', s.length);
    const region = s.slice(lo, hi);
    const needle = str(sub, 'substring');
    const at = which.startsWith('r') ? region.lastIndexOf(needle) : region.indexOf(needle);
    if (at < 0 && which.endsWith('index')) throw new PyError('substring not found');
    return BigInt(at < 0 ? -1 : at + (lo < 0 ? Math.max(0, s.length + lo) : lo));
  };
}

function justify(which: 'center' | 'ljust' | 'rjust'): StrMethod {
  return (s, [width, fill = ' ']) => {
    const f = str(fill, 'fill character');
    if (Array.from(f).length !== 1)
      throw new PyError('The fill character must be exactly one character long');
    const w = int(width, 'width', 0);
    const n = w - Array.from(s).length;
    if (n <= 0) return s;
    if (which === 'ljust') return s + f.repeat(n);
    if (which === 'rjust') return f.repeat(n) + s;
    // CPython's rule for where the odd extra fill character goes.
    const left = Math.floor(n / 2) + (n & w & 1);
    return f.repeat(left) + s + f.repeat(n - left);
  };
}

function isCased(s: string, lower: boolean): boolean {
  const hasCased = /\p{Lu}|\p{Ll}|\p{Lt}/u.test(s);
  return hasCased && (lower ? s === s.toLowerCase() : s === s.toUpperCase());
}

export function titleCase(s: string): string {
  return s.replace(/\p{L}+/gu, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

export const STR_METHODS: Readonly<Record<string, StrMethod>> = table<StrMethod>({
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  casefold: (s) => s.toLowerCase(),
  swapcase: (s) =>
    Array.from(s, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  title: (s) => titleCase(s),
  capitalize: (s) => capitalize(s),
  strip: stripper('both'),
  lstrip: stripper('left'),
  rstrip: stripper('right'),
  split: (s, [sep, maxsplit], kw) =>
    split(s, optStr(sep ?? kw['sep'], 'sep'), int(maxsplit ?? kw['maxsplit'], 'maxsplit', -1)),
  rsplit: (s, [sep, maxsplit], kw) =>
    rsplit(s, optStr(sep ?? kw['sep'], 'sep'), int(maxsplit ?? kw['maxsplit'], 'maxsplit', -1)),
  splitlines: (s, [keepends]) => {
    if (s === '') return [];
    if (keepends === true) return s.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+/g) ?? [];
    return s.replace(/(?:\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/);
  },
  replace: (s, [old, replacement, count]) => {
    const from = str(old, 'replace() argument 1');
    const to = str(replacement, 'replace() argument 2');
    const n = int(count, 'count', -1);
    if (n < 0)
      return from === '' ? Array.from(s).join(to).replace(/^/, to) + to : s.split(from).join(to);
    let out = s;
    let at = 0;
    for (let i = 0; i < n; i++) {
      const found = out.indexOf(from, at);
      if (found < 0) break;
      out = out.slice(0, found) + to + out.slice(found + from.length);
      at = found + to.length + (from === '' ? 1 : 0);
    }
    return out;
  },
  join: (s, [items]) =>
    iterate(items)
      .map((item, i) => {
        if (typeof item !== 'string')
          throw new PyError(`sequence item ${i}: expected str instance, ${typeName(item)} found`);
        return item;
      })
      .join(s),
  startswith: affix('start'),
  endswith: affix('end'),
  find: finder('find'),
  rfind: finder('rfind'),
  index: finder('index'),
  rindex: finder('rindex'),
  count: (s, [sub]) => {
    const needle = str(sub, 'substring');
    return BigInt(needle === '' ? Array.from(s).length + 1 : s.split(needle).length - 1);
  },
  zfill: (s, [width]) => {
    const n = int(width, 'width', 0);
    const sign = s.startsWith('-') || s.startsWith('+') ? s[0]! : '';
    const body = s.slice(sign.length);
    return sign + body.padStart(n - sign.length, '0');
  },
  center: justify('center'),
  ljust: justify('ljust'),
  rjust: justify('rjust'),
  partition: (s, [sep]) => {
    const at = s.indexOf(str(sep, 'sep'));
    return makeTuple(
      at < 0 ? [s, '', ''] : [s.slice(0, at), sep, s.slice(at + (sep as string).length)],
    );
  },
  removeprefix: (s, [p]) => (s.startsWith(str(p, 'prefix')) ? s.slice((p as string).length) : s),
  removesuffix: (s, [p]) => {
    const suffix = str(p, 'suffix');
    return suffix !== '' && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
  },
  isdigit: (s) => /^\p{Nd}+$/u.test(s),
  isdecimal: (s) => /^\p{Nd}+$/u.test(s),
  isnumeric: (s) => /^\p{N}+$/u.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  isalnum: (s) => /^[\p{L}\p{N}]+$/u.test(s),
  isspace: (s) => s !== '' && Array.from(s).every((c) => WHITESPACE.includes(c)),
  islower: (s) => isCased(s, true),
  isupper: (s) => isCased(s, false),
});
