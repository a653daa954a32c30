import { percentFormat } from './format.js';
import {
  asInt,
  asNumeric,
  type BinaryOp,
  isDict,
  isTuple,
  makeTuple,
  NOT_IMPLEMENTED,
  PyError,
  PyObject,
  typeName,
} from './values.js';

/**
 * Python's operator semantics for templates (spec §3.4: args are strings, so
 * arithmetic needs explicit conversion, and mixing types is an error rather
 * than JavaScript's silent coercion).
 */

/** Results larger than this are refused, so one template cannot exhaust memory. */
export const MAX_SEQUENCE_LENGTH = 10_000_000;
const MAX_POW_EXPONENT = 100_000n;

function unsupported(op: string, a: unknown, b: unknown): PyError {
  return new PyError(
    `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`,
  );
}

function repeat<T>(seq: readonly T[] | string, times: bigint): T[] | string {
  const n = times < 0n ? 0 : Number(times);
  if (n * seq.length > MAX_SEQUENCE_LENGTH)
    throw new PyError(`result of repetition is too long (over ${MAX_SEQUENCE_LENGTH} items)`);
  if (typeof seq === 'string') return seq.repeat(n);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(...seq);
  return out;
}

function floorDivInt(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function modInt(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

function numericOp(op: BinaryOp, a: bigint | number, b: bigint | number): bigint | number {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '//':
        if (b === 0n) throw new PyError('integer division or modulo by zero');
        return floorDivInt(a, b);
      case '%':
        if (b === 0n) throw new PyError('integer modulo by zero');
        return modInt(a, b);
      case '**':
        if (b < 0n) return Number(a) ** Number(b);
        if (b > MAX_POW_EXPONENT && (a > 1n || a < -1n))
          throw new PyError(`exponent too large: ${b}`);
        return a ** b;
      case '/':
        if (b === 0n) throw new PyError('division by zero');
        return Number(a) / Number(b);
    }
  }
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new PyError('float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw new PyError('float floor division by zero');
      return Math.floor(x / y);
    case '%': {
      if (y === 0) throw new PyError('float modulo');
      const r = x % y;
      return r !== 0 && r < 0 !== y < 0 ? r + y : r;
    }
    case '**': {
      if (x === 0 && y < 0) throw new PyError('0.0 cannot be raised to a negative power');
      const r = x ** y;
      if (Number.isNaN(r) && !Number.isNaN(x) && !Number.isNaN(y))
        throw new PyError('a negative number raised to a fractional power is complex');
      return r;
    }
  }
}

function sequenceOp(op: BinaryOp, a: unknown, b: unknown): unknown {
  if (op === '+') {
    if (typeof a === 'string') {
      if (typeof b === 'string') {
        if (a.length + b.length > MAX_SEQUENCE_LENGTH) throw new PyError('string too long');
        return a + b;
      }
      throw new PyError(`can only concatenate str (not "${typeName(b)}") to str`);
    }
    if (Array.isArray(a)) {
      if (Array.isArray(b) && isTuple(a) === isTuple(b)) {
        const joined = [...(a as unknown[]), ...(b as unknown[])];
        return isTuple(a) ? makeTuple(joined) : joined;
      }
      const kind = typeName(a);
      throw new PyError(`can only concatenate ${kind} (not "${typeName(b)}") to ${kind}`);
    }
  }
  if (op === '*') {
    const [seq, times] = typeof a === 'string' || Array.isArray(a) ? [a, b] : [b, a];
    if (typeof seq === 'string' || Array.isArray(seq)) {
      const n = asInt(times);
      if (n === undefined)
        throw new PyError(`can't multiply sequence by non-int of type '${typeName(times)}'`);
      const result = repeat(seq as unknown[] | string, n);
      return isTuple(seq) ? makeTuple(result as unknown[]) : result;
    }
  }
  if (op === '%' && typeof a === 'string') return percentFormat(a, b);
  return NOT_IMPLEMENTED;
}

/** `a OP b` with Python semantics. */
export function binaryOp(op: BinaryOp, a: unknown, b: unknown): unknown {
  if (a instanceof PyObject) {
    const result = a.binop(op, b, false);
    if (result !== NOT_IMPLEMENTED) return result;
  }
  if (b instanceof PyObject) {
    const result = b.binop(op, a, true);
    if (result !== NOT_IMPLEMENTED) return result;
  }
  const x = asNumeric(a);
  const y = asNumeric(b);
  if (x !== undefined && y !== undefined) return numericOp(op, x, y);
  const result = sequenceOp(op, a, b);
  if (result !== NOT_IMPLEMENTED) return result;
  throw unsupported(op, a, b);
}

export function unaryOp(op: '-' | '+', value: unknown): unknown {
  const x = asNumeric(value);
  if (x === undefined) throw new PyError(`bad operand type for unary ${op}: '${typeName(value)}'`);
  return op === '-' ? -x : x;
}

/** Python's `==`. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const x = asNumeric(a);
  const y = asNumeric(b);
  if (x !== undefined && y !== undefined) return compareNumbers(x, y) === 0;
  if (a instanceof PyObject) return a.equals(b);
  if (b instanceof PyObject) return b.equals(a);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isTuple(a) !== isTuple(b) || a.length !== b.length) return false;
    return a.every((item, i) => pyEquals(item, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEquals(a[k], b[k]));
  }
  return a === b || (a == null && b == null);
}

function compareNumbers(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number')
    return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  // Mixed int and float: compare exactly, as Python does, not through Number(bigint).
  const [i, f, sign] = typeof a === 'bigint' ? [a, b as number, 1] : [b as bigint, a as number, -1];
  if (Number.isNaN(f)) return NaN;
  if (!Number.isFinite(f)) return f > 0 ? -sign : sign;
  const floor = BigInt(Math.floor(f));
  if (i < floor) return -sign;
  if (i > floor) return sign;
  return Number.isInteger(f) ? 0 : -sign;
}

/** Sign of `a - b` for Python ordering, or NaN when either is NaN; throws when unorderable. */
function pyCompare(op: string, a: unknown, b: unknown): number {
  const x = asNumeric(a);
  const y = asNumeric(b);
  if (x !== undefined && y !== undefined) return compareNumbers(x, y);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEquals(a[i], b[i])) return pyCompare(op, a[i], b[i]);
    }
    return a.length - b.length;
  }
  const c =
    a instanceof PyObject
      ? a.compareTo(b)
      : b instanceof PyObject
        ? invert(b.compareTo(a))
        : undefined;
  if (c !== undefined) return c;
  throw new PyError(
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`,
  );
}

function invert(c: number | undefined): number | undefined {
  return c === undefined ? undefined : -c;
}

export type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

export function compareOp(op: CompareOp, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case '<':
      return pyCompare(op, a, b) < 0;
    case '>':
      return pyCompare(op, a, b) > 0;
    case '<=':
      return pyCompare(op, a, b) <= 0;
    case '>=':
      return pyCompare(op, a, b) >= 0;
  }
}

/** Python's `item in container`. */
export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string')
      throw new PyError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isDict(container))
    return typeof item === 'string' && Object.prototype.hasOwnProperty.call(container, item);
  if (container instanceof PyObject) {
    const found = container.contains(item);
    if (found !== undefined) return found;
    const items = container.items();
    if (items !== undefined) return items.some((x) => pyEquals(x, item));
  }
  throw new PyError(`argument of type '${typeName(container)}' is not iterable`);
}
