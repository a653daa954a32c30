import { join } from 'node:path';
import { parseJobFile, type Job } from '../../src/jobs/index.js';
import { Runtime, type RuntimeOptions } from '../../src/runtime/index.js';
import {
  createDatabase,
  createRunStore,
  openDatabase,
  type RunStore,
} from '../../src/store/index.js';
import { builtinCalendars, ManualClock, parseTime, type Time } from '../../src/time/index.js';
import type { Logger } from '../../src/runtime/index.js';
import { tempDir } from './temp-dir.js';

/** Parses job files given as `{ jobId: yaml }`; throws with every problem. */
export function jobsFrom(files: Record<string, string>): Map<string, Job> {
  const jobs = new Map<string, Job>();
  for (const [jobId, text] of Object.entries(files)) {
    const parsed = parseJobFile(jobId, `${jobId}.yaml`, text, builtinCalendars);
    if (!parsed.job) throw new Error(parsed.problems.map((p) => p.message).join('; '));
    jobs.set(jobId, parsed.job);
  }
  return jobs;
}

/** Log lines the runtime wrote, by level. */
export interface CollectedLogs extends Logger {
  readonly lines: { level: string; message: string }[];
}

export function collectLogs(): CollectedLogs {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export type TestRuntimeOptions = Partial<
  Omit<RuntimeOptions, 'clock' | 'store' | 'jobs' | 'calendars'>
>;

/**
 * A runtime on a real SQLite file in a temp folder, driven by a manual
 * clock. `advance` moves the clock (firing due timers) and lets the event
 * loop settle, so commits, programs and actions finish before the next step.
 * `restart` stops it and starts a fresh runtime on the same file, as a
 * daemon restart would; `crash` does the same without a clean stop.
 */
export class TestRuntime {
  readonly dir: string;
  readonly dbPath: string;
  readonly clock: ManualClock;
  readonly logs = collectLogs();
  runtime!: Runtime;
  store!: RunStore;

  constructor(
    private jobs: Map<string, Job>,
    private readonly options: TestRuntimeOptions = {},
    start = '2026-03-02T00:00:00Z',
  ) {
    this.dir = tempDir('apsis-rt-');
    this.dbPath = join(this.dir, 'apsis.db');
    this.clock = new ManualClock(parseTime(start));
    createDatabase(this.dbPath, this.clock.now());
  }

  static async start(
    files: Record<string, string>,
    options: TestRuntimeOptions = {},
    start?: string,
  ): Promise<TestRuntime> {
    const t = new TestRuntime(jobsFrom(files), options, start);
    await t.open();
    return t;
  }

  async open(): Promise<void> {
    this.store = createRunStore(openDatabase(this.dbPath), {
      clock: this.clock,
      onError: (err) => this.logs.error(`store: ${String(err)}`),
    });
    this.runtime = new Runtime({
      clock: this.clock,
      store: this.store,
      jobs: this.jobs,
      calendars: builtinCalendars,
      horizonMs: 86_400_000,
      logger: this.logs,
      ...this.options,
    });
    await this.runtime.start();
    await this.settle();
  }

  /** Lets queued commits, program updates and actions run. */
  async settle(): Promise<void> {
    // Timers due now (a release continuing in the next slice) fire as well:
    // time does not move, but what is due runs, as it would on a real clock.
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 30; i++) await new Promise((resolve) => setImmediate(resolve));
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > this.clock.now()) return;
      this.clock.set(this.clock.now());
    }
  }

  async advance(ms: number): Promise<void> {
    // Step through timers one at a time, settling between, so work a timer
    // starts (a program, a commit) completes before later timers fire.
    const end = this.clock.now() + ms;
    // Finish what the caller just started before time moves.
    await this.settle();
    for (;;) {
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > end) break;
      this.clock.set(next);
      await this.settle();
    }
    this.clock.set(end);
    await this.settle();
  }

  async advanceTo(time: string): Promise<void> {
    await this.advance(parseTime(time) - this.clock.now());
  }

  get now(): Time {
    return this.clock.now();
  }

  /** Creates a run of `jobId` now, as the API would, lets it settle, and returns its id. */
  async submit(jobId: string, args: Record<string, string> = {}): Promise<string> {
    const run = this.runtime.operations.schedule({ jobId, args });
    await this.settle();
    return run.runId;
  }

  run(runId: string) {
    return this.runtime.operations.getRun(runId);
  }

  log(runId: string): string[] {
    return this.store.runLog(runId).map((e) => e.message);
  }

  /** Stored runs, by job, in run-number order. */
  stored(jobId?: string) {
    return this.store.queryRuns(jobId === undefined ? {} : { jobId });
  }

  /** Stops cleanly and starts again on the same database, with `jobs` if given. */
  async restart(jobs?: Record<string, string>): Promise<void> {
    await this.runtime.stop();
    this.store.close();
    if (jobs) this.jobs = jobsFrom(jobs);
    await this.open();
  }

  async stop(): Promise<void> {
    await this.runtime.stop();
    this.store.close();
  }
}
