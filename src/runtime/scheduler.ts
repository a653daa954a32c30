import { createActor, fromCallback, fromPromise, type Actor } from 'xstate';
import {
  schedulerMachine,
  type AlarmCommand,
  type SchedulerInput,
} from '../../machines/scheduler.js';
import { errorMessage } from '../errors.js';
import { runArgs, type Job } from '../jobs/index.js';
import { formatRunId, instanceKey, runNumber, type Args } from '../runs/index.js';
import type { ScheduledTime } from '../schedules/index.js';
import type { RunRecord, RunStore } from '../store/index.js';
import {
  formatTime,
  type CalendarResolver,
  type Clock,
  type Time,
  type TimerHandle,
} from '../time/index.js';
import { createRun, type CreatedRun } from './create-run.js';
import { DueQueue } from './due-queue.js';
import { ExpectedRuns, type ExpectedEntry } from './expected-runs.js';
import type { Inspection } from './inspection.js';
import type { JobTable } from './job-table.js';
import type { Logger } from './logger.js';
import { failCrashedRun, type RunActor, type RunActors } from './run-actors.js';
import type { RunRegistry } from './run-registry.js';
import { SlotColumnsBuilder } from './slot-columns.js';
import type { TransitionBus } from './transition-bus.js';

/**
 * The most work one release does before yielding to the event loop: a burst
 * of 10,000 due runs becomes many short turns, not one long stall.
 */
const RELEASE_SLICE_MS = 2;

export interface SchedulerDeps {
  readonly clock: Clock;
  readonly store: RunStore;
  readonly registry: RunRegistry;
  readonly bus: TransitionBus;
  readonly jobs: JobTable;
  readonly calendars: CalendarResolver;
  readonly runActors: RunActors;
  readonly inspection: Inspection;
  readonly logger: Logger;
}

export interface SchedulerOptions {
  readonly horizonMs: number;
  readonly maxAgeMs: number | null;
  readonly since: 'now' | Time | null;
  /** How often the horizon is extended (Apsis: 60 s). */
  readonly generateEveryMs?: number;
  /** The most work one release does before yielding to the event loop, in ms (default 2). */
  readonly releaseSliceMs?: number;
}

/** The args a schedule gives at `time`, the `ordinal`-th of its times at that instant. */
function scheduledAt(
  job: Job,
  scheduleIndex: number,
  time: Time,
  ordinal: number,
): ScheduledTime | undefined {
  const schedule = job.schedules[scheduleIndex];
  if (!schedule) return undefined;
  let seen = 0;
  for (const scheduled of schedule.times(time)) {
    if (scheduled.time !== time) return undefined;
    if (seen++ === ordinal) return scheduled;
  }
  return undefined;
}

/**
 * The runtime behind the scheduler machine: expected runs as compact records
 * generated to the horizon, stored runs due later in a queue, and the
 * release of due runs into run actors.
 */
export class Scheduler {
  readonly expected = new ExpectedRuns();
  readonly due = new DueQueue();
  private actor: Actor<typeof schedulerMachine> | undefined;
  /** Jobs whose expected runs the next `scheduler.jobs-changed` regenerates. */
  private pendingRegeneration: number[] = [];
  private readonly reportedScheduleErrors = new Set<string>();
  /**
   * The first schedule time after the stored clock at start: a crash may
   * have left it half released, so its expected runs are checked against the
   * database before they are created.
   */
  private dedupeAt: Time | undefined;
  /** Restored runs whose actors start once expected runs are generated. */
  private readonly restoredLive: RunRecord[] = [];

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {}

