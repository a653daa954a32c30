import { getAttribute } from './attributes.js';
import { fixed } from './format.js';
import { compareOp } from './operators.js';
import { asInt, asNumeric, iterate, PyError, pyStr, table, truthy, typeName } from './values.js';

/**
 * The parts of Jinja's filters with Python behaviour to get right: `int`,
 * `float` and `round` conversions, and the text filters' exact rules.
 */

/** Python's `int(str)`: optional sign, digits, underscores between digits, surrounding space. */
function parseInt10(s: string, base: number): bigint | undefined {
  const t = s.trim().replace(/(?<=[0-9a-zA-Z])_(?=[0-9a-zA-Z])/g, '');
  const m = /^([+-]?)(?:0[xob])?([0-9a-zA-Z]+)$/.exec(t);
  if (!m || (base === 10 && !/^[+-]?\d+$/.test(t))) return undefined;
  let n = 0n;
  for (const ch of m[2] ?? '') {
    const d = parseInt(ch, 36);
    if (Number.isNaN(d) || d >= base) return undefined;
    n = n * BigInt(base) + BigInt(d);
  }
  return m[1] === '-' ? -n : n;
}

/** Python's `float(str)`. */
function parseFloatStrict(s: string): number | undefined {
  const t = s
    .trim()
    .replace(/(?<=\d)_(?=\d)/g, '')
    .toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

export function toInt(value: unknown, fallback: unknown, base: unknown): unknown {
  const b = Number(asInt(base) ?? 10n);
  if (typeof value === 'string') {
    const n = parseInt10(value, b);
    if (n !== undefined) return n;
    // Jinja's quirk: "42.23"|int is 42.
    const f = parseFloatStrict(value);
    return f !== undefined && Number.isFinite(f) ? BigInt(Math.trunc(f)) : fallback;
  }
  if (typeof value === 'number')
    return Number.isFinite(value) ? BigInt(Math.trunc(value)) : fallback;
  return asInt(value) ?? fallback;
}

export function toFloat(value: unknown, fallback: unknown): unknown {
  if (typeof value === 'string') return parseFloatStrict(value) ?? fallback;
  const n = asNumeric(value);
  return n === undefined ? fallback : Number(n);
}

/** Python's `round(x, n)`: half to even on the exact binary value. */
export function pyRound(value: unknown, precision: unknown, method: unknown): unknown {
  const n = asNumeric(value);
  if (n === undefined) throw new PyError(`type ${typeName(value)} doesn't define __round__ method`);
  const p = Number(asInt(precision) ?? 0n);
  if (method !== 'common') {
    if (method !== 'ceil' && method !== 'floor')
      throw new PyError('method must be common, ceil or floor');
    const f = method === 'ceil' ? Math.ceil : Math.floor;
    return f(Number(n) * 10 ** p) / 10 ** p;
  }
  if (typeof n === 'bigint') return n;
  if (!Number.isFinite(n)) return n;
  return Number(fixedRound(n, p));
}

function fixedRound(x: number, p: number): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (p >= 0) return sign + fixed(x, p);
  const scale = 10 ** -p;
  return String(Number(sign + fixed(x / scale, 0)) * scale);
}

const HTML_ESCAPES = table<string>({
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
});

