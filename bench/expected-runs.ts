/**
 * ExpectedRuns at design.md's "Scale rule" sizes: 1,000 and 10,000 jobs every 60 s over a
 * one-day horizon (1.44 M and 14.4 M expected runs). Prints a table; not a test.
 *
 *   npx tsc -p . && node dist/bench/expected-runs.js [jobs ...]
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ExpectedRuns, type ExpectedSlotColumns } from '../src/runtime/expected-runs.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
const T0 = Date.UTC(2025, 2, 1);

/** Seeded PRNG (mulberry32), so runs compare. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function emptyColumns(n: number): ExpectedSlotColumns {
  return {
    time: new Float64Array(n),
    jobIndex: new Uint32Array(n),
    scheduleIndex: new Uint16Array(n),
    ordinal: new Uint16Array(n),
    length: n,
  };
}

/** Minutes [fromMinute, toMinute) for every job, generated job by job as a runtime would. */
function minutely(jobs: number, fromMinute: number, toMinute: number): ExpectedSlotColumns {
  const columns = emptyColumns(jobs * (toMinute - fromMinute));
  let i = 0;
  for (let j = 0; j < jobs; j++) {
    for (let m = fromMinute; m < toMinute; m++, i++) {
      columns.time[i] = T0 + m * MINUTE_MS;
      columns.jobIndex[i] = j;
    }
  }
  return columns;
}

function counter(start: number): (count: number) => number {
  let next = start;
  return (count) => {
    const first = next;
    next += count;
    return first;
  };
}

function timeMs(f: () => void): number {
  const start = performance.now();
  f();
  return performance.now() - start;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const us = (x: number): string => `${(x * 1000).toFixed(2)} µs`;

function memory(): NodeJS.MemoryUsage {
  // Twice: array buffers freed by the first collection are released by the second.
  gc();
  gc();
  return process.memoryUsage();
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

function scenario(jobs: number): Map<string, string> {
  const out = new Map<string, string>();
  const random = prng(jobs);
  const entries = jobs * DAY_MINUTES;
  const before = memory();

  let batch: ExpectedSlotColumns | null = minutely(jobs, 0, DAY_MINUTES);
  const runs = new ExpectedRuns();
  const allocate = counter(1);
  out.set('entries', entries.toLocaleString('en'));
  out.set('add, one columnar batch', ms(timeMs(() => runs.add(batch!, allocate))));
  batch = null;
  out.set('byteLength', mb(runs.byteLength));
  out.set('bytes per entry (capacity)', (runs.byteLength / runs.size).toFixed(1));
  const after = memory();
  out.set('RSS growth', mb(after.rss - before.rss));
  out.set('arrayBuffers growth', mb(after.arrayBuffers - before.arrayBuffers));
  out.set('heapUsed after', mb(after.heapUsed));

  let due = 0;
  const takes: number[] = [];
  for (let m = 0; m < 5; m++)
    takes.push(timeMs(() => (due = runs.takeDue(T0 + m * MINUTE_MS).length)));
  out.set(
    'takeDue one minute (median of 5)',
    `${ms(median(takes))} (${due.toLocaleString('en')} entries)`,
  );
  const nextMinutes = [0, 1, 2, 3, 4].map((m) =>
    minutely(jobs, DAY_MINUTES + m, DAY_MINUTES + m + 1),
  );
  const appends = nextMinutes.map((batch) => timeMs(() => runs.add(batch, allocate)));
  out.set('add one minute (append, median of 5)', ms(median(appends)));

  const lookups = 200_000;
  const held = (): number => 5 * jobs + 1 + Math.floor(random() * (entries - 5 * jobs));
  let found = 0;
  const getMs = timeMs(() => {
    for (let i = 0; i < lookups; i++) if (runs.get(held())) found++;
  });
  out.set('get (ascending numbers)', us(getMs / lookups));
  const removals = 10_000;
  const removeMs = timeMs(() => {
    for (let i = 0; i < removals; i++) runs.remove(held());
  });
  out.set('remove', us(removeMs / removals));
  out.set(
    'nextTime',
    us(
      timeMs(() => {
        for (let i = 0; i < lookups; i++) runs.nextTime();
      }) / lookups,
    ),
  );
  let listed = 0;
  out.set(
    'entries({ jobIndex }) whole day',
    ms(timeMs(() => (listed = [...runs.entries({ jobIndex: 7 })].length))) + ` (${listed})`,
  );
  out.set('removeJob (one job)', ms(timeMs(() => runs.removeJob(7))));
  const reload = minutely(1, 1, DAY_MINUTES);
  reload.jobIndex.fill(7);
  out.set("add one job's day (merge)", ms(timeMs(() => runs.add(reload, allocate))));
  const getAfterMergeMs = timeMs(() => {
    for (let i = 0; i < lookups; i++) if (runs.get(held())) found++;
  });
  out.set('get after merge (permutation)', us(getAfterMergeMs / lookups));
  out.set('byteLength after merge', mb(runs.byteLength));

  // A day of ticks: take the due minute, append the minute that enters the horizon. The worst
  // tick includes the in-place compactions that reclaim released entries.
  const tick = emptyColumns(jobs);
  const ticks: number[] = [];
  for (let m = 5; m < 5 + DAY_MINUTES; m++) {
    for (let j = 0; j < jobs; j++) {
      tick.time[j] = T0 + (DAY_MINUTES + m) * MINUTE_MS;
      tick.jobIndex[j] = j;
    }
    ticks.push(
      timeMs(() => {
        runs.takeDue(T0 + m * MINUTE_MS);
        runs.add(tick, allocate);
      }),
    );
  }
  out.set('steady tick: median', ms(median(ticks)));
  out.set('steady tick: worst', ms(Math.max(...ticks)));
  out.set('byteLength after a day of ticks', mb(runs.byteLength));
  out.set('RSS after a day of ticks', mb(memory().rss));
  if (found === 0) throw new Error('lookups found nothing');
  return out;
}

function hourlyAppends(jobs: number): string {
  const runs = new ExpectedRuns();
  const allocate = counter(1);
  let total = 0;
  for (let h = 0; h < 24; h++) {
    const batch = minutely(jobs, h * 60, (h + 1) * 60);
    total += timeMs(() => runs.add(batch, allocate));
  }
  return ms(total);
}

const sizes = process.argv.slice(2).map(Number);
const results: [number, Map<string, string>][] = [];
for (const jobs of sizes.length > 0 ? sizes : [1000, 10_000]) {
  const figures = scenario(jobs);
  gc();
  figures.set('add as 24 hourly batches (append)', hourlyAppends(jobs));
  gc();
  results.push([jobs, figures]);
}

const rows = [['', ...results.map(([jobs]) => `${jobs.toLocaleString('en')} jobs`)]];
for (const key of results[0]![1].keys()) rows.push([key, ...results.map(([, f]) => f.get(key)!)]);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const row of rows) {
  console.log(
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  '),
  );
}
console.log(`node ${process.version}, ${process.arch}`);