  /** Restores stored runs, generates the horizon and releases what is due; resolves once running. */
  async start(): Promise<void> {
    const { clock, store } = this.deps;
    const now = clock.now();
    const input: SchedulerInput = {
      now,
      storedClock: store.clockTime() ?? now,
      since: this.options.since,
      horizonMs: this.options.horizonMs,
      maxAgeMs: this.options.maxAgeMs,
      generateEveryMs: this.options.generateEveryMs ?? 60_000,
    };
    const machine = schedulerMachine.provide({
      actors: {
        restore: fromPromise(async () => this.restore()),
        alarm: this.alarm(),
        drain: fromPromise(async () => {
          this.deps.runActors.stopAll();
          this.deps.store.flush();
        }),
      },
      actions: {
        generate: (_, { from, to }) => this.generate(from, to),
        release: (_, { until, skipBefore, maxAgeMs }) => this.release(until, skipBefore, maxAgeMs),
        regenerate: (_, { from, to }) => {
          const jobs = this.pendingRegeneration;
          this.pendingRegeneration = [];
          this.generate(from, to, jobs);
        },
        resumeRestored: () => {
          this.dedupeAt = this.expected.nextTime();
          for (const run of this.restoredLive.splice(0)) this.deps.runActors.start(run, 'restore');
        },
        failRun: (_, { runId, message, time }) => {
          // The stored record is known to be writable; the one in memory may
          // be what made the actor crash.
          this.deps.store.flush();
          const run = this.deps.store.getRun(runId) ?? this.deps.registry.get(runId);
          if (!run) return;
          try {
            failCrashedRun(this.deps, run, message, time);
          } catch (err) {
            this.deps.logger.error(
              `run ${runId}: could not record its crash: ${errorMessage(err)}`,
              { runId },
            );
          }
        },
      },
    });
    const actor = createActor(machine, {
      id: 'scheduler',
      input,
      clock,
      inspect: this.deps.inspection.inspect,
    });
    this.actor = actor;
    await new Promise<void>((resolve, reject) => {
      const sub = actor.subscribe({
        next: (snapshot) => {
          if (snapshot.matches('running')) {
            sub.unsubscribe();
            resolve();
          } else if (snapshot.matches('failed')) {
            sub.unsubscribe();
            reject(new Error('the scheduler could not restore stored runs'));
          }
        },
        error: reject,
      });
      actor.start();
    });
  }

  /** Stops run actors (runs stay restorable) and flushes the last writes. */
  async stop(): Promise<void> {
    const actor = this.actor;
    if (!actor || actor.getSnapshot().status !== 'active') return;
    await new Promise<void>((resolve) => {
      actor.subscribe({ complete: resolve, error: () => resolve() });
      actor.send({ type: 'scheduler.shutdown' });
    });
  }

  /** The scheduler machine's context (horizon, clock), for stats and the API. */
  get context() {
    return this.actor?.getSnapshot().context;
  }

  /** A run crashed: the scheduler ends it in error. */
  crashed(runId: string, err: unknown): void {
    this.actor?.send({
      type: 'scheduler.run-crashed',
      runId,
      message: errorMessage(err),
      time: this.deps.clock.now(),
    });
  }

  /** Keeps a stored scheduled run until it is due. */
  queue(run: RunRecord): void {
    const n = runNumber(run.runId);
    if (n === undefined) return;
    this.due.add(n, run.times.schedule ?? this.deps.clock.now());
    this.actor?.send({ type: 'scheduler.rearm' });
  }

  /** Drops a stored scheduled run from the due queue (it was started or skipped early). */
  unqueue(runId: string): boolean {
    const n = runNumber(runId);
    return n !== undefined && this.due.remove(n);
  }

  /** After `jobs` changed: regenerates the expected runs of these job indexes (old ones already removed). */
  jobsChanged(regenerate: number[]): void {
    this.pendingRegeneration.push(...regenerate);
    this.actor?.send({ type: 'scheduler.jobs-changed', time: this.deps.clock.now() });
  }

  /** Run ids of expected runs of one instance (dependency `exist` counts them as scheduled). */
  expectedOf(jobId: string, args: Args): string[] {
    const index = this.deps.jobs.indexOf(jobId);
    const job = index === undefined ? undefined : this.deps.jobs.at(index);
    if (index === undefined || !job) return [];
    const key = instanceKey(jobId, args);
    const out: string[] = [];
    for (const entry of this.expected.entries({ jobIndex: index })) {
      const scheduled = scheduledAt(job, entry.scheduleIndex, entry.time, entry.ordinal);
      if (scheduled && instanceKey(jobId, runArgs(job, scheduled)) === key)
        out.push(formatRunId(entry.runNumber));
    }
    return out;
  }

  /** An expected run as a record (bound now, not stored), for reading and operating on. */
  expectedRun(runId: string): CreatedRun | undefined {
    const created = this.expectedEntry(runId);
    return created && { ...created, run: { ...created.run, state: 'scheduled' } };
  }

  private expectedEntry(runId: string): CreatedRun | undefined {
    const n = runNumber(runId);
    const entry = n === undefined ? undefined : this.expected.get(n);
    return entry && this.materialize(entry);
  }

  /** Removes an expected run so an operation can create it now; returns it bound. */
  takeExpected(runId: string): CreatedRun | undefined {
    const created = this.expectedEntry(runId);
    const n = runNumber(runId);
    if (created && n !== undefined) this.expected.remove(n);
    return created;
  }