/** markupsafe's escaping, which Jinja's `escape` filter uses. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

export function urlQuote(s: string, forQuery: boolean): string {
  const quoted = Array.from(new TextEncoder().encode(s), (b) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9_.\-~]/.test(c) || (!forQuery && c === '/')) return c;
    return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
  return forQuery ? quoted.replace(/%20/g, '+') : quoted;
}

export function indent(s: string, width: unknown, first: unknown, blank: unknown): string {
  const prefix = typeof width === 'string' ? width : ' '.repeat(Number(asInt(width) ?? 4n));
  const lines = (s + '\n').split(/\r\n|\r|\n/).slice(0, -1);
  const body = lines
    .map((line, i) => (i === 0 || (line === '' && !truthy(blank)) ? line : prefix + line))
    .join('\n');
  return truthy(first) ? prefix + body : body;
}

export function truncate(
  s: string,
  length: unknown,
  killwords: unknown,
  end: unknown,
  leeway: unknown,
): string {
  const n = Number(asInt(length) ?? 255n);
  const e = pyStr(end);
  const slack = leeway === null || leeway === undefined ? 5 : Number(asInt(leeway) ?? 5n);
  if (n < e.length) throw new PyError(`expected length >= ${e.length}, got ${n}`);
  if (slack < 0) throw new PyError(`expected leeway >= 0, got ${slack}`);
  if (s.length <= n + slack) return s;
  if (truthy(killwords)) return s.slice(0, n - e.length) + e;
  const head = s.slice(0, n - e.length);
  const space = head.lastIndexOf(' ');
  return (space < 0 ? head : head.slice(0, space)) + e;
}

/** Jinja's `batch`: lists of `size` items, the last padded with `fill` when given. */
export function batch(items: readonly unknown[], size: number, fill: unknown): unknown[][] {
  if (size < 1) throw new PyError('batch size must be at least 1');
  const out: unknown[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  const last = out[out.length - 1];
  if (last && fill !== null && fill !== undefined) while (last.length < size) last.push(fill);
  return out;
}

/** Jinja's `slice`: `count` columns of near-equal length. */
export function columns(items: readonly unknown[], count: number, fill: unknown): unknown[][] {
  if (count < 1) throw new PyError('slice count must be at least 1');
  const per = Math.floor(items.length / count);
  const extra = items.length % count;
  const out: unknown[][] = [];
  let offset = 0;
  for (let n = 0; n < count; n++) {
    const start = offset + n * per;
    if (n < extra) offset += 1;
    const column = items.slice(start, offset + (n + 1) * per);
    if (fill !== null && fill !== undefined && n >= extra) column.push(fill);
    out.push(column);
  }
  return out;
}

const ENTITIES = table<string>({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\xa0' });

/** markupsafe's `striptags`: drop comments and tags, decode entities, collapse whitespace. */
export function stripTags(s: string): string {
  const text = s
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (all, ref: string) => {
      if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
      if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
      return ENTITIES[ref] ?? all;
    });
  return text.split(/\s+/).filter(Boolean).join(' ');
}

/** Jinja's `filesizeformat`: `13.0 kB`, or `13.3 KiB` with `binary`. */
export function fileSize(value: unknown, binary: unknown): string {
  const n = asNumeric(value);
  if (n === undefined) throw new PyError(`could not convert ${typeName(value)} to float`);
  const bytes = Number(n);
  const base = truthy(binary) ? 1024 : 1000;
  const prefixes = truthy(binary)
    ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB']
    : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = base;
  let prefix = prefixes[0]!;
  for (const [i, p] of prefixes.entries()) {
    unit = base ** (i + 2);
    prefix = p;
    if (bytes < unit) break;
  }
  return `${fixed((base * bytes) / unit, 1)} ${prefix}`;
}

export function sortKey(attribute: unknown, caseSensitive: unknown): (v: unknown) => unknown {
  return (v) => {
    const item = attribute === null || attribute === undefined ? v : lookupPath(v, attribute);
    return !truthy(caseSensitive) && typeof item === 'string' ? item.toLowerCase() : item;
  };
}

/** Jinja's `attribute='a.b'` and `attribute=0` paths. */
export function lookupPath(value: unknown, path: unknown): unknown {
  const asIndex = asInt(path);
  if (asIndex !== undefined) return iterate(value)[Number(asIndex)];
  let v = value;
  for (const part of pyStr(path).split('.')) {
    v = /^\d+$/.test(part) ? iterate(v)[Number(part)] : getAttribute(v, part);
  }
  return v;
}

export function sorted(
  items: readonly unknown[],
  key: (v: unknown) => unknown,
  reverse: boolean,
): unknown[] {
  const keyed = items.map((v) => [key(v), v] as const);
  keyed.sort((a, b) => (compareOp('<', a[0], b[0]) ? -1 : compareOp('<', b[0], a[0]) ? 1 : 0));
  if (reverse) keyed.reverse();
  return keyed.map(([, v]) => v);
}
