import type { Args } from '../runs/index.js';
import { mergeByTime, type StartSchedule, type TimedSource } from '../schedules/index.js';
import type { Time } from '../time/index.js';
import { argsMismatch, runArgs } from './instances.js';
import type { Job } from './job.js';

/** A run the scheduler would create from a job's schedule. */
export interface PreviewRun {
  readonly time: Time;
  readonly jobId: string;
  readonly scheduleIndex: number;
  readonly args: Args;
  /** From the schedule's stop schedule, if it has one. */
  readonly stop: Time | null;
  /** Why the run would go straight to error (its args do not match the params). */
  readonly error: string | null;
}

export interface PreviewOptions {
  readonly from: Time;
  /** Exclusive. */
  readonly to?: Time;
  readonly count?: number;
  /** Called when a schedule fails (a date beyond a calendar file); the others continue. */
  readonly onScheduleError?: (jobId: string, scheduleIndex: number, err: unknown) => void;
}

function* scheduleRuns(
  job: Job,
  index: number,
  schedule: StartSchedule,
  from: Time,
): Generator<PreviewRun> {
  for (const scheduled of schedule.times(from)) {
    const args = runArgs(job, scheduled);
    yield {
      time: scheduled.time,
      jobId: job.jobId,
      scheduleIndex: index,
      args,
      stop: schedule.stop ? schedule.stop.stopTime(scheduled.time) : null,
      error: argsMismatch(job, args) ?? null,
    };
  }
}

/**
 * The runs the enabled schedules of `jobs` would create from `from`, in time
 * order (ties by job id, then schedule), up to `to` or `count`. Pure: no
 * clock, no database; `apsisctl preview` prints it.
 */
export function* previewRuns(
  jobs: Iterable<Job>,
  options: PreviewOptions,
): Generator<PreviewRun, void, undefined> {
  const sorted = [...jobs].sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
  const sources: (TimedSource<PreviewRun> & { jobId: string; index: number })[] = [];
  for (const job of sorted) {
    job.schedules.forEach((schedule, index) => {
      if (!schedule.enabled) return;
      sources.push({
        items: scheduleRuns(job, index, schedule, options.from),
        order: sources.length,
        jobId: job.jobId,
        index,
      });
    });
  }
  let emitted = 0;
  const limit = options.count ?? Infinity;
  if (limit <= 0) return;
  for (const run of mergeByTime(sources, (source, err) => {
    const s = source as (typeof sources)[number];
    if (options.onScheduleError) options.onScheduleError(s.jobId, s.index, err);
    else throw err;
  })) {
    if (options.to !== undefined && run.time >= options.to) return;
    yield run;
    if (++emitted >= limit) return;
  }
}
