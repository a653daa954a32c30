import {
  asInt,
  dictGet,
  isDict,
  isTuple,
  MISSING,
  PyError,
  PyIntEnum,
  PyObject,
  pyRepr,
  pyStr,
  typeName,
} from './values.js';

/**
 * Python's `format(value, spec)` for numbers and strings, and `'…' % args`.
 * Floats are rounded exactly (half to even on the binary value), as CPython
 * does, so `format(2.675, '.2f')` is `2.67` and `format(0.125, '.2f')` `0.12`.
 */

interface Spec {
  fill: string;
  align: '<' | '>' | '=' | '^' | undefined;
  sign: '-' | '+' | ' ';
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: ',' | '_' | undefined;
  precision: number | undefined;
  type: string;
}

const SPEC_RE =
  /^(?:([\s\S])?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function parseSpec(spec: string, value: unknown): Spec {
  const m = SPEC_RE.exec(spec);
  if (!m)
    throw new PyError(`Invalid format specifier '${spec}' for object of type '${typeName(value)}'`);
  return {
    fill: m[1] ?? (m[5] && !m[2] ? '0' : ' '),
    align: (m[2] as Spec['align']) ?? (m[5] ? '=' : undefined),
    sign: (m[3] as Spec['sign'] | undefined) ?? '-',
    alt: m[4] !== undefined,
    zero: m[5] !== undefined,
    width: m[6] === undefined ? 0 : Number(m[6]),
    grouping: m[7] as Spec['grouping'],
    precision: m[8] === undefined ? undefined : Number(m[8]),
    type: m[9] ?? '',
  };
}

function pad(sign: string, body: string, spec: Spec, defaultAlign: '<' | '>'): string {
  const length = Array.from(sign + body).length;
  const fill = Math.max(0, spec.width - length);
  if (fill === 0) return sign + body;
  const padding = (n: number): string => spec.fill.repeat(n);
  switch (spec.align ?? defaultAlign) {
    case '<':
      return sign + body + padding(fill);
    case '>':
      return padding(fill) + sign + body;
    case '=':
      return sign + padding(fill) + body;
    case '^':
      return padding(Math.floor(fill / 2)) + sign + body + padding(Math.ceil(fill / 2));
  }
}

function group(digits: string, sep: string, size: number): string {
  let out = '';
  for (let i = digits.length; i > 0; i -= size) {
    out = digits.slice(Math.max(0, i - size), i) + (out ? sep + out : '');
  }
  return out;
}

/** |x| · 10^digits rounded half to even, computed exactly from the float's bits. */
function scaledRound(x: number, digits: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp = biased === 0 ? -1074 : biased - 1075;
  let num = mantissa * (exp > 0 ? 2n ** BigInt(exp) : 1n);
  let den = exp < 0 ? 2n ** BigInt(-exp) : 1n;
  if (digits >= 0) num *= 10n ** BigInt(digits);
  else den *= 10n ** BigInt(-digits);
  let q = num / den;
  const twice = 2n * (num % den);
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  return q;
}

export function fixed(x: number, precision: number): string {
  const n = scaledRound(x, precision)
    .toString()
    .padStart(precision + 1, '0');
  return precision === 0 ? n : `${n.slice(0, -precision)}.${n.slice(-precision)}`;
}

/** Mantissa digits (precision + 1 of them) and decimal exponent of |x|. */
function exponential(x: number, precision: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0'.repeat(precision + 1), exp: 0 };
  let exp = Math.floor(Math.log10(Math.abs(x)));
  for (;;) {
    const digits = scaledRound(x, precision - exp).toString();
    if (digits.length > precision + 1) exp += 1;
    else if (digits.length < precision + 1) exp -= 1;
    else return { digits, exp };
  }
}

function expText(digits: string, exp: number, alt: boolean, upper: boolean): string {
  const mantissa = digits.length > 1 || alt ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return mantissa + e;
}

function general(
  x: number,
  precision: number,
  alt: boolean,
  upper: boolean,
  keepPoint: boolean,
): string {
  const p = precision === 0 ? 1 : precision;
  const { digits, exp } = exponential(x, p - 1);
  let text: string;
  if (exp >= -4 && exp < (keepPoint ? p - 1 : p)) {
    text = fixed(x, Math.max(0, p - 1 - exp));
    if (!alt && text.includes('.'))
      text = text.replace(/0+$/, '').replace(/\.$/, keepPoint ? '.0' : '');
    else if (keepPoint && !text.includes('.')) text += '.0';
  } else {
    const trimmed = alt ? digits : digits.replace(/(?<=.)0+$/, '');
    text = expText(trimmed, exp, alt, upper);
  }
  return text;
}

function floatBody(x: number, spec: Spec): string {
  if (!Number.isFinite(x)) {
    const text = Number.isNaN(x) ? 'nan' : 'inf';
    return spec.type === spec.type.toUpperCase() && spec.type !== '' && spec.type !== '%'
      ? text.toUpperCase()
      : text;
  }
  const p = spec.precision ?? 6;
  switch (spec.type) {
    case 'f':
    case 'F':
      return fixed(x, p) + (spec.alt && p === 0 ? '.' : '');
    case 'e':
    case 'E': {
      const { digits, exp } = exponential(x, p);
      return expText(digits, exp, spec.alt, spec.type === 'E');
    }
    case 'g':
    case 'G':
    case 'n':
      return general(x, p, spec.alt, spec.type === 'G', false);
    case '%':
      return `${fixed(x * 100, p)}%`;
    default:
      if (spec.precision === undefined) return pyStr(Math.abs(x));
      return general(x, spec.precision, spec.alt, false, true);
  }
}

function intBody(n: bigint, spec: Spec): string {
  const abs = n < 0n ? -n : n;
  switch (spec.type) {
    case 'b':
      return (spec.alt ? '0b' : '') + abs.toString(2);
    case 'o':
      return (spec.alt ? '0o' : '') + abs.toString(8);
    case 'x':
      return (spec.alt ? '0x' : '') + abs.toString(16);
    case 'X':
      return (spec.alt ? '0X' : '') + abs.toString(16).toUpperCase();
    case 'c':
      return String.fromCodePoint(Number(abs));
    default:
      return abs.toString();
  }
}

function formatNumber(value: bigint | number, spec: Spec): string {
  const isInt = typeof value === 'bigint';
  const floatTypes = 'eEfFgGn%';
  if (isInt && (spec.type === '' || 'bcdoxXn'.includes(spec.type)) && spec.precision !== undefined)
    throw new PyError('Precision not allowed in integer format specifier');
  if (!isInt && spec.type !== '' && !floatTypes.includes(spec.type))
    throw new PyError(`Unknown format code '${spec.type}' for object of type 'float'`);
  const negative = isInt ? value < 0n : value < 0 || Object.is(value, -0);
  const sign = negative ? '-' : spec.sign === '-' ? '' : spec.sign;
  const asFloat = spec.type !== '' && spec.type !== 'n' && floatTypes.includes(spec.type);
  let body = isInt && !asFloat ? intBody(value, spec) : floatBody(Number(value), spec);
  if (spec.grouping) {
    const m = /^(0[box])?([0-9a-fA-F]+)(.*)$/s.exec(body);
    if (m) {
      const size = spec.type !== '' && 'boxX'.includes(spec.type) ? 4 : 3;
      body = (m[1] ?? '') + group(m[2] ?? '', spec.grouping, size) + (m[3] ?? '');
    }
  }
  return pad(sign, body, spec, '>');
}

/** Python's built-in `format(value, spec)` for plain data (objects format themselves). */
export function formatValue(value: unknown, spec: string): string {
  if (value instanceof PyIntEnum && spec !== '')
    return formatNumber(value.value, parseSpec(spec, value.value));
  if (value instanceof PyObject) return value.format(spec);
  if (spec === '') return pyStr(value);
  if (typeof value === 'boolean' || typeof value === 'bigint' || typeof value === 'number') {
    const n = typeof value === 'number' ? value : (asInt(value) as bigint);
    return formatNumber(n, parseSpec(spec, value));
  }
  if (typeof value === 'string') {
    const s = parseSpec(spec, value);
    if (s.type !== '' && s.type !== 's')
      throw new PyError(`Unknown format code '${s.type}' for object of type 'str'`);
    if (s.sign !== '-' || (s.zero && s.align === '='))
      throw new PyError('Sign not allowed in string format specifier');
    const text =
      s.precision === undefined ? value : Array.from(value).slice(0, s.precision).join('');
    return pad('', text, s, '<');
  }
  throw new PyError(`unsupported format string passed to ${typeName(value)}.__format__`);
}

const PERCENT_RE = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])?/g;