  private materialize(entry: ExpectedEntry): CreatedRun | undefined {
    const job = this.deps.jobs.at(entry.jobIndex);
    if (!job) return undefined;
    const scheduled = scheduledAt(job, entry.scheduleIndex, entry.time, entry.ordinal);
    const stop = job.schedules[entry.scheduleIndex]?.stop;
    return createRun(
      {
        runNumber: entry.runNumber,
        jobId: job.jobId,
        args: scheduled ? runArgs(job, scheduled) : {},
        scheduleTime: entry.time,
        stopTime: stop?.stopTime(entry.time),
        expected: true,
        now: this.deps.clock.now(),
      },
      job,
      this.deps.jobs,
      this.deps.calendars,
    );
  }

  /** Expected runs for every enabled schedule time in (from, to], of all jobs or those listed. */
  private generate(from: Time, to: Time, jobIndexes?: readonly number[]): void {
    if (to <= from) return;
    const builder = new SlotColumnsBuilder();
    const entries: [number, Job | undefined][] = jobIndexes
      ? jobIndexes.map((i) => [i, this.deps.jobs.at(i)])
      : this.deps.jobs.entries();
    for (const [index, job] of entries) {
      if (!job) continue;
      job.schedules.forEach((schedule, s) => {
        if (!schedule.enabled) return;
        let previous = Number.NaN;
        let ordinal = 0;
        try {
          for (const { time } of schedule.times(from + 1)) {
            if (time > to) break;
            ordinal = time === previous ? ordinal + 1 : 0;
            previous = time;
            builder.push(time, index, s, ordinal);
          }
        } catch (err) {
          this.scheduleFailed(job.jobId, s, err);
        }
      });
    }
    if (builder.length === 0) return;
    let first = 0;
    let count = 0;
    this.expected.add(builder.build(), (n) => {
      count = n;
      first = this.deps.store.reserveRunNumbers(n);
      return first;
    });
    if (count > 0) for (const listener of this.expectedListeners) listener(first, count);
  }

  private readonly expectedListeners = new Set<(first: number, count: number) => void>();

  /**
   * Tells `listener` of each batch of expected runs generated: run numbers
   * `first` to `first + count - 1` (the API announces them). Returns an
   * unsubscribe function.
   */
  onExpected(listener: (first: number, count: number) => void): () => void {
    this.expectedListeners.add(listener);
    return () => this.expectedListeners.delete(listener);
  }

  /** A schedule that cannot go on (a calendar file ran out) is reported once per job and schedule. */
  private scheduleFailed(jobId: string, index: number, err: unknown): void {
    const key = `${jobId}\u0000${index}`;
    if (this.reportedScheduleErrors.has(key)) return;
    this.reportedScheduleErrors.add(key);
    this.deps.logger.error(`job ${jobId}: schedule[${index}] stopped: ${errorMessage(err)}`, {
      jobId,
    });
  }

  /**
   * Creates and starts the runs due at or before `until`, expected and
   * stored alike, in schedule-time order, a slice of at most
   * `releaseSliceMs` of work at a time so the event loop keeps turning in a
   * burst (the alarm fires again at once for the rest). The stored clock
   * moves, in the same batch as the runs, to the last instant all of whose
   * runs have been created: after a crash, generation resumes after it, so no
   * run is lost; the one instant that may have been half released is checked
   * against the database run by run (`dedupeAt`), so none is created twice.
   */
  private release(until: Time, skipBefore: Time | null, maxAgeMs: number | null): void {
    const started = performance.now();
    let completed: Time | undefined;
    let released = 0;
    for (;;) {
      const nextExpected = this.expected.nextTime();
      const nextQueued = this.due.nextTime();
      const next = Math.min(nextExpected ?? Infinity, nextQueued ?? Infinity);
      if (next > until) {
        this.deps.store.setClock(until);
        return;
      }
      // At least one run per slice, so a slice always makes progress.
      if (
        released > 0 &&
        performance.now() - started > (this.options.releaseSliceMs ?? RELEASE_SLICE_MS)
      ) {
        if (completed !== undefined) this.deps.store.setClock(completed);
        return;
      }
      released++;
      if (
        nextExpected === next &&
        (nextQueued === undefined || nextQueued > next || this.expectedFirst(next))
      ) {
        const [entry] = this.expected.takeDue(next, 1);
        if (entry) this.releaseExpected(entry, skipBefore, maxAgeMs);
      } else {
        const [queued] = this.due.takeDue(next, 1);
        if (queued) this.releaseQueued(formatRunId(queued.runNumber));
      }
      const after = Math.min(this.expected.nextTime() ?? Infinity, this.due.nextTime() ?? Infinity);
      if (after > next) completed = next;
    }
  }

