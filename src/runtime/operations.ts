import { randomInt } from 'node:crypto';
import type { RunEvent } from '../../machines/run.js';
import {
  InvalidJobError,
  OperationFailedError,
  OperationRefusedError,
  RunNotFoundError,
  errorMessage,
} from '../errors.js';
import { toSignalName, type RunningProgram } from '../programs/index.js';
import { FINISHED_STATES, isFinished, type Args, type State } from '../runs/index.js';
import type { RunRecord, RunStore } from '../store/index.js';
import type { CalendarResolver, Clock, Time } from '../time/index.js';
import { createRun } from './create-run.js';
import { jobSchema, jobToJso } from '../jobs/index.js';
import {
  formatPath,
  isMapping,
  problemsFromZod,
  problemSubject,
  safeParse,
} from '../validation/index.js';
import type { JobTable } from './job-table.js';
import type { RunActor, RunActors } from './run-actors.js';
import type { RunRegistry } from './run-registry.js';
import type { Scheduler } from './scheduler.js';

export interface OperationDeps {
  readonly clock: Clock;
  readonly store: RunStore;
  readonly registry: RunRegistry;
  readonly jobs: JobTable;
  readonly calendars: CalendarResolver;
  readonly scheduler: Scheduler;
  readonly runActors: RunActors;
  readonly runningPrograms: ReadonlyMap<string, RunningProgram>;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `adhoc-` and 12 random ASCII letters, as Apsis names ad hoc jobs. */
function adHocJobId(): string {
  let id = 'adhoc-';
  for (let i = 0; i < 12; i++) id += LETTERS[randomInt(LETTERS.length)];
  return id;
}

export interface ScheduleRequest {
  readonly jobId: string;
  readonly args?: Args;
  /** When to run: `now` (the default) or a time; a past time runs now. */
  readonly time?: Time | 'now';
  /** An absolute time at which to stop the run if it is still running. */
  readonly stopTime?: Time;
}

/**
 * The operations on runs (apsis-model.md §7.4), as the API exposes them.
 * Each refuses a run in the wrong state with Apsis's message. A run that is
 * not live (expected tomorrow, stored as scheduled, finished) is given an
 * actor just long enough to apply the operation through the run machine,
 * so every transition follows the same table.
 */
export class Operations {
  constructor(private readonly deps: OperationDeps) {}

  /** A run by id: live or recent, expected, or stored. */
  getRun(runId: string): RunRecord {
    const run =
      this.deps.registry.get(runId) ??
      this.deps.scheduler.expectedRun(runId)?.run ??
      this.deps.store.getRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  }

  /**
   * Creates a run of a job now or at a time (the API's new runs, reruns and
   * actions). Args that do not match the job's params make an error run, as
   * in Apsis; an unknown job id is refused.
   */
  schedule(request: ScheduleRequest, note?: (runId: string) => void): RunRecord {
    const { clock, store, jobs, calendars, scheduler, runActors, registry } = this.deps;
    const job = jobs.require(request.jobId);
    const now = clock.now();
    const time = request.time ?? 'now';
    const created = createRun(
      {
        runNumber: store.reserveRunNumbers(1),
        jobId: job.jobId,
        args: request.args ?? {},
        scheduleTime: time === 'now' ? now : time,
        stopTime: request.stopTime,
        expected: false,
        now,
      },
      job,
      jobs,
      calendars,
    );
    const runId = created.run.runId;
    const due = time === 'now' || time <= now;
    const actor = scheduler.startNew(created, time === 'now' ? 'now' : 'scheduled', due);
    note?.(runId);
    if (actor && !due) {
      // Due later: a record in the due queue, not an actor (the scale rule).
      runActors.park(runId);
      scheduler.queue(registry.get(runId) ?? created.run);
    }
    return registry.get(runId) ?? created.run;
  }

  /** Starts a scheduled run now (its conditions still apply), or a waiting run at once (they no longer do). */
  start(runId: string): RunRecord {
    return this.apply(
      runId,
      { type: 'run.start', time: this.deps.clock.now() },
      (run) => `can't start ${run.runId} in state ${run.state}`,
    );
  }

  /** Skips a scheduled or waiting run. */
  skip(runId: string): RunRecord {
    return this.apply(
      runId,
      { type: 'run.skip', time: this.deps.clock.now() },
      (run) => `can't skip ${run.runId} in state ${run.state}`,
    );
  }

