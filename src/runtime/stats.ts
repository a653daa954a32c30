import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { RunningProgram } from '../programs/index.js';
import type { RunStore } from '../store/index.js';
import { formatTime, type Time } from '../time/index.js';
import type { WorkerPool } from '../worker-pool/index.js';
import type { Inspection } from './inspection.js';
import type { RunRegistry } from './run-registry.js';

/** Event-loop lag is measured over windows of this length; stats report the last full one. */
const WINDOW_MS = 60_000;

/**
 * Event-loop lag, measured by Node's own sampler. Reading it takes nothing
 * away: each window is kept whole until the next one ends, so the API and
 * the stats program see the same figures (Apsis clears its samples on each
 * read, so its two readers steal from each other, §10). Real time, not the
 * scheduler's clock: it measures this process.
 */
export class LoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private last: Record<string, number> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.histogram.enable();
    this.timer = setInterval(() => this.roll(), WINDOW_MS);
    this.timer.unref();
  }

  private roll(): void {
    this.last = this.figures();
    this.histogram.reset();
  }

  private figures(): Record<string, number> {
    const h = this.histogram;
    const s = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    return {
      latency_count: h.count,
      latency_min: s(h.min),
      latency_max: s(h.max),
      latency_avg: s(h.mean),
      latency_p50: s(h.percentile(50)),
      latency_p90: s(h.percentile(90)),
      latency_p99: s(h.percentile(99)),
      latency_p999: s(h.percentile(99.9)),
    };
  }

  /** The last full window, or the current one before the first ends. */
  read(): Record<string, number> {
    return this.last ?? this.figures();
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}

/** What the stats are read from: the runtime's parts. */
export interface StatsSources {
  readonly startedAt: Time;
  readonly registry: RunRegistry;
  readonly store: RunStore;
  readonly inspection: Inspection;
  readonly runActors: { readonly size: number };
  readonly runningPrograms: ReadonlyMap<string, RunningProgram>;
  readonly expected: { readonly size: number; readonly byteLength: number };
  readonly workers: WorkerPool;
}

function statm(): Record<string, number> {
  try {
    const [size, resident] = readFileSync('/proc/self/statm', 'utf8').split(' ').map(Number);
    const page = 4096;
    return { statm_size: (size ?? 0) * page, statm_resident: (resident ?? 0) * page };
  } catch {
    // Not Linux: Apsis leaves these out too.
    return {};
  }
}

/**
 * The stats object of apsis-model.md §10, with Node's figures in place of
 * Python's, plus event-loop lag percentiles, SQLite's size (`sqlite`), the
 * worker pool (`workers`) and actor counts (`actors`). One per runtime,
 * read by both the API (`GET /api/v1/stats`) and the `stats` program, so
 * they report the same thing. Parts owned elsewhere (the API's summary
 * publisher) add a section.
 */
export class RuntimeStats {
  readonly lag = new LoopLag();
  private readonly sections = new Map<string, () => unknown>();

  constructor(private readonly sources: StatsSources) {}

  /** Adds `name: fn()` to every read; returns the function that removes it. */
  addSection(name: string, fn: () => unknown): () => void {
    this.sections.set(name, fn);
    return () => {
      if (this.sections.get(name) === fn) this.sections.delete(name);
    };
  }

  read(now: Time): Record<string, unknown> {
    const s = this.sources;
    const usage = process.resourceUsage();
    const counts = s.registry.countByState();
    const memory = process.memoryUsage();
    const extra = Object.fromEntries([...this.sections].map(([name, fn]) => [name, fn()]));
    return {
      start_time: formatTime(s.startedAt),
      time: formatTime(now),
      async: { ...this.lag.read(), num_tasks: s.runActors.size },
      rusage_maxrss: usage.maxRSS * 1024,
      rusage_utime: usage.userCPUTime / 1e6,
      rusage_stime: usage.systemCPUTime / 1e6,
      tasks: {
        num_waiting: counts.waiting ?? 0,
        num_running: (counts.running ?? 0) + (counts.starting ?? 0),
        num_stopping: counts.stopping ?? 0,
        num_action: 0,
      },
      scheduled: { num_entries: s.expected.size },
      run_store: {
        num_expected_runs: s.expected.size,
        num_active_runs: s.registry.size,
        num_actors: s.runActors.size,
        write_queue: s.store.stats(),
      },
      actors: {
        runs: s.runActors.size,
        programs: s.runningPrograms.size,
        inspected: s.inspection.list().length,
      },
      sqlite: s.store.databaseFigures(),
      workers: s.workers.stats(),
      memory: {
        rss: memory.rss,
        heap_used: memory.heapUsed,
        heap_total: memory.heapTotal,
        external: memory.external,
        expected_runs_bytes: s.expected.byteLength,
      },
      ...statm(),
      ...extra,
    };
  }

  close(): void {
    this.lag.close();
  }
}
