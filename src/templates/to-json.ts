import { floatRepr, isDict, PyError, PyIntEnum, typeName } from './values.js';

/**
 * Jinja's `tojson`: Python's `json.dumps` with Jinja's defaults (keys sorted,
 * ASCII only, `", "` and `": "` separators) and its HTML-safe escaping of
 * `<`, `>`, `&` and `'`.
 */

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e || "<>&'".includes(ch)) {
      // ensure_ascii: astral characters become surrogate pairs, as Python writes them.
      for (let i = 0; i < ch.length; i++)
        out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

function dump(value: unknown, indent: number | undefined, depth: number): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PyIntEnum) return value.value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return floatRepr(value);
  }
  if (typeof value === 'string') return quote(value);
  const entries: string[] | undefined = Array.isArray(value)
    ? value.map((v) => dump(v, indent, depth + 1))
    : isDict(value)
      ? Object.keys(value)
          .sort()
          .map((k) => `${quote(k)}: ${dump(value[k], indent, depth + 1)}`)
      : undefined;
  if (entries === undefined)
    throw new PyError(`Object of type ${typeName(value)} is not JSON serializable`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  if (indent === undefined) return `${open}${entries.join(', ')}${close}`;
  const pad = '\n' + ' '.repeat(indent * (depth + 1));
  return `${open}${pad}${entries.join(',' + pad)}\n${' '.repeat(indent * depth)}${close}`;
}

export function toJson(value: unknown, indent?: number): string {
  return dump(value, indent, 0);
}
