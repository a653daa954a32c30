import { bindCondition, type BoundCondition } from '../conditions/index.js';
import { errorMessage } from '../errors.js';
import { argsMismatch, type Job } from '../jobs/index.js';
import { bindProgram } from '../programs/index.js';
import { formatRunId, sortArgs, type Args } from '../runs/index.js';
import type { RunRecord } from '../store/index.js';
import { bindContext } from '../templates/index.js';
import type { CalendarResolver, Time } from '../time/index.js';
import type { JobTable } from './job-table.js';

export interface NewRun {
  readonly runNumber: number;
  readonly jobId: string;
  readonly args: Args;
  /** The schedule time. */
  readonly scheduleTime: Time;
  readonly stopTime?: Time;
  /** Created from a job schedule. */
  readonly expected: boolean;
  readonly now: Time;
}

export interface CreatedRun {
  readonly run: RunRecord;
  /** Why the run goes straight to error: its args do not match, or binding failed. */
  readonly error: string | null;
}

/**
 * Creates a run in state `new` and binds it to its job (apsis-model.md §3.2):
 * expands the program, binds the enabled conditions, copies the actions, and
 * records the job's labels. A failure is returned, not thrown: the caller
 * records the run as an error run with that message.
 */
export function createRun(
  spec: NewRun,
  job: Job | undefined,
  jobs: JobTable,
  calendars: CalendarResolver,
): CreatedRun {
  const runId = formatRunId(spec.runNumber);
  const args = sortArgs(spec.args);
  const times: Record<string, Time> = { schedule: spec.scheduleTime };
  if (spec.stopTime !== undefined) times.stop = spec.stopTime;
  const base: RunRecord = {
    runId,
    jobId: spec.jobId,
    args,
    state: 'new',
    times,
    meta: job ? { job: { labels: [...job.metadata.labels] } } : {},
    program: null,
    conds: null,
    actions: null,
    runState: null,
    timestamp: spec.now,
    expected: spec.expected,
  };
  if (!job) return { run: base, error: `unknown job ID: ${spec.jobId}` };
  const mismatch = argsMismatch(job, args);
  if (mismatch) return { run: base, error: mismatch };
  try {
    const context = bindContext({ runId, jobId: job.jobId, args, calendars });
    const program = bindProgram(job.program, context);
    const conds: BoundCondition[] = [];
    for (const cond of job.conditions) {
      const bound = bindCondition(cond, { runId, jobId: job.jobId, args }, context, jobs);
      if (bound) conds.push(bound);
    }
    return { run: { ...base, program, conds, actions: [...job.actions] }, error: null };
  } catch (err) {
    return { run: base, error: errorMessage(err) };
  }
}