  /** Stops a running run; a no-op for a stopping run. */
  stop(runId: string): RunRecord {
    const run = this.getRun(runId);
    if (run.state === 'stopping') return run;
    const actor = this.deps.runActors.get(runId);
    if (run.state !== 'running' || !actor)
      throw new OperationRefusedError(`can't stop run ${runId}: run is ${run.state}`);
    actor.send({ type: 'run.stop', time: this.deps.clock.now() });
    return this.getRun(runId);
  }

  /** Sends a signal (a number, `SIGX` or `X`) to a running or stopping run's program. */
  async signal(runId: string, signal: string | number): Promise<RunRecord> {
    const name = toSignalName(signal);
    const run = this.getRun(runId);
    if (run.state !== 'running' && run.state !== 'stopping') {
      throw new OperationRefusedError(`invalid run state for signal: ${run.state}`);
    }
    const program = this.deps.runningPrograms.get(runId);
    const actor = this.deps.runActors.get(runId);
    if (!program || !actor) throw new OperationRefusedError('no running program to send signal to');
    actor.send({ type: 'run.signal', signal: name, time: this.deps.clock.now() });
    try {
      await program.signal(name);
    } catch (err) {
      this.deps.store.appendLog(
        runId,
        this.deps.clock.now(),
        `sending ${name} failed: ${errorMessage(err)}`,
      );
      throw new OperationFailedError(`sending ${name} failed`, { cause: err });
    }
    return this.getRun(runId);
  }

  /** Marks a finished run as another finished state. */
  mark(runId: string, state: State): RunRecord {
    const run = this.getRun(runId);
    if (!isFinished(state))
      throw new OperationRefusedError(`can't mark ${runId} to state ${state}`);
    if (!FINISHED_STATES.has(run.state))
      throw new OperationRefusedError(`can't mark ${runId} in state ${run.state}`);
    if (run.state === state)
      throw new OperationRefusedError(`run ${runId} already in state ${state}`);
    const actor = this.deps.runActors.start(run, 'resume');
    actor.send({ type: 'run.mark', state, time: this.deps.clock.now() });
    return this.getRun(runId);
  }

  /**
   * Runs an inline job (the API's ad hoc runs, apsis-model.md §1.7): the job
   * mapping is checked like a job file, stored under a fresh id `adhoc-` +
   * 12 letters with `ad_hoc: true`, and a run of it is scheduled. Returns the
   * run; the job is kept with it (the archive removes it with its last run).
   */
  scheduleAdHoc(job: unknown, request: Omit<ScheduleRequest, 'jobId'> = {}): RunRecord {
    const jobId = adHocJobId();
    const body = isMapping(job) ? { ...job, ad_hoc: true } : job;
    const parsed = safeParse(jobSchema(jobId, this.deps.calendars), body);
    if (!parsed.success) {
      throw new InvalidJobError(
        problemsFromZod(parsed.error).map((p) => {
          const where = formatPath(problemSubject(p));
          return where === '' ? p.message : `${where}: ${p.message}`;
        }),
      );
    }
    this.deps.store.putJob(jobId, jobToJso(parsed.data));
    this.deps.jobs.add(parsed.data);
    return this.schedule({ ...request, jobId });
  }

  /**
   * A new run of the same job and args, bound to the job as it is now, now
   * or at `time`, keeping the old run's stop time (even if it has passed).
   */
  rerun(runId: string, time?: Time | 'now'): RunRecord {
    const old = this.getRun(runId);
    const now = this.deps.clock.now();
    return this.schedule(
      { jobId: old.jobId, args: old.args, time: time ?? 'now', stopTime: old.times.stop },
      (newId) => this.deps.store.appendLog(newId, now, `scheduled as rerun of ${runId}`),
    );
  }

  /**
   * Applies start or skip: to a live run's actor, or to a run held as a
   * record (expected, or stored and queued), by giving it an actor first.
   */
  private apply(runId: string, event: RunEvent, refusal: (run: RunRecord) => string): RunRecord {
    const { runActors, scheduler, registry } = this.deps;
    let actor: RunActor | undefined = runActors.get(runId);
    if (!actor) {
      const expected = scheduler.takeExpected(runId);
      if (expected) {
        actor = scheduler.startNew(expected, 'scheduled', false);
        if (!actor) return this.getRun(runId);
      } else {
        const run = registry.get(runId);
        if (run?.state === 'scheduled' && scheduler.unqueue(runId))
          actor = runActors.start(run, 'resume');
      }
    }
    if (!actor || !actor.getSnapshot().can(event))
      throw new OperationRefusedError(refusal(this.getRun(runId)));
    actor.send(event);
    return this.getRun(runId);
  }
}
