import type { ActionSpec } from '../actions/index.js';
import { formatRunId } from '../runs/index.js';
import { errorMessage } from '../errors.js';
import { jobSchema, type Job } from '../jobs/index.js';
import {
  archiveDriver,
  noOpDriver,
  statsDriver,
  vacuumDriver,
  type ProgramDrivers,
  type RunningProgram,
} from '../programs/index.js';
import type { RunStore } from '../store/index.js';
import type { CalendarResolver, Clock, Time } from '../time/index.js';
import { safeParse } from '../validation/index.js';
import { WorkerPool, type WorkerPoolOptions } from '../worker-pool/index.js';
import { startActions } from './actions-runner.js';
import { createHousekeeping } from './housekeeping.js';
import { Inspection } from './inspection.js';
import { JobTable, type JobChanges } from './job-table.js';
import { silentLogger, type Logger } from './logger.js';
import { Operations } from './operations.js';
import { RunActors } from './run-actors.js';
import { RunFeed } from './run-feed.js';
import { RunQueries } from './run-query.js';
import { RunRegistry } from './run-registry.js';
import { Scheduler } from './scheduler.js';
import { RuntimeStats } from './stats.js';
import { TransitionBus } from './transition-bus.js';

export interface RuntimeOptions {
  readonly clock: Clock;
  readonly store: RunStore;
  /** The jobs of the jobs directory, already loaded and checked. */
  readonly jobs: ReadonlyMap<string, Job>;
  readonly calendars: CalendarResolver;
  readonly horizonMs: number;
  readonly maxAgeMs?: number | null;
  readonly since?: 'now' | Time | null;
  readonly waitingMaxTimeMs?: number | null;
  /** `runs.lookback`: how far back run queries look by default (the API's concern). */
  readonly lookbackMs?: number | null;
  readonly globalActions?: readonly ActionSpec[];
  /**
   * Program drivers by type; `no-op` and the internal programs (`stats`,
   * `archive`, `vacuum`) are always there, unless replaced here.
   */
  readonly drivers?: ProgramDrivers;
  /**
   * The worker threads for housekeeping: a pool to share (the caller closes
   * it), or options for one of the runtime's own, closed by `stop()`
   * (default: one thread, started on first use).
   */
  readonly workers?: WorkerPool | WorkerPoolOptions;
  readonly logger?: Logger;
  readonly generateEveryMs?: number;
  /** See `SchedulerOptions.releaseSliceMs`. */
  readonly releaseSliceMs?: number;
}

/**
 * The scheduler's runtime, wired together: the run registry and transition
 * bus, run actors, the scheduler actor, actions, operations and inspection.
 * The daemon creates one; tests create one with a manual clock.
 */
export class Runtime {
  readonly clock: Clock;
  readonly store: RunStore;
  readonly logger: Logger;
  readonly registry = new RunRegistry();
  readonly bus: TransitionBus;
  /** Per-run publication of writes, log lines and output, for the API's followers. */
  readonly feed: RunFeed;
  readonly queries: RunQueries;
  readonly inspection: Inspection;
  readonly jobs: JobTable;
  readonly runningPrograms = new Map<string, RunningProgram>();
  readonly runActors: RunActors;
  readonly scheduler: Scheduler;
  readonly operations: Operations;
  /** Worker threads for housekeeping (archive, vacuum, history scans). */
  readonly workers: WorkerPool;
  /** The stats of apsis-model.md §10, for the API and the `stats` program alike. */
  readonly stats: RuntimeStats;
  private readonly ownsWorkers: boolean;
  private stopActions: (() => void) | undefined;

