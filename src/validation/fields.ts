import { z } from 'zod';
import { parseDaytime, parseDuration, parseTime, getTimeZone } from '../time/index.js';
import { isState, STATES, type State } from '../runs/index.js';
import { attempt } from './problems.js';

/**
 * Python's `str()` of a YAML scalar, which is how Apsis turns arg values and
 * templated fields into strings: `True`, `None`, `30`.
 */
export function pyStr(value: string | number | boolean | null): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: (iss) =>
    `expected a string or number, got ${iss.input === undefined ? 'nothing' : Array.isArray(iss.input) ? 'a list' : 'a mapping'}`,
});

/** A scalar stringified as Python would: templated fields and arg values. */
export const stringish = scalar.transform(pyStr);

/** Like `stringish`, but null stays absent. */
export const optionalStringish = z
  .union([z.string(), z.number(), z.boolean()])
  .transform(pyStr)
  .nullish();

/** One value or a list of them: Apsis accepts both for `schedule`, `condition`, …. */
export function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) || v === undefined ? v : [v]), z.array(item));
}

/** Like `oneOrMany`, but null means an empty list. */
export function noneOneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z.array(item),
  );
}

/** Run args: a mapping of names to scalars, stringified. */
export const argsMap = z.record(z.string(), stringish, {
  error: 'expected a mapping of arg names to values',
});

/** A duration in seconds, from a number or any duration string. */
export const durationSeconds = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => attempt(ctx, () => parseDuration(v)));

export const positiveDurationSeconds = durationSeconds.refine((s) => s > 0, {
  message: 'must be a positive duration',
});

export const daytimeField = z.string().transform((v, ctx) => attempt(ctx, () => parseDaytime(v)));

export const timeField = z.string().transform((v, ctx) => attempt(ctx, () => parseTime(v)));

export const timeZoneField = z.string().transform((v, ctx) => attempt(ctx, () => getTimeZone(v)));

export const intField = z.number().int();

export const stateField = z
  .string()
  .refine(isState, {
    error: (iss) => `not a state: ${JSON.stringify(iss.input)} (states: ${STATES.join(', ')})`,
  })
  .transform((s) => s as State);

export const statesField = oneOrMany(stateField);

/**
 * Python truthiness of a YAML value, as Apsis reads `enabled` on schedules:
 * the quoted string "false" counts as true (apsis-model.md §2.1).
 */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '')
    return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
