/**
 * Shared helpers for the runtime benchmarks: a real SQLite file in a temp
 * folder, job files parsed as the daemon parses them, memory after a full
 * collection, percentiles, repeated runs in fresh child processes (so one
 * run's heap never inflates the next one's RSS), and a plain-text table.
 * Benchmarks print figures; they assert nothing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseJobFile, type Job } from '../../src/jobs/index.js';
import { systemClock } from '../../src/runtime/index.js';
import {
  createDatabase,
  createRunStore,
  openDatabase,
  type RunStore,
} from '../../src/store/index.js';
import { builtinCalendars } from '../../src/time/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export interface TempDatabase {
  readonly dir: string;
  readonly path: string;
  remove(): void;
}

/** A fresh database file (schema, clock at now) in its own folder under os.tmpdir(). */
export function tempDatabase(prefix: string): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'apsis.db');
  createDatabase(path, Date.now());
  return { dir, path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The store the daemon would open: real clock, errors rethrown (a bench must not hide them). */
export function openStore(path: string): RunStore {
  return createRunStore(openDatabase(path), {
    clock: systemClock,
    onError: (err) => {
      console.error('store error:', err);
      process.exitCode = 1;
    },
  });
}

/** Parses `count` job files made by `text(i)`, named `bench/job-00000` …, as a jobs directory would. */
export function parseJobs(count: number, text: (i: number) => string): Map<string, Job> {
  const jobs = new Map<string, Job>();
  for (let i = 0; i < count; i++) {
    const jobId = `bench/job-${String(i).padStart(5, '0')}`;
    const parsed = parseJobFile(jobId, `${jobId}.yaml`, text(i), builtinCalendars);
    if (!parsed.job) throw new Error(parsed.problems.map((p) => p.message).join('; '));
    jobs.set(jobId, parsed.job);
  }
  return jobs;
}

/** Memory after two full collections (the second releases array buffers freed by the first). */
export function settledMemory(): NodeJS.MemoryUsage {
  gc();
  gc();
  return process.memoryUsage();
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
export const ms = (x: number): string => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
export const count = (x: number): string => Math.round(x).toLocaleString('en');

/** `PASS`/`FAIL` for a figure against an upper (`<`) or lower (`>=`) bound. */
export function verdict(value: number, bound: '<' | '>=', target: number): string {
  const ok = bound === '<' ? value < target : value >= target;
  return ok ? 'PASS' : 'FAIL';
}

/** Prints rows as columns: the first left-aligned, the rest right-aligned. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const row of rows) {
    console.log(
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    );
  }
}

const RESULT_PREFIX = 'BENCH-RESULT ';

/** What a child prints last: one line of JSON figures for the parent to collect. */
export function reportToParent(figures: Record<string, number>): void {
  console.log(RESULT_PREFIX + JSON.stringify(figures));
}

/**
 * Runs this script again in a fresh process with `args` (plus `--child`),
 * passing its output through, and returns the figures it reported.
 */
export function runChild(script: string, args: readonly string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, '--child', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      for (const l of out.split('\n')) if (l && !l.startsWith(RESULT_PREFIX)) console.log(`  ${l}`);
      if (code !== 0 || line === undefined) {
        reject(new Error(`child ${args.join(' ')} exited with ${code ?? 'a signal'}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, number>);
    });
  });
}

/** `--name value` from argv, or the default. */
/** `--name VALUE` from argv, as given. */
export function stringOption(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * Where a bench works: `--dir DIR` (created if need be, and kept, so what it
 * wrote can be reused), else a temporary directory named `prefix…`. `done`
 * removes a temporary one; Ctrl-C runs `onInterrupt` (stop the children),
 * removes it and exits.
 */
export function benchDir(
  prefix: string,
  onInterrupt: () => void,
): { dir: string; kept: boolean; done: () => void } {
  const given = stringOption('dir');
  const dir = given ?? mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  const kept = given !== undefined;
  const remove = () => {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  };
  const interrupted = () => {
    onInterrupt();
    remove();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  return {
    dir,
    kept,
    done: () => {
      process.off('SIGINT', interrupted);
      remove();
    },
  };
}

export function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

/** `--name 1000,10000` from argv, or the default. */
export function listOption(name: string, fallback: readonly number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return [...fallback];
  const values = (process.argv[i + 1] ?? '').split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`--${name} needs numbers`);
  return values;
}

/**
 * A fixed workload shaped like the runtime's (objects, string keys in a Map,
 * JSON), best of three, in ms. This machine's speed drifts (a shared host),
 * by as much as 2× within an hour; print it beside the figures so runs can be
 * compared.
 */
export function calibrationMs(): number {
  let best = Infinity;
  let sink = 0;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    const map = new Map<string, { n: number; times: Record<string, number> }>();
    for (let i = 0; i < 200_000; i++) {
      map.set(`r${i}`, { n: i, times: { schedule: i, starting: i + 1 } });
    }
    for (let i = 0; i < 200_000; i++) sink += JSON.stringify(map.get(`r${i}`)).length;
    best = Math.min(best, performance.now() - start);
  }
  if (sink < 0) console.log(sink);
  return best;
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores (${cpu}), load ${loadavg()[0]!.toFixed(2)}, calibration ${calibrationMs().toFixed(0)} ms, ${new Date().toISOString()}`;
}

export interface LoopFigures {
  /** Probe ticks seen. */
  ticks: number;
  /** Per tick: the gap since the previous tick minus the 1 ms period. */
  tickLagP50: number;
  tickLagP99: number;
  tickLagMax: number;
  /**
   * The lag a timer due at a random instant of the window would have seen,
   * 99th percentile: the share of wall time during which that lag exceeded
   * this is 1%. Unlike a per-tick percentile, one long block cannot hide
   * among many short ticks.
   */
  timeLagP99: number;
  /** Gaps longer than 20 ms: how many, their sum and the longest. */
  stalls: number;
  stallMs: number;
  longestStallMs: number;
}

export interface LoopProbe {
  stop(): LoopFigures;
}

const PROBE_PERIOD_MS = 1;
const STALL_MS = 20;

/**
 * A 1 ms interval that keeps every gap between its ticks. A timer due at a
 * uniformly random instant inside a gap of g ms waits a lag uniform on
 * [0, g], so the share of time with lag above L is Σ max(0, g − L) / Σ g.
 */
export function loopProbe(): LoopProbe {
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, PROBE_PERIOD_MS);
  return {
    stop() {
      clearInterval(timer);
      gaps.push(performance.now() - last);
      const lags = gaps.map((g) => Math.max(0, g - PROBE_PERIOD_MS)).sort((a, b) => a - b);
      const total = gaps.reduce((a, b) => a + b, 0);
      const shareAbove = (lag: number) =>
        gaps.reduce((sum, g) => sum + Math.max(0, g - lag), 0) / total;
      let lo = 0;
      // A loop, not Math.max(...gaps): a window of minutes has more ticks than a call has arguments.
      let hi = gaps.reduce((a, b) => Math.max(a, b), 0);
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (shareAbove(mid) > 0.01) lo = mid;
        else hi = mid;
      }
      const stalls = gaps.filter((g) => g > STALL_MS);
      return {
        ticks: gaps.length,
        tickLagP50: percentile(lags, 50),
        tickLagP99: percentile(lags, 99),
        tickLagMax: lags[lags.length - 1] ?? 0,
        timeLagP99: hi,
        stalls: stalls.length,
        stallMs: stalls.reduce((a, b) => a + b, 0),
        longestStallMs: stalls.reduce((a, b) => Math.max(a, b), 0),
      };
    },
  };
}

/**
 * Timers still keeping the process alive. A stopped runtime should leave none;
 * any it leaves would hold a daemon's `stop` (or a bench) open until they fire.
 */
export function refTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * A field of /proc/PID/status in bytes (kB there); `missing` when it cannot
 * be read (the process is gone, or this is not Linux).
 */
export function procStatusBytes(
  pid: number | 'self',
  key: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile',
  missing = 0,
): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return missing;
  }
}

/**
 * Resets this process's VmHWM to its current RSS (Linux: `5` to clear_refs),
 * so a peak read later is the peak since now. False when the kernel refuses.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
