import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { formatTime, type Time } from '../time/index.js';
import type { ApiContext } from './context.js';

/** Event-loop lag is measured over windows of this length; stats report the last full one. */
const WINDOW_MS = 60_000;

/**
 * Event-loop lag, measured by Node's own sampler. Reading it takes nothing
 * away: each window is kept whole until the next one ends, so the API and
 * the stats program see the same figures (Apsis clears its samples on each
 * read, so its two readers steal from each other, §10).
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
      latency_p99: s(h.percentile(99)),
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

/** The stats object (apsis-model.md §10), with Node's figures in place of Python's. */
export function statsJso(ctx: ApiContext, lag: LoopLag, now: Time): Record<string, unknown> {
  const { runtime } = ctx;
  const usage = process.resourceUsage();
  const counts = runtime.registry.countByState();
  const memory = process.memoryUsage();
  return {
    start_time: formatTime(ctx.startedAt),
    time: formatTime(now),
    async: { ...lag.read(), num_tasks: runtime.runActors.size },
    rusage_maxrss: usage.maxRSS * 1024,
    rusage_utime: usage.userCPUTime / 1e6,
    rusage_stime: usage.systemCPUTime / 1e6,
    tasks: {
      num_waiting: counts.waiting ?? 0,
      num_running: (counts.running ?? 0) + (counts.starting ?? 0),
      num_stopping: counts.stopping ?? 0,
      num_action: 0,
    },
    scheduled: { num_entries: runtime.scheduler.expected.size },
    run_store: {
      num_expected_runs: runtime.scheduler.expected.size,
      num_active_runs: runtime.registry.size,
      num_actors: runtime.runActors.size,
      write_queue: runtime.store.stats(),
    },
    summary_publisher: { num_subs: ctx.summary.size, latest_seq: ctx.summary.latest },
    memory: {
      rss: memory.rss,
      heap_used: memory.heapUsed,
      heap_total: memory.heapTotal,
      external: memory.external,
      expected_runs_bytes: runtime.scheduler.expected.byteLength,
    },
    ...statm(),
  };
}
