/**
 * The value model templates compute with, chosen so results print as Python
 * prints them (spec §3.3: output is `str()` of the expression):
 *
 *   str → string, int → bigint, float → number, bool → boolean, None → null,
 *   list → Array, tuple → frozen Array registered in `tuples`,
 *   dict → null-prototype object, helpers → `PyObject`, callables → `PyCallable`.
 *
 * Keeping int and float apart is what makes `4 / 2` print `2.0` and `7 // 2`
 * print `3`, and bigint gives Python's unbounded integers.
 */

export type Kwargs = Readonly<Record<string, unknown>>;

/** What an operator hook returns when it does not handle the operand types. */
export const NOT_IMPLEMENTED: unique symbol = Symbol('NotImplemented');
/** What `getAttr` returns for a name the object does not expose. */
export const MISSING: unique symbol = Symbol('missing');
/** Jinja's Undefined, produced only where `is defined` and `default` may look (see compiler). */
export const UNDEFINED: unique symbol = Symbol('Undefined');

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';

/** An error a template caused, carrying Python's wording; the runtime turns it into a TemplateEvalError. */
export class PyError extends Error {}

/**
 * The base of every object a template can hold besides plain data. Members a
 * template may reach are listed explicitly by `getAttr`; nothing else of the
 * JS object is visible.
 */
export abstract class PyObject {
  abstract readonly typeName: string;
  abstract str(): string;
  repr(): string {
    return this.str();
  }
  getAttr(_name: string): unknown {
    return MISSING;
  }
  binop(_op: BinaryOp, _other: unknown, _reflected: boolean): unknown {
    return NOT_IMPLEMENTED;
  }
  /** Sign of `this - other`, or undefined when the two cannot be ordered. */
  compareTo(_other: unknown): number | undefined {
    return undefined;
  }
  equals(other: unknown): boolean {
    return this === other;
  }
  truthy(): boolean {
    return true;
  }
  /** Python's `format(obj, spec)`; objects without a format accept only ''. */
  format(spec: string): string {
    if (spec === '') return this.str();
    throw new PyError(`unsupported format string passed to ${this.typeName}.__format__`);
  }
  /** Python's `item in this`, for objects that define it without being iterable. */
  contains(_item: unknown): boolean | undefined {
    return undefined;
  }
  /** Elements for `for`, `in`, `list()`; undefined when not iterable. */
  items(): readonly unknown[] | undefined {
    return undefined;
  }
}

/** An int that prints as a name, as ora's `Weekday` and `Month` IntEnums do. */
export class PyIntEnum extends PyObject {
  constructor(
    readonly typeName: string,
    readonly value: bigint,
    readonly name: string,
  ) {
    super();
  }
  str(): string {
    return this.name;
  }
  override repr(): string {
    return `${this.typeName}.${this.name}`;
  }
  override getAttr(name: string): unknown {
    if (name === 'name') return this.name;
    if (name === 'value') return this.value;
    return MISSING;
  }
}

/** A function a template may call. Only these are ever called (see runtime `callWrap`). */
export class PyCallable {
  constructor(
    readonly name: string,
    private readonly fn: (args: readonly unknown[], kwargs: Kwargs) => unknown,
  ) {}
  call(args: readonly unknown[], kwargs: Kwargs): unknown {
    const result = this.fn(args, kwargs);
    return result === undefined ? null : result;
  }
}

const tuples = new WeakSet<readonly unknown[]>();

export function makeTuple(items: readonly unknown[]): readonly unknown[] {
  const tuple = Object.freeze([...items]);
  tuples.add(tuple);
  return tuple;
}

export function isTuple(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && tuples.has(value);
}

export type PyDict = Record<string, unknown>;

/**
 * A frozen lookup table with no prototype, so a user-supplied key such as
 * `constructor` or `__proto__` finds nothing instead of Object.prototype's members.
 */
export function table<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/** A fresh dict: no prototype, so no key can reach `Object.prototype`. */
export function makeDict(entries: Iterable<readonly [string, unknown]> = []): PyDict {
  const dict = Object.create(null) as PyDict;
  for (const [key, value] of entries) dict[key] = value;
  return dict;
}

export function isDict(value: unknown): value is PyDict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // Plain objects also come from nunjucks itself: the `loop` variable and kwargs.
  return proto === null || proto === Object.prototype;
}

export function dictGet(dict: PyDict, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : MISSING;
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
  }
  if (Array.isArray(value)) return isTuple(value) ? 'tuple' : 'list';
  if (value instanceof PyObject) return value.typeName;
  if (value instanceof PyCallable) return 'function';
  if (isDict(value)) return 'dict';
  return 'object';
}

/** An int-like value as a bigint (bool and IntEnum are ints in Python), else undefined. */
export function asInt(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (value instanceof PyIntEnum) return value.value;
  return undefined;
}

export function asNumeric(value: unknown): bigint | number | undefined {
  return typeof value === 'number' ? value : asInt(value);
}

export function isNumeric(value: unknown): boolean {
  return asNumeric(value) !== undefined;
}

/** Python's `bool()`. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === UNDEFINED) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'bigint':
      return value !== 0n;
    case 'number':
      return value !== 0;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof PyIntEnum) return value.value !== 0n;
  if (value instanceof PyObject) return value.truthy();
  if (isDict(value)) return Object.keys(value).length > 0;
  return true;
}

/** Python's `repr()` of a float: shortest round-trip digits, exponent outside 1e-4 ≤ |x| < 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa = '', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (exp >= digits.length - 1) return `${sign}${digits}${'0'.repeat(exp - digits.length + 1)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Python's `repr()` of a str: single quotes unless only double quotes avoid escaping. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `str()`: what `{{ value }}` prints. */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return floatRepr(value);
    case 'boolean':
      return value ? 'True' : 'False';
  }
  if (value instanceof PyObject) return value.str();
  return pyRepr(value);
}

/** Python's `repr()`: how values print inside lists and dicts. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return strRepr(value);
  if (value instanceof PyObject) return value.repr();
  if (value instanceof PyCallable) return `<function ${value.name}>`;
  if (Array.isArray(value)) {
    const items = value.map(pyRepr);
    if (!isTuple(value)) return `[${items.join(', ')}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (isDict(value)) {
    const items = Object.keys(value).map((k) => `${strRepr(k)}: ${pyRepr(value[k])}`);
    return `{${items.join(', ')}}`;
  }
  if (value === UNDEFINED) return 'Undefined';
  if (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')
  )
    return `<${typeName(value)}>`;
  return pyStr(value);
}

/** The elements `for x in value` visits, as Python iterates them. */
export function iterate(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return Array.from(value);
  if (isDict(value)) return Object.keys(value);
  if (value instanceof PyObject) {
    const items = value.items();
    if (items !== undefined) return items;
  }
  throw new PyError(`'${typeName(value)}' object is not iterable`);
}

/** Python's `len()`. */
export function pyLen(value: unknown): bigint {
  if (typeof value === 'string') return BigInt(Array.from(value).length);
  if (Array.isArray(value)) return BigInt(value.length);
  if (isDict(value)) return BigInt(Object.keys(value).length);
  if (value instanceof PyObject && value.items() !== undefined)
    return BigInt(value.items()?.length ?? 0);
  throw new PyError(`object of type '${typeName(value)}' has no len()`);
}
