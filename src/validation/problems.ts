import { z } from 'zod';
import { errorMessage } from '../errors.js';

export type PathKey = string | number;

/**
 * One thing wrong with an input, located by its path inside the document
 * (`['schedule', 1, 'tz']`). `atKey` points at the key rather than its value:
 * unknown keys are reported where the key is written.
 */
export interface Problem {
  readonly path: readonly PathKey[];
  readonly message: string;
  readonly atKey?: boolean;
  /** The last path key is absent: the problem is reported at its parent mapping. */
  readonly missingKey?: boolean;
}

/** The path of the mapping or value a problem is about: the parent of a missing or unknown key. */
export function problemSubject(problem: Problem): readonly PathKey[] {
  return problem.atKey || problem.missingKey ? problem.path.slice(0, -1) : problem.path;
}

/** `schedule[1].start.interval`: a path as people write it. */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? key : `.${key}`;
  }
  return out;
}

/** Describes a value's type for messages: `a string`, `a list`, `null`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  null: 'null',
};

type Issue = z.core.$ZodRawIssue;

/** A required key that is absent: zod reports it as a type or union mismatch on `undefined`. */
function isMissing(issue: { code: string; input?: unknown }): boolean {
  return (
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined
  );
}

/** Messages in Apsis's words where Apsis has them (`missing key: X`, `unexpected keys: a b`). */
export function issueMessage(issue: Issue): string | undefined {
  if (isMissing(issue)) {
    const key = issue.path?.at(-1);
    return key === undefined ? 'missing value' : `missing key: ${String(key)}`;
  }
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return `expected ${expected}, got ${describeType(issue.input)}`;
    }
    case 'unrecognized_keys':
      return `unexpected keys: ${issue.keys.join(' ')}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}, got ${JSON.stringify(issue.input)}`;
    case 'too_small':
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`;
    default:
      return undefined;
  }
}

// One error map for every schema, including those parsed inside transforms.
z.config({ customError: issueMessage });

/** Problems from a failed zod parse, with paths relative to `prefix`. */
export function problemsFromZod(error: z.ZodError, prefix: readonly PathKey[] = []): Problem[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
    if (issue.code === 'unrecognized_keys') {
      return { path: [...path, issue.keys[0] as string], message: issue.message, atKey: true };
    }
    const missingKey = isMissing(issue) && path.length > 0;
    return missingKey
      ? { path, message: issue.message, missingKey }
      : { path, message: issue.message };
  });
}

/**
 * Runs `fn` inside a zod transform: a thrown error becomes an issue at the
 * current path instead of escaping the parse.
 */
export function attempt<T>(ctx: z.core.$RefinementCtx, fn: () => T): T | typeof z.NEVER {
  try {
    return fn();
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: errorMessage(err), input: undefined });
    return z.NEVER;
  }
}