  constructor(private readonly options: RuntimeOptions) {
    const { clock, calendars } = options;
    this.clock = clock;
    this.logger = options.logger ?? silentLogger;
    const report = (err: unknown, context: string) =>
      this.logger.error(`${context}: ${errorMessage(err)}`);
    this.feed = new RunFeed((err) => report(err, 'run follower'));
    const store = this.feed.wrap(options.store);
    this.store = store;
    this.registry.onInterimOutput = (runId, output) => {
      const { outputId, name, contentType, length } = output;
      this.feed.publish(runId, {
        type: 'output',
        runId,
        output: { outputId, name, contentType, length },
      });
    };
    this.bus = new TransitionBus((err) => report(err, 'transition listener'));
    this.inspection = new Inspection(clock);
    this.jobs = new JobTable(options.jobs.values());
    this.ownsWorkers = !(options.workers instanceof WorkerPool);
    this.workers =
      options.workers instanceof WorkerPool ? options.workers : new WorkerPool(options.workers);
    const housekeeping = createHousekeeping({
      clock,
      store,
      registry: this.registry,
      jobs: this.jobs,
      workers: this.workers,
      // The stats read the scheduler, made below.
      stats: { read: (now) => this.stats.read(now) },
    });
    // The run actors report crashes to the scheduler, which needs the run actors.
    const late: { scheduler?: Scheduler; runActors?: RunActors } = {};
    this.runActors = new RunActors({
      clock,
      store,
      registry: this.registry,
      bus: this.bus,
      inspection: this.inspection,
      drivers: {
        'no-op': noOpDriver,
        stats: statsDriver(housekeeping),
        archive: archiveDriver(housekeeping),
        vacuum: vacuumDriver(housekeeping),
        ...options.drivers,
      },
      running: this.runningPrograms,
      report,
      waitingMaxTimeMs: options.waitingMaxTimeMs ?? null,
      expectedOf: (jobId, args) => late.scheduler?.expectedOf(jobId, args) ?? [],
      noteEvent: (runId, type) => late.runActors?.noteEvent(runId, type),
      onCrash: (runId, err) => {
        report(err, `run ${runId} crashed`);
        late.scheduler?.crashed(runId, err);
      },
    });
    late.runActors = this.runActors;
    const scheduler = new Scheduler(
      {
        clock,
        store,
        registry: this.registry,
        bus: this.bus,
        jobs: this.jobs,
        calendars,
        runActors: this.runActors,
        inspection: this.inspection,
        logger: this.logger,
      },
      {
        horizonMs: options.horizonMs,
        maxAgeMs: options.maxAgeMs ?? null,
        since: options.since ?? null,
        generateEveryMs: options.generateEveryMs,
        releaseSliceMs: options.releaseSliceMs,
      },
    );
    late.scheduler = scheduler;
    this.scheduler = scheduler;
    this.stats = new RuntimeStats({
      startedAt: clock.now(),
      registry: this.registry,
      store,
      inspection: this.inspection,
      runActors: this.runActors,
      runningPrograms: this.runningPrograms,
      expected: scheduler.expected,
      workers: this.workers,
    });
    this.queries = new RunQueries({
      store,
      registry: this.registry,
      scheduler,
      jobs: this.jobs,
    });
    this.operations = new Operations({
      clock,
      store,
      registry: this.registry,
      jobs: this.jobs,
      calendars,
      scheduler,
      runActors: this.runActors,
      runningPrograms: this.runningPrograms,
    });
  }

  /** Restores stored runs and starts scheduling; resolves once the scheduler runs. */
  async start(): Promise<void> {
    for (const job of this.loadAdHocJobs()) this.jobs.add(job);
    this.stopActions = startActions({
      clock: this.clock,
      store: this.store,
      bus: this.bus,
      jobs: this.jobs,
      globalActions: this.options.globalActions ?? [],
      schedule: (request, note) => this.operations.schedule(request, note),
    });
    await this.scheduler.start();
  }

  /** Stops scheduling and every run actor; runs stay as stored, to be restored on the next start. */
  async stop(): Promise<void> {
    this.stopActions?.();
    // Stopping the run actors detaches their programs, which cancels their
    // worker tasks: a run in the middle of housekeeping resumes at the next start.
    await this.scheduler.stop();
    await this.store.committed();
    if (this.ownsWorkers) await this.workers.close();
    this.stats.close();
  }

  /**
   * Swaps in a reloaded jobs directory (apsis-model.md §1.6): expected runs of
   * removed and changed jobs are dropped, and those of changed and added jobs
   * generated afresh. Runs already created keep their bound program.
   * `unscheduled` lists the ids of the expected runs dropped.
   */
  replaceJobs(jobs: ReadonlyMap<string, Job>): JobChanges & { unscheduled: string[] } {
    const before = new Map(this.jobs.entries().map(([index, job]) => [job.jobId, index]));
    const changes = this.jobs.replaceDirectoryJobs(jobs);
    const unscheduled: string[] = [];
    for (const jobId of [...changes.removed, ...changes.changed]) {
      const index = before.get(jobId);
      if (index === undefined) continue;
      for (const entry of this.scheduler.expected.entries({ jobIndex: index }))
        unscheduled.push(formatRunId(entry.runNumber));
      this.scheduler.expected.removeJob(index);
    }
    const regenerate = [...changes.added, ...changes.changed]
      .map((jobId) => this.jobs.indexOf(jobId))
      .filter((i): i is number => i !== undefined);
    if (regenerate.length > 0 || changes.removed.length > 0) {
      this.scheduler.jobsChanged(regenerate);
      this.bus.recheckInstances();
    }
    return { ...changes, unscheduled };
  }

  private loadAdHocJobs(): Job[] {
    const jobs: Job[] = [];
    for (const { jobId, job } of this.store.jobs()) {
      const { job_id: _, ...body } = (job ?? {}) as Record<string, unknown>;
      const result = safeParse(jobSchema(jobId, this.options.calendars), { ...body, ad_hoc: true });
      if (result.success) jobs.push(result.data);
      else
        this.logger.error(`ad hoc job ${jobId} in the database is invalid; it is ignored`, {
          jobId,
        });
    }
    return jobs;
  }
}
