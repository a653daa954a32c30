import { sortArgs, type Args } from '../runs/index.js';
import type { ScheduledTime } from '../schedules/index.js';
import { formatTime } from '../time/index.js';
import type { Job } from './job.js';

/**
 * The args of the run a schedule time creates (apsis-model.md §2.8): the
 * generated and fixed args plus `schedule_time`, kept only where the job has
 * a param of that name, sorted by name.
 */
export function runArgs(job: Job, scheduled: ScheduledTime): Args {
  const all: Args = { ...scheduled.args, schedule_time: formatTime(scheduled.time) };
  const args: Args = {};
  for (const param of job.params) if (Object.hasOwn(all, param)) args[param] = all[param] as string;
  return sortArgs(args);
}

/** Params of `job` without a value in `args`, sorted. */
export function missingArgs(job: Job, args: Args): string[] {
  return job.params.filter((p) => !Object.hasOwn(args, p));
}

/** Args that are not params of `job`, sorted. */
export function extraArgs(job: Job, args: Args): string[] {
  return Object.keys(args)
    .filter((a) => !job.params.includes(a))
    .sort();
}

/** Apsis's messages for args that do not match params (apsis-model.md §3.1). */
export function argsMismatch(job: Job, args: Args): string | undefined {
  const missing = missingArgs(job, args);
  if (missing.length > 0) return `missing args (${missing.join(', ')}) for job ${job.jobId}`;
  const extra = extraArgs(job, args);
  if (extra.length > 0) return `extra args (${extra.join(', ')}) for job ${job.jobId}`;
  return undefined;
}
