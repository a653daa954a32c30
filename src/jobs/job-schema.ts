import { z } from 'zod';
import { actionSchema, successorSchema } from '../actions/index.js';
import { conditionSchema } from '../conditions/index.js';
import { programSchema } from '../programs/index.js';
import { scheduleSchema } from '../schedules/index.js';
import type { CalendarResolver } from '../time/index.js';
import { noneOneOrMany, pyStr, stringish } from '../validation/index.js';
import type { Job, JobMetadata } from './job.js';

const paramsField = z
  .union([z.string().transform((p) => [p]), z.array(stringish)], {
    error: (iss) =>
      iss.input === undefined ? undefined : 'params must be a name or a list of names',
  })
  .default([])
  .transform((params) => [...new Set(params)].sort());

const metadataField = z
  .record(z.string(), z.unknown(), { error: 'metadata must be a mapping' })
  .nullish()
  .transform((meta): JobMetadata => {
    const labels = meta?.labels;
    const list =
      labels === undefined || labels === null ? [] : Array.isArray(labels) ? labels : [labels];
    return {
      ...meta,
      labels: list.map((l) => (typeof l === 'string' ? l : pyStr(l as number | boolean | null))),
    };
  });

/** A job file's fields, before the job id (which comes from the file's path) is attached. */
export type JobBody = Omit<Job, 'jobId'> & { declaredJobId: string | undefined };

function buildJobBodySchema(calendars: CalendarResolver) {
  return z
    .strictObject(
      {
        params: paramsField,
        schedule: noneOneOrMany(scheduleSchema(calendars)),
        program: programSchema,
        condition: noneOneOrMany(conditionSchema),
        action: noneOneOrMany(actionSchema),
        successors: noneOneOrMany(successorSchema),
        metadata: metadataField,
        ad_hoc: z.boolean().default(false),
        job_id: z.string().optional(),
      },
      {
        error: (iss) =>
          iss.code === 'invalid_type'
            ? `a job file must be a mapping of keys, got ${describe(iss.input)}`
            : undefined,
      },
    )
    .transform((o): JobBody => ({
      declaredJobId: o.job_id,
      params: o.params,
      schedules: o.schedule,
      program: o.program,
      conditions: o.condition,
      actions: [...o.action, ...o.successors],
      metadata: o.metadata,
      adHoc: o.ad_hoc,
    }));
}

// Building the schema tree costs more than parsing a file with it: build it
// once per calendar resolver (that is, per load) and reuse it for every file.
const bodySchemas = new WeakMap<CalendarResolver, ReturnType<typeof buildJobBodySchema>>();

/**
 * The schema of one job file's fields (apsis-model.md §1.2-1.3). Keys are
 * checked strictly, so the plural `conditions:` / `actions:` of Apsis's old
 * docs are reported as unexpected keys, as in Apsis.
 */
export function jobBodySchema(calendars: CalendarResolver) {
  let schema = bodySchemas.get(calendars);
  if (!schema) bodySchemas.set(calendars, (schema = buildJobBodySchema(calendars)));
  return schema;
}

/** The schema of the job file of `jobId`: its fields, and `job_id` (when given) must match. */
export function jobSchema(jobId: string, calendars: CalendarResolver) {
  return jobBodySchema(calendars)
    .refine((body) => body.declaredJobId === undefined || body.declaredJobId === jobId, {
      message: `JSON job_id mismatch ${jobId}`,
      path: ['job_id'],
    })
    .transform(({ declaredJobId: _, ...body }): Job => ({ jobId, ...body }));
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'an empty document';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