  /** Between an expected and a queued run due at the same instant, the lower run number goes first. */
  private expectedFirst(time: Time): boolean {
    const [expected] = this.expected.entries({ from: time, to: time + 1 });
    const queued = this.due.peek();
    return (
      expected !== undefined && (queued === undefined || expected.runNumber < queued.runNumber)
    );
  }

  private releaseExpected(
    entry: ExpectedEntry,
    skipBefore: Time | null,
    maxAgeMs: number | null,
  ): void {
    const created = this.materialize(entry);
    if (!created) return;
    if (entry.time === this.dedupeAt && this.alreadyCreated(created.run)) return;
    const missed = skipBefore !== null && entry.time < skipBefore;
    const actor = this.startNew(created, 'scheduled', !missed);
    if (!actor || !missed) return;
    const now = this.deps.clock.now();
    this.deps.store.appendLog(
      created.run.runId,
      now,
      `skipped: more than schedule.max_age (${(maxAgeMs ?? 0) / 1000} s) late`,
    );
    actor.send({ type: 'run.skip', time: now });
  }

  /** Whether a run of this instance at this schedule time, made from a schedule, is already stored. */
  private alreadyCreated(run: RunRecord): boolean {
    const schedule = run.times.schedule;
    // A run made from a schedule is created once due, so it last changed
    // state at or after its schedule time: that bound keeps this to the few
    // runs since, not a frequent job's whole history.
    return this.deps.store
      .queryRuns({ jobId: run.jobId, args: run.args, minTimestamp: schedule })
      .some((stored) => stored.times.schedule === schedule && stored.runId !== run.runId);
  }

  /**
   * Starts an actor for a new run and schedules it (and, when `due`, goes on
   * at once), or records it as an error run when it could not be bound.
   * Returns the actor of a scheduled run.
   */
  startNew(created: CreatedRun, at: 'scheduled' | 'now', due: boolean): RunActor | undefined {
    const { store, clock, runActors } = this.deps;
    const { run } = created;
    const now = clock.now();
    const actor = runActors.start(run, 'new');
    if (created.error !== null) {
      actor.send({ type: 'run.fail', message: created.error, time: now });
      return undefined;
    }
    store.appendLog(
      run.runId,
      now,
      `scheduled: ${at === 'now' ? 'now' : formatTime(run.times.schedule ?? now)}`,
    );
    if (run.times.stop !== undefined)
      store.appendLog(run.runId, now, `stop time: ${formatTime(run.times.stop)}`);
    actor.send({ type: 'run.schedule', due, time: now });
    return actor;
  }

  private releaseQueued(runId: string): void {
    const run = this.deps.registry.get(runId) ?? this.deps.store.getRun(runId);
    if (!run || run.state !== 'scheduled') return;
    const actor = this.deps.runActors.start(run, 'resume');
    actor.send({ type: 'run.due', time: this.deps.clock.now() });
  }

  /**
   * Restores stored runs (apsis-model.md §8.4): scheduled runs wait in the
   * due queue; waiting, starting, running and stopping runs get actors that
   * resume, reconnect, or end in error. Runs left in `new` by a crash, which
   * Apsis leaves forever, end in error.
   */
  private restore(): void {
    const { store, registry, clock } = this.deps;
    const now = clock.now();
    for (const run of store.queryRuns({ states: ['new'] })) {
      registry.markStored(run.runId);
      failCrashedRun(this.deps, run, 'restored new: never scheduled', now);
    }
    for (const run of store.activeRuns()) {
      if (run.state === 'scheduled') {
        registry.markStored(run.runId);
        registry.set(run);
        store.appendLog(run.runId, now, 'restored');
        const n = runNumber(run.runId);
        if (n !== undefined) this.due.add(n, run.times.schedule ?? now);
      } else {
        this.restoredLive.push(run);
      }
    }
  }

  /** The alarm: one timer, at the earlier of the next due run and the next generation. */
  private alarm() {
    return fromCallback<AlarmCommand, void>(({ sendBack, receive }) => {
      const { clock } = this.deps;
      let timer: TimerHandle | undefined;
      let generateAt = Number.POSITIVE_INFINITY;
      const arm = () => {
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        const next = Math.min(
          this.expected.nextTime() ?? Infinity,
          this.due.nextTime() ?? Infinity,
          generateAt,
        );
        if (!Number.isFinite(next)) return;
        timer = clock.setTimeout(
          () => {
            timer = undefined;
            sendBack({ type: 'scheduler.tick', time: clock.now() });
          },
          Math.max(0, next - clock.now()),
        );
      };
      receive((command) => {
        generateAt = command.generateAt;
        arm();
      });
      return () => {
        if (timer !== undefined) clock.clearTimeout(timer);
      };
    });
  }
}
