import { z } from 'zod';
import { STATES } from '../../runs/index.js';

/**
 * The parts of the API's answers this client relies on (spec §2, M§7.9).
 * Objects are loose: the daemon may add keys, and `--format json` dumps the
 * whole answer, so unknown keys are kept.
 */

export { STATES, isFinished, type State } from '../../runs/index.js';
export const stateSchema = z.enum(STATES);

/** A serialized object with its display form: a condition, action, program, schedule. */
export const describedSchema = z.looseObject({
  type: z.string().optional(),
  str: z.string().optional(),
});
export type Described = z.infer<typeof describedSchema>;

/** Arg values are strings in Apsis; anything else is shown as JSON. */
const argsSchema = z.record(z.string(), z.unknown());

export const runSchema = z.looseObject({
  run_id: z.string(),
  job_id: z.string(),
  args: argsSchema,
  state: stateSchema,
  times: z.record(z.string(), z.string()),
  labels: z.array(z.string()).optional(),
  expected: z.boolean().optional(),
  conds: z.array(describedSchema).optional(),
  actions: z.array(describedSchema).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  program: describedSchema.nullable().optional(),
});
export type Run = z.infer<typeof runSchema>;

/** A run being deleted serializes as `{"run_id": "rN", "state": null}` (spec §2.3). */
const deletedRunSchema = z.object({ run_id: z.string(), state: z.null() });

export const runsResponseSchema = z.looseObject({
  runs: z.record(z.string(), z.union([runSchema, deletedRunSchema])),
});

/** The live runs of a run-query answer, keyed by run id; deleted ones left out. */
export function liveRuns(response: z.infer<typeof runsResponseSchema>): Record<string, Run> {
  const runs: Record<string, Run> = {};
  for (const [id, run] of Object.entries(response.runs)) {
    if (run.state !== null) runs[id] = run as Run;
  }
  return runs;
}

export const runLogSchema = z.looseObject({
  run_log: z.array(z.looseObject({ timestamp: z.string(), message: z.string() })),
});
export type RunLogEntry = z.infer<typeof runLogSchema>['run_log'][number];

export const jobSchema = z.looseObject({
  job_id: z.string(),
  params: z.array(z.string()).default([]),
  schedule: z.array(z.looseObject({ str: z.string().optional() })).default([]),
  program: describedSchema.nullable().optional(),
  condition: z.array(describedSchema).default([]),
  action: z.array(describedSchema).default([]),
  metadata: z
    .looseObject({ labels: z.array(z.string()).optional(), description: z.unknown().optional() })
    .default({}),
  ad_hoc: z.boolean().optional(),
});
export type Job = z.infer<typeof jobSchema>;
export const jobsSchema = z.array(jobSchema);

export const reloadResultSchema = z.looseObject({
  removed: z.array(z.string()),
  added: z.array(z.string()),
  changed: z.array(z.string()),
  dry_run: z.boolean(),
});
export type ReloadResult = z.infer<typeof reloadResultSchema>;

export const versionSchema = z.looseObject({ version: z.string() });

/** Actors (ours): shown generically, so only `id` is required. */
export const actorSchema = z.looseObject({
  id: z.string(),
  machine: z.unknown().optional(),
  state: z.unknown().optional(),
  status: z.unknown().optional(),
  parent: z.unknown().optional(),
  children: z.unknown().optional(),
  started_at: z.unknown().optional(),
});
export type Actor = z.infer<typeof actorSchema>;
export const actorsResponseSchema = z.looseObject({
  actors: z.array(actorSchema),
  /** How many matched, when the list was cut at `limit`. */
  total: z.number().optional(),
});
export type ActorList = z.infer<typeof actorsResponseSchema>;
export const actorResponseSchema = z.looseObject({
  actor: actorSchema.extend({
    snapshot: z.unknown().optional(),
    events: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
});
export type ActorDetail = z.infer<typeof actorResponseSchema>['actor'];

/**
 * An error body (spec §1.5). `job_errors` entries are `[job_id, message]`
 * pairs in Apsis; objects with `job_id` and `message` are read too.
 */
export const errorBodySchema = z.looseObject({
  error: z.string(),
  job_errors: z
    .array(
      z.union([
        z.tuple([z.string(), z.string()]),
        z.looseObject({ job_id: z.string(), message: z.string() }),
      ]),
    )
    .optional(),
});

/** One `W2` run-updates message (spec §3.2): any subset of these keys. */
export const runUpdateSchema = z.looseObject({
  run: runSchema.partial().extend({ state: stateSchema.optional() }).optional(),
  run_log: z.array(z.looseObject({ timestamp: z.string(), message: z.string() })).optional(),
  run_log_append: z.looseObject({ timestamp: z.string(), message: z.string() }).optional(),
});
export type RunUpdate = z.infer<typeof runUpdateSchema>;

export const outputsSchema = z.array(
  z.looseObject({ output_id: z.string(), output_len: z.number() }),
);
