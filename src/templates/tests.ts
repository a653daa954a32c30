import { compareOp, contains, pyEquals } from './operators.js';
import {
  asInt,
  asNumeric,
  isDict,
  type Kwargs,
  MISSING,
  PyCallable,
  PyError,
  PyObject,
  table,
  typeName,
  UNDEFINED,
} from './values.js';
import { bindArgs } from './signature.js';

/**
 * Jinja's built-in tests (`x is odd`, `x is divisibleby(3)`). `defined` and
 * `undefined` see Jinja's Undefined because the compiler evaluates their
 * operand leniently; every other test receives an ordinary value.
 */

export type Test = (value: unknown, args: readonly unknown[], kwargs: Kwargs) => boolean;

function unary(test: (value: unknown) => boolean): Test {
  return (value, args, kwargs) => {
    bindArgs('test', args, kwargs, []);
    return test(value);
  };
}

function binary(name: string, test: (value: unknown, other: unknown) => boolean): Test {
  return (value, args, kwargs) => {
    const [other] = bindArgs(name, args, kwargs, [['other', MISSING]]);
    if (other === MISSING) throw new PyError(`test '${name}' needs an argument`);
    return test(value, other);
  };
}

function isUndefined(value: unknown): boolean {
  return value === UNDEFINED || value === MISSING;
}

function integer(value: unknown, name: string): bigint {
  const n = asInt(value);
  if (n === undefined) throw new PyError(`test '${name}' needs an integer, not ${typeName(value)}`);
  return n;
}

const isLowerCased = (v: unknown): boolean =>
  typeof v === 'string' && v === v.toLowerCase() && v !== v.toUpperCase();
const isUpperCased = (v: unknown): boolean =>
  typeof v === 'string' && v === v.toUpperCase() && v !== v.toLowerCase();

export const TESTS: Readonly<Record<string, Test>> = table<Test>({
  defined: unary((v) => !isUndefined(v)),
  undefined: unary(isUndefined),
  none: unary((v) => v === null),
  boolean: unary((v) => typeof v === 'boolean'),
  true: unary((v) => v === true),
  false: unary((v) => v === false),
  integer: unary((v) => typeof v === 'bigint'),
  float: unary((v) => typeof v === 'number'),
  number: unary((v) => asNumeric(v) !== undefined),
  string: unary((v) => typeof v === 'string'),
  mapping: unary(isDict),
  iterable: unary(
    (v) =>
      typeof v === 'string' ||
      Array.isArray(v) ||
      isDict(v) ||
      (v instanceof PyObject && v.items() !== undefined),
  ),
  sequence: unary(
    (v) =>
      typeof v === 'string' ||
      Array.isArray(v) ||
      isDict(v) ||
      (v instanceof PyObject && v.items() !== undefined),
  ),
  callable: unary((v) => v instanceof PyCallable),
  odd: unary((v) => integer(v, 'odd') % 2n !== 0n),
  even: unary((v) => integer(v, 'even') % 2n === 0n),
  divisibleby: binary('divisibleby', (v, n) => {
    const d = integer(n, 'divisibleby');
    if (d === 0n) throw new PyError('integer division or modulo by zero');
    return integer(v, 'divisibleby') % d === 0n;
  }),
  eq: binary('eq', pyEquals),
  equalto: binary('equalto', pyEquals),
  ne: binary('ne', (a, b) => !pyEquals(a, b)),
  lt: binary('lt', (a, b) => compareOp('<', a, b)),
  lessthan: binary('lessthan', (a, b) => compareOp('<', a, b)),
  le: binary('le', (a, b) => compareOp('<=', a, b)),
  gt: binary('gt', (a, b) => compareOp('>', a, b)),
  greaterthan: binary('greaterthan', (a, b) => compareOp('>', a, b)),
  ge: binary('ge', (a, b) => compareOp('>=', a, b)),
  in: binary('in', (a, b) => contains(b, a)),
  sameas: binary('sameas', (a, b) => a === b),
  lower: unary(isLowerCased),
  upper: unary(isUpperCased),
  // Nothing is ever escaped: autoescaping is off, as in the original.
  escaped: unary(() => false),
});

export function hasTest(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TESTS, name);
}
