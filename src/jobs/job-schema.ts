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

/**
 * The schema of one job file (apsis-model.md §1.2-1.3). Keys are checked
 * strictly, so the plural `conditions:` / `actions:` of Apsis's old docs are
 * reported as unexpected keys, as in Apsis.
 */
export function jobSchema(jobId: string, calendars: CalendarResolver) {
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
        job_id: z
          .string()
          .optional()
          .refine((id) => id === undefined || id === jobId, {
            message: `JSON job_id mismatch ${jobId}`,
          }),
      },
      {
        error: (iss) =>
          iss.code === 'invalid_type'
            ? `a job file must be a mapping of keys, got ${describe(iss.input)}`
            : undefined,
      },
    )
    .transform((o): Job => ({
      jobId,
      params: o.params,
      schedules: o.schedule,
      program: o.program,
      conditions: o.condition,
      actions: [...o.action, ...o.successors],
      metadata: o.metadata,
      adHoc: o.ad_hoc,
    }));
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'an empty document';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
