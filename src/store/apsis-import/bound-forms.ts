import { z } from 'zod';
import { InvalidValueError } from '../../errors.js';
import type { ActionSpec } from '../../actions/index.js';
// The leaf modules, not api/index.js: that one loads the HTTP server. These
// hold the Python class names of Apsis's bound forms, which the API writes
// and the importer reads back; one table serves both directions.
import { BOUND_MAX_RUNNING, BOUND_SKIP_DUPLICATE } from '../../conditions/index.js';
import { BOUND_TYPE_NAMES } from '../../programs/index.js';
import type { BoundCondition } from '../../conditions/index.js';
import { toSignalName, type BoundProgram, type BoundStop } from '../../programs/index.js';
import { sortArgs, sortStates, type State } from '../../runs/index.js';
import { parseDuration } from '../../time/index.js';
import { attempt, formatPath, stateField, statesField } from '../../validation/index.js';

/**
 * Apsis 2.4's bound programs, conditions and actions, as its `runs` table
 * stores them (apsis-model.md §6, §4, §5; `to_jso` of the Bound* classes),
 * read into ours. Objects are strict, as Apsis's `check_schema` is: a key
 * Apsis would refuse is a malformed row here too.
 */

// Apsis's `str` of a value; bound argv and args hold only strings, but old rows may not.
const text = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const args = z.record(z.string(), text).transform((a) => sortArgs(a));
const signal = z
  .union([z.string(), z.number().int()])
  .transform((v, ctx) => attempt(ctx, () => toSignalName(v)));
const seconds = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => attempt(ctx, () => parseDuration(v)));
// Python's int() of a JSON number or numeric string.
const int = z
  .union([z.number(), z.string().regex(/^\s*[+-]?\d+\s*$/)])
  .transform(Number)
  .pipe(z.number().int());
const stateList = statesField.transform((states): State[] => sortStates(states));
// Bound conditions carry `enabled` only when the job's object was reused;
// binding already evaluated it, so it is read and dropped.
const enabled = { enabled: z.union([z.boolean(), z.string()]).nullish() };

/** `BoundStop.to_jso`: only what differs from SIGTERM / 60 s; the signal is a number (a Python `Signals`). */
const boundStop = z
  .strictObject({ signal: signal.optional(), grace_period: seconds.optional() })
  .nullish()
  .transform((s): BoundStop => ({
    signal: s?.signal ?? 'SIGTERM',
    grace_period: s?.grace_period ?? 60,
  }));
const timeout = z
  .strictObject({ duration: seconds, signal: signal.default('SIGTERM') })
  .nullish()
  .transform((t) => t ?? null);
const optionalNumber = z
  .number()
  .nullish()
  .transform((n) => n ?? null);
const optionalText = z
  .string()
  .nullish()
  .transform((s) => s ?? null);

const programForms = {
  'no-op': z.strictObject({
    duration: z
      .union([z.string(), z.number()])
      .nullish()
      .transform((d, ctx) => (d == null ? null : attempt(ctx, () => parseDuration(d)))),
    success: z.boolean().nullable().default(true),
  }),
  procstar: z.strictObject({
    argv: z.array(text),
    group_id: z.string().default('default'),
    sudo_user: optionalText,
    stop: boundStop,
    timeout,
    resources: z
      .strictObject({ mem_max_gb: optionalNumber })
      .nullish()
      .transform((r) => ({ mem_max_gb: r?.mem_max_gb ?? null })),
  }),
  'procstar-ecs': z.strictObject({
    argv: z.array(text),
    stop: boundStop,
    timeout,
    mem_gb: optionalNumber,
    vcpu: optionalNumber,
    disk_gb: z
      .number()
      .int()
      .nullish()
      .transform((n) => n ?? null),
    role: optionalText,
    task_definition: optionalText,
  }),
  stats: z.strictObject({ path: optionalText }),
  archive: z.strictObject({
    age: seconds,
    path: z.string(),
    count: int,
    chunk_size: int.nullish().transform((n) => n ?? null),
    chunk_sleep: optionalNumber,
  }),
  vacuum: z.strictObject({}),
} satisfies {
  [K in BoundProgram['type']]: z.ZodType<Omit<Extract<BoundProgram, { type: K }>, 'type'>>;
};

