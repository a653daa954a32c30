import { constants } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { parseDuration } from '../time/index.js';

/** A value as messages show it: `string "abc"`, `number 5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** An issue message that says what was expected and what was found. */
export function expected(what: string) {
  return (issue: { input?: unknown }): string =>
    `expected ${what}, got ${describeValue(issue.input)}`;
}

const DURATION_HINT = expected(
  'a duration: a number of seconds or a string such as 30s, 10 min, 1.5h, 1h30m, 500ms',
);

/** Runs `fn`; a throw becomes an issue carrying its message, so every problem is collected. */
function attempt<T>(ctx: z.core.$RefinementCtx, input: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: errorMessage(err), input });
    return z.NEVER;
  }
}

function toMs(
  value: number | string,
  ctx: z.core.$RefinementCtx,
  positive: boolean,
): number | typeof z.NEVER {
  const ms = Math.round(attempt(ctx, value, () => parseDuration(value)) * 1000);
  // Apsis's config check refuses zero and negative values for its duration
  // keys, with this wording (apsis-model.md §9.2).
  if (positive && ms <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `negative duration: ${String(value)} (must be greater than 0)`,
      input: value,
    });
    return z.NEVER;
  }
  return ms;
}

const durationInput = z.union([z.number(), z.string()], { error: DURATION_HINT });

/**
 * A duration written in seconds or any duration string, compiled to whole
 * milliseconds; absent or null → null. With `positive`, values <= 0 are refused.
 */
export function optionalDurationMs({ positive = true } = {}) {
  return durationInput
    .nullish()
    .transform((v, ctx) => (v === null || v === undefined ? null : toMs(v, ctx, positive)));
}

/** Like `optionalDurationMs`, but absent or null → `defaultSeconds`. */
export function durationMs(defaultSeconds: number, { positive = true } = {}) {
  return durationInput
    .nullish()
    .transform((v, ctx) =>
      v === null || v === undefined ? defaultSeconds * 1000 : toMs(v, ctx, positive),
    );
}

/** A path as written, made absolute against `baseDir` (the config file's folder). */
export function pathField(baseDir: string) {
  return z
    .string({ error: expected('a path (a string)') })
    .min(1, 'expected a path, got an empty string')
    .transform((p) => resolve(baseDir, p));
}

const SIGNALS: Readonly<Record<string, number>> = constants.signals;

/**
 * A signal as Apsis's `to_signal` reads it: a number (`15`, `"15"`), a full
 * name (`SIGTERM`) or a short one (`TERM`); compiled to the full name, which
 * is what Node's `process.kill` wants.
 */
export const signalName = z
  .union([z.number().int(), z.string()], {
    error: expected('a signal: a number or a name such as SIGTERM or TERM'),
  })
  .transform((v, ctx) => {
    const text = String(v).trim();
    if (/^\d+$/.test(text)) {
      const number = Number(text);
      const name = Object.keys(SIGNALS).find((n) => SIGNALS[n] === number);
      if (name) return name;
    } else {
      const name = text.startsWith('SIG') ? text : `SIG${text}`;
      if (SIGNALS[name] !== undefined) return name;
    }
    ctx.addIssue({ code: 'custom', message: `not a signal: ${text}`, input: v });
    return z.NEVER;
  });

/** A TCP port, 0–65535. Environment variables are strings, so digit strings are accepted too. */
export const portNumber = z
  .union(
    [
      z.number().int({ error: expected('a port number (0 to 65535)') }),
      z.string().regex(/^\s*\d+\s*$/, { error: expected('a port number (0 to 65535)') }),
    ],
    {
      error: expected('a port number (0 to 65535)'),
    },
  )
  .transform(Number)
  .refine((n) => n >= 0 && n <= 65535, { error: expected('a port number (0 to 65535)') });

/**
 * A config section: a mapping whose keys all have defaults, so an absent or
 * null section (`waiting:` with nothing under it) means all defaults.
 */
export function section<S extends z.core.$ZodLooseShape>(shape: S) {
  const object = z.object(shape, { error: expected('a mapping') });
  // The preprocess turns null into {}. An absent key becomes null first:
  // `prefault`, unlike `optional`, still parses it, so defaults are filled.
  return z
    .preprocess<unknown, typeof object, z.input<typeof object> | null>((v) => v ?? {}, object)
    .prefault(null);
}

/** A number greater than 0 (`mem_max_gb`, `max_vcpu`, …). */
export const positiveNumber = z
  .number({ error: expected('a number') })
  .positive({ error: expected('a number greater than 0') });

/** `true` or `false` (YAML booleans only; `"yes"` is a string and refused). */
export function booleanWithDefault(value: boolean) {
  return z
    .boolean({ error: expected('true or false') })
    .nullish()
    .transform((v) => v ?? value);
}
