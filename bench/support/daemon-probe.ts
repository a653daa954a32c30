/**
 * Loaded into a real daemon with `node --import` (see daemon.ts), so a bench
 * can read the daemon's own event-loop lag, CPU, memory and GC pauses over a
 * window it chooses, without changing a line of the daemon. It does nothing
 * unless the process has an IPC channel to its parent.
 *
 * The parent sends `{ type: 'mark' }` to start a window and `{ type: 'read' }`
 * to end it; the answer is one `ProbeFigures` message. The probe costs the
 * daemon two 1 ms timers (the loop probe and `monitorEventLoopDelay`) while a
 * window is open, and nothing otherwise; closing a window runs two full
 * garbage collections (measure.ts exposes `gc`) to read what is live.
 */
import { readFileSync } from 'node:fs';
import {
  monitorEventLoopDelay,
  PerformanceObserver,
  type IntervalHistogram,
} from 'node:perf_hooks';
import { loopProbe, settledMemory, type LoopFigures, type LoopProbe } from './measure.js';

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
  readonly rss: number;
  readonly heapUsed: number;
  /** After two full collections, made once the window is closed (what is live, not garbage). */
  readonly settledRss: number;
  readonly settledHeapUsed: number;
  /** The kernel's peak RSS of the process since it started (VmHWM). */
  readonly vmHwm: number;
}

export type ProbeCommand = { readonly type: 'mark' } | { readonly type: 'read' };

function vmHwm(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    // Not Linux: no kernel peak to read.
    return Number.NaN;
  }
}

class Window {
  private readonly loop: LoopProbe = loopProbe();
  private readonly eld: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private readonly cpu = process.cpuUsage();
  private gcMs = 0;
  private gcMaxMs = 0;
  private readonly gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.gcMs += entry.duration;
      this.gcMaxMs = Math.max(this.gcMaxMs, entry.duration);
    }
  });

  constructor() {
    this.eld.enable();
    this.gc.observe({ entryTypes: ['gc'] });
  }

  close(): ProbeFigures {
    const loop = this.loop.stop();
    this.eld.disable();
    this.gc.disconnect();
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
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      settledRss: settled.rss,
      settledHeapUsed: settled.heapUsed,
      vmHwm: vmHwm(),
    };
  }
}

if (typeof process.send === 'function') {
  let open: Window | undefined;
  process.on('message', (command: ProbeCommand) => {
    if (command.type === 'mark') {
      open?.close();
      open = new Window();
    } else if (command.type === 'read') {
      const window = open ?? new Window();
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
