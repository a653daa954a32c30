import type { ActionSpec } from '../actions/index.js';
import type { ConditionSpec } from '../conditions/index.js';
import type { ProgramSpec } from '../programs/index.js';
import type { StartSchedule } from '../schedules/index.js';

export interface JobMetadata {
  /** Always present; a single label in the file becomes a one-item list. */
  labels: string[];
  /** Markdown, shown by the UI. */
  description?: unknown;
  [key: string]: unknown;
}

/** A job as its file defines it (apsis-model.md §1.3). */
export interface Job {
  /** The file's path below the jobs directory, without `.yaml`. */
  readonly jobId: string;
  /** Sorted, without duplicates. */
  readonly params: readonly string[];
  readonly schedules: readonly StartSchedule[];
  readonly program: ProgramSpec;
  readonly conditions: readonly ConditionSpec[];
  /** The file's `action:` entries, then its `successors:` as schedule actions. */
  readonly actions: readonly ActionSpec[];
  readonly metadata: JobMetadata;
  readonly adHoc: boolean;
}

/** A schedule as Apsis serializes it: its own form, or `{start, stop}` when it has a stop schedule. */
export function scheduleToJso(schedule: StartSchedule): Record<string, unknown> {
  const start = schedule.toJso();
  return schedule.stop === undefined ? start : { start, stop: schedule.stop.toJso() };
}

/** The serialized job (API and `jobs` table), apsis-model.md §1.3. */
export function jobToJso(job: Job): Record<string, unknown> {
  return {
    job_id: job.jobId,
    params: [...job.params],
    schedule: job.schedules.map(scheduleToJso),
    program: job.program,
    condition: job.conditions.map(stripUndefined),
    action: job.actions,
    metadata: job.metadata,
    ad_hoc: job.adHoc,
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
