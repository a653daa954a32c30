/**
 * Loaded into a real daemon with `node --import` (see daemon.ts), so a bench
 * can read the daemon's own event-loop lag, CPU, memory and GC pauses over a
 * window it chooses, without changing a line of the daemon. It does nothing
 * unless the process has an IPC channel to its parent.
 *
 * The parent sends `{ type: 'mark' }` to start a window and `{ type: 'read' }`
 * to end it; the answer is one `ProbeFigures` message. `{ type: 'mark',
 * settle: true }` first runs two full garbage collections, so the window
 * starts from what is live and its peak RSS is measured from there, and
 * answers `{ type: 'marked' }` once the window is open. The
 * probe costs the daemon two 1 ms timers (the loop probe and
 * `monitorEventLoopDelay`) and a 10 ms one (external memory) while a window
 * is open, and nothing otherwise; closing a window runs two full garbage
 * collections (measure.ts exposes `gc`) to read what is live.
 */
import { getHeapStatistics } from 'node:v8';
import {
  constants as perfConstants,
  monitorEventLoopDelay,
  PerformanceObserver,
  type IntervalHistogram,
} from 'node:perf_hooks';
import {
  loopProbe,
  procStatusBytes,
  resetPeakRss,
  settledMemory,
  type LoopFigures,
  type LoopProbe,
} from './measure.js';

export interface ProbeFigures {
  readonly type: 'figures';
  readonly loop: LoopFigures;
  /** `monitorEventLoopDelay({ resolution: 1 })`, ms. */
  readonly eldP50: number;
  readonly eldP99: number;
  readonly eldMax: number;
  /** User + system CPU of the daemon (all its threads) in the window, ms. */
  readonly cpuMs: number;
  readonly gcMs: number;
  readonly gcMaxMs: number;
  /** Full (mark-compact) collections in the window. */
  readonly majorGcs: number;
  /** RSS when the window opened (after two full collections with `settle`). */
  readonly startRss: number;
  /** What the RSS was made of then, and after the closing collections. */
  readonly startParts: ResidentParts;
  readonly settledParts: ResidentParts;
  /** The kernel's peak RSS within the window (VmHWM reset when it opened); NaN where it cannot be reset. */
  readonly peakRss: number;
  /** The most memory ArrayBuffers held (live or awaiting collection), sampled every 10 ms. */
  readonly peakArrayBuffers: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** After two full collections, made once the window is closed (what is live, not garbage). */
  readonly settledRss: number;
  readonly settledHeapUsed: number;
  /** The kernel's peak RSS of the process since it started (VmHWM). */
  readonly vmHwm: number;
}

/**
 * Resident memory by kind, bytes: V8's heap (physical), the rest of the
 * anonymous memory (malloc: buffers, SQLite's page cache, thread arenas),
 * and file pages (mostly the database pages SQLite has mapped).
 */
export interface ResidentParts {
  readonly v8: number;
  readonly otherAnon: number;
  readonly file: number;
}

function residentParts(): ResidentParts {
  const v8 = getHeapStatistics().total_physical_size;
  return {
    v8,
    otherAnon: procStatusBytes('self', 'RssAnon', Number.NaN) - v8,
    file: procStatusBytes('self', 'RssFile', Number.NaN),
  };
}

export type ProbeCommand =
  { readonly type: 'mark'; readonly settle?: boolean } | { readonly type: 'read' };

class Window {
  private readonly loop: LoopProbe = loopProbe();
  private readonly eld: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private readonly cpu = process.cpuUsage();
  private gcMs = 0;
  private gcMaxMs = 0;
  private majorGcs = 0;
  private readonly gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.gcMs += entry.duration;
      this.gcMaxMs = Math.max(this.gcMaxMs, entry.duration);
      // A gc entry's detail says which collection it was (@types/node leaves it out).
      const { detail } = entry as { detail?: { kind?: number } };
      if (detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) this.majorGcs++;
    }
  });
  private readonly startRss: number;
  private readonly startParts: ResidentParts;
  private readonly hwmReset: boolean;
  private peakArrayBuffers = 0;
  private readonly external: NodeJS.Timeout;

  constructor(settle: boolean) {
    this.startRss = settle ? settledMemory().rss : process.memoryUsage.rss();
    this.startParts = residentParts();
    this.hwmReset = resetPeakRss();
    this.external = setInterval(() => {
      this.peakArrayBuffers = Math.max(this.peakArrayBuffers, process.memoryUsage().arrayBuffers);
    }, 10);
    this.eld.enable();
    this.gc.observe({ entryTypes: ['gc'] });
  }

  close(): ProbeFigures {
    const loop = this.loop.stop();
    clearInterval(this.external);
    this.eld.disable();
    this.gc.disconnect();
    const peakRss = this.hwmReset ? procStatusBytes('self', 'VmHWM', Number.NaN) : Number.NaN;
    const cpu = process.cpuUsage(this.cpu);
    const memory = process.memoryUsage();
    const settled = settledMemory();
    return {
      type: 'figures',
      loop,
      eldP50: this.eld.percentile(50) / 1e6,
      eldP99: this.eld.percentile(99) / 1e6,
      eldMax: this.eld.max / 1e6,
      cpuMs: (cpu.user + cpu.system) / 1000,
      gcMs: this.gcMs,
      gcMaxMs: this.gcMaxMs,
      majorGcs: this.majorGcs,
      startRss: this.startRss,
      startParts: this.startParts,
      settledParts: residentParts(),
      peakRss,
      peakArrayBuffers: this.peakArrayBuffers,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      settledRss: settled.rss,
      settledHeapUsed: settled.heapUsed,
      // Not Linux: no kernel peak to read.
      vmHwm: procStatusBytes('self', 'VmHWM', Number.NaN),
    };
  }
}

if (typeof process.send === 'function') {
  let open: Window | undefined;
  process.on('message', (command: ProbeCommand) => {
    if (command.type === 'mark') {
      open?.close();
      open = new Window(command.settle === true);
      // A settled window starts after the collections: the parent waits for it.
      if (command.settle === true) process.send?.({ type: 'marked' });
    } else if (command.type === 'read') {
      const window = open ?? new Window(false);
      open = undefined;
      process.send?.(window.close());
    }
  });
  // The daemon decides when it exits: neither the channel nor an open window may hold it.
  process.channel?.unref();
  process.once('SIGTERM', () => {
    open?.close();
    open = undefined;
  });
}