/** Python's `format % args` (printf-style), as `'%s-%02d' % (name, n)` needs. */
export function percentFormat(format: string, args: unknown): string {
  const mapping = isDict(args) ? args : undefined;
  const positional = mapping ? [] : isTuple(args) ? [...args] : [args];
  let next = 0;
  const take = (): unknown => {
    if (next >= positional.length) throw new PyError('not enough arguments for format string');
    return positional[next++];
  };
  const out = format.replace(
    PERCENT_RE,
    (
      _all,
      key: string | undefined,
      flags: string,
      width: string | undefined,
      precision: string | undefined,
      conv: string | undefined,
    ) => {
      if (conv === undefined) throw new PyError('incomplete format');
      if (conv === '%') return '%';
      let value: unknown;
      if (key !== undefined) {
        if (!mapping) throw new PyError('format requires a mapping');
        value = dictGet(mapping, key);
        if (value === MISSING) throw new PyError(`key '${key}' not in format mapping`);
      }
      const w = width === '*' ? Number(asInt(take()) ?? 0n) : Number(width ?? 0);
      const p =
        precision === '*'
          ? Number(asInt(take()) ?? 0n)
          : precision === undefined
            ? undefined
            : Number(precision);
      if (key === undefined) value = take();
      const spec: Spec = {
        fill: flags.includes('0') && !flags.includes('-') && !'srac'.includes(conv) ? '0' : ' ',
        align: flags.includes('-')
          ? '<'
          : flags.includes('0') && !'srac'.includes(conv)
            ? '='
            : '>',
        sign: flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '-',
        alt: flags.includes('#'),
        zero: false,
        width: w,
        grouping: undefined,
        precision: p,
        type: conv,
      };
      if (conv === 's' || conv === 'r' || conv === 'a') {
        const text = conv === 's' ? pyStr(value) : pyRepr(value);
        return pad('', p === undefined ? text : text.slice(0, p), spec, '>');
      }
      if (conv === 'c') {
        const text =
          typeof value === 'string' ? value : String.fromCodePoint(Number(asInt(value) ?? 0n));
        return pad('', text, spec, '>');
      }
      const intConv = 'diouxX'.includes(conv);
      let n: bigint | number | undefined = typeof value === 'number' ? value : asInt(value);
      if (n === undefined)
        throw new PyError(
          `%${conv} format: a ${intConv ? 'real number' : 'real number'} is required, not ${typeName(value)}`,
        );
      if (intConv) {
        if (typeof n === 'number') n = BigInt(Math.trunc(n));
        return formatNumber(n, {
          ...spec,
          precision: undefined,
          type: conv === 'i' || conv === 'u' ? 'd' : conv,
        });
      }
      return formatNumber(Number(n), { ...spec, precision: p ?? 6 });
    },
  );
  if (!mapping && next < positional.length)
    throw new PyError('not all arguments converted during string formatting');
  return out;
}