const PROGRAM_TYPE_BY_CLASS = new Map<string, BoundProgram['type']>(
  Object.entries(BOUND_TYPE_NAMES).map(([ours, python]) => [python, ours as BoundProgram['type']]),
);

const dependency = z
  .strictObject({
    job_id: z.string(),
    args: args.default({}),
    states: stateList.default(['success']),
    exist: stateList.nullish().transform((e) => e ?? null),
    ...enabled,
  })
  .transform((c): BoundCondition => ({
    type: 'dependency',
    job_id: c.job_id,
    args: c.args,
    states: c.states,
    exist: c.exist,
  }));

const conditionForms: Record<string, z.ZodType<BoundCondition>> = {
  dependency,
  [BOUND_MAX_RUNNING]: z
    .strictObject({ count: int, job_id: z.string(), args, ...enabled })
    .transform((c): BoundCondition => ({
      type: 'max_running',
      count: c.count,
      job_id: c.job_id,
      args: c.args,
    })),
  [BOUND_SKIP_DUPLICATE]: z
    .strictObject({
      check_states: z.array(stateField),
      target_state: stateField,
      instance: z.tuple([z.string(), args]),
      run_id: z.string(),
      ...enabled,
    })
    .transform((c): BoundCondition => ({
      type: 'skip_duplicate',
      check_states: c.check_states,
      target_state: c.target_state,
      job_id: c.instance[0],
      args: c.instance[1],
      run_id: c.run_id,
    })),
  const: z
    .strictObject({ value: z.boolean(), ...enabled })
    .transform((c): BoundCondition => ({ type: 'const', value: c.value })),
};

const actionForms: Record<string, z.ZodType<ActionSpec>> = {
  // `if: {states: null}` is Apsis's "every state" (`states_to_jso`); so is ours `if: null`.
  schedule: z
    .strictObject({
      job_id: z.string(),
      args: z.record(z.string(), text).default({}),
      if: z
        .strictObject({ states: stateList.nullish() })
        .nullish()
        .transform((i) => (i?.states == null ? null : { states: i.states })),
    })
    .transform((a): ActionSpec => ({ type: 'schedule', job_id: a.job_id, args: a.args, if: a.if })),
};

function typed(value: unknown, what: string): { type: string; body: Record<string, unknown> } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidValueError(`${what}: expected a mapping`);
  const { type, ...body } = value as Record<string, unknown>;
  if (typeof type !== 'string') throw new InvalidValueError(`${what}: missing type`);
  return { type, body };
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = formatPath([
    what,
    ...(issue?.path ?? []).map((k) => (typeof k === 'symbol' ? String(k) : k)),
  ]);
  throw new InvalidValueError(`${where}: ${issue?.message ?? 'invalid'}`);
}

/** An Apsis bound program (`apsis.program.…Bound…Program`) as ours; throws `InvalidValueError`. */
export function programFromApsis(value: unknown): BoundProgram {
  const { type, body } = typed(value, 'program');
  const ours = PROGRAM_TYPE_BY_CLASS.get(type);
  if (ours === undefined) throw new InvalidValueError(`program: unknown program type: ${type}`);
  const fields = parseWith<object>(programForms[ours], body, 'program');
  return { type: ours, ...fields } as BoundProgram;
}

/** An Apsis bound condition as ours; throws `InvalidValueError`. */
export function conditionFromApsis(value: unknown, index: number): BoundCondition {
  const what = `conds[${index}]`;
  const { type, body } = typed(value, what);
  const schema = conditionForms[type];
  if (schema === undefined) throw new InvalidValueError(`${what}: unknown condition type: ${type}`);
  return parseWith(schema, body, what);
}

/** An Apsis action as ours; throws `InvalidValueError`. */
export function actionFromApsis(value: unknown, index: number): ActionSpec {
  const what = `actions[${index}]`;
  const { type, body } = typed(value, what);
  const schema = actionForms[type];
  if (schema === undefined) throw new InvalidValueError(`${what}: unknown action type: ${type}`);
  return parseWith(schema, body, what);
}
