import { BadRequestError } from '../errors.js';
import { isState, STATES, type State } from '../runs/index.js';
import { parseDurationMs, parseTime, type Time } from '../time/index.js';

/** A query string as Fastify parses it: a repeated name gives an array. */
export type Query = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Whether a bare flag (`?init`, `?restart`) is in the raw query. Apsis reads
 * these from the raw query string, where `?init` counts and `?init=1` does
 * not (apsis-interfaces.md §3); we accept both.
 */
export function hasFlag(url: string, name: string): boolean {
  const q = url.indexOf('?');
  if (q < 0) return false;
  for (const part of url.slice(q + 1).split('&')) {
    const [key, value] = part.split('=', 2);
    if (key === name)
      return value === undefined || value === '' || toBool(value, `query ${name}`) === true;
  }
  return false;
}

/** One value of a query parameter; a repeated one is refused (Apsis answers 500). */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    throw new BadRequestError(`query ${name}`, `given ${value.length} times; give it once`);
  }
  return value === '' ? undefined : value;
}

/** Every value of a repeatable parameter, also split on commas (`state=a,b`). */
export function many(query: Query, name: string): string[] | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return list.length === 0 ? undefined : list;
}

const TRUE = new Set(['True', 'true', 'T', 't', '1', 'yes']);
const FALSE = new Set(['False', 'false', 'F', 'f', '0', 'no']);

/** Apsis's `to_bool` spellings (and 1/0, yes/no). */
export function toBool(value: string, field: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new BadRequestError(field, `not a boolean: ${JSON.stringify(value)} (use true or false)`);
}

export function boolParam(query: Query, name: string, fallback: boolean): boolean {
  const value = single(query, name);
  return value === undefined ? fallback : toBool(value, `query ${name}`);
}

export function timeParam(query: Query, name: string): Time | undefined {
  const value = single(query, name);
  return value === undefined ? undefined : parseField(`query ${name}`, () => parseTime(value));
}

export function stateList(
  values: readonly string[] | undefined,
  field: string,
): State[] | undefined {
  if (values === undefined) return undefined;
  return values.map((v) => {
    if (!isState(v))
      throw new BadRequestError(
        field,
        `not a state: ${JSON.stringify(v)} (states: ${STATES.join(', ')})`,
      );
    return v;
  });
}

export function intParam(
  query: Query,
  name: string,
  { min, max }: { min: number; max: number },
): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new BadRequestError(
      `query ${name}`,
      `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  return n;
}

/** A duration (M§9.2) in ms, for `times.stop` and the like. */
export function durationField(field: string, value: string): number {
  return parseField(field, () => parseDurationMs(value));
}

/** Runs a parser, turning its error into a 400 that names the field. */
export function parseField<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new BadRequestError(field, err instanceof Error ? err.message : String(err));
  }
}
