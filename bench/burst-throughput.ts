/**
 * A burst: N no-op runs (duration 0) due at the same instant T, all to end in
 * success. N jobs each have an `explicit` schedule at T, so the runs go
 * through the real path: generated as expected runs, released together by
 * the scheduler's alarm, each a run actor that persists every transition
 * through group commit. Real clock, real SQLite file; each run a fresh process.
 *
 *   npx tsc -p . && node --expose-gc dist/bench/burst-throughput.js [--runs 3] [--jobs 10000]
 *
 * Measures, per run:
 * - throughput: N / (time the last success commit was published − T); the
 *   transition bus publishes a run only after its write commits;
 * - event-loop delay from T until then (perf_hooks.monitorEventLoopDelay,
 *   1 ms resolution): p50, p99 and max;
 * - skew times.starting − times.schedule, p50/p99/max, read back from the
 *   database through a second, read-only connection, which also checks that
 *   all N runs are stored in success.
 *
 * Targets: >= 5,000 runs/s, loop delay p99 < 20 ms.
 * `--child --jobs N` runs one measurement in this process (for --cpu-prof).
 */
import Sqlite from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Runtime, systemClock } from '../src/runtime/index.js';
import { builtinCalendars } from '../src/time/index.js';
import {
  count,
  machineLine,
  loopProbe,
  mb,
  median,
  ms,
  openStore,
  option,
  parseJobs,
  percentile,
  printTable,
  refTimers,
  reportToParent,
  runChild,
  settledMemory,
  tempDatabase,
  verdict,
} from './support/measure.js';

const HORIZON_MS = 86_400_000;
const THROUGHPUT_TARGET = 5000;
const LAG_P99_TARGET_MS = 20;
/** Give up on a burst that has not finished after this long. */
const TIMEOUT_MS = 120_000;

function jobYaml(dueAt: Date): string {
  return `schedule: {type: explicit, times: "${dueAt.toISOString()}"}\nprogram: {type: no-op, duration: 0}\n`;
}

/** Resolves at wall time `at` (ms), to within a millisecond or two. */
function until(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

async function measureOnce(n: number, leadMs: number): Promise<Record<string, number>> {
  // T is a whole second far enough ahead that parsing and start are done before it.
  const due = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
  const setupStart = performance.now();
  const jobs = parseJobs(n, () => jobYaml(new Date(due)));
  const db = tempDatabase('apsis-bench-burst-');
  const store = openStore(db.path);
  const runtime = new Runtime({
    clock: systemClock,
    store,
    jobs,
    calendars: builtinCalendars,
    horizonMs: HORIZON_MS,
  });
  await runtime.start();
  await store.committed();
  const setupMs = performance.now() - setupStart;
  const slackMs = due - Date.now();
  if (slackMs < 100) {
    throw new Error(`setup took ${setupMs.toFixed(0)} ms, past the due time: raise --lead`);
  }
  const expectedBefore = runtime.scheduler.expected.size;
  const memBefore = settledMemory();

  let successes = 0;
  let others = 0;
  let lastSuccessAt = 0;
  const finished = new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(
      () => reject(new Error(`after ${TIMEOUT_MS} ms: ${successes} successes, ${others} other`)),
      TIMEOUT_MS,
    );
    runtime.bus.subscribe((run) => {
      if (run.state === 'success') {
        successes++;
        if (successes === n) {
          lastSuccessAt = Date.now();
          clearTimeout(timeout);
          resolve();
        }
      } else if (run.state === 'failure' || run.state === 'error' || run.state === 'skipped') {
        others++;
      }
    });
  });

  // Sample the loop from just before T, when the scheduler's alarm fires. The
  // histogram is enabled earlier: its first tick only sets a reference point,
  // so a burst that blocked the loop from that tick on would go unrecorded.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  await until(due - 50);
  delay.enable();
  await until(due - 2);
  const loop = loopProbe();
  // Monotonic µs, the clock of --cpu-prof timestamps: profile-top --window takes them.
  const burstStartUs = Number(process.hrtime.bigint() / 1000n);
  const cpuBefore = process.cpuUsage();
  const rssSamples: number[] = [];
  const rssProbe = setInterval(() => rssSamples.push(process.memoryUsage.rss()), 50);
  await finished;
  const burstEndUs = Number(process.hrtime.bigint() / 1000n);
  const cpu = process.cpuUsage(cpuBefore);
  // Both probes record a delay when their timer next fires: let them.
  await new Promise((resolve) => setTimeout(resolve, 5));
  delay.disable();
  const lag = loop.stop();
  clearInterval(rssProbe);
  await store.committed();

  // A second connection sees only what was committed.
  const reader = new Sqlite(db.path, { readonly: true });
  const states = reader.prepare('SELECT state, count(*) AS n FROM runs GROUP BY state').all() as {
    state: string;
    n: number;
  }[];
  const skews = (
    reader
      .prepare(
        `SELECT json_extract(times, '$.starting') - json_extract(times, '$.schedule') AS skew
           FROM runs`,
      )
      .all() as { skew: number }[]
  ).map((r) => r.skew);
  const lastSuccessTime = (
    reader.prepare(`SELECT max(json_extract(times, '$.success')) AS t FROM runs`).get() as {
      t: number;
    }
  ).t;
  reader.close();
  skews.sort((a, b) => a - b);
  const stored = Object.fromEntries(states.map((s) => [s.state, s.n]));
  const storedSuccess = stored.success ?? 0;
  if (storedSuccess !== n) {
    throw new Error(`expected ${n} runs in success, the database has ${JSON.stringify(stored)}`);
  }

  const elapsedMs = lastSuccessAt - due;
  const figures = {
    runs: n,
    setupMs,
    slackMs,
    expectedBefore,
    elapsedMs,
    throughput: n / (elapsedMs / 1000),
    // All threads: V8's GC helpers run beside the main thread.
    cpuMs: (cpu.user + cpu.system) / 1000,
    lastSuccessStampMs: lastSuccessTime - due,
    eldP50: delay.percentile(50) / 1e6,
    eldP99: delay.percentile(99) / 1e6,
    eldMax: delay.max / 1e6,
    eldSamples: delay.count,
    ...lag,
    skewP50: percentile(skews, 50),
    skewP99: percentile(skews, 99),
    skewMax: skews[skews.length - 1]!,
    storedSuccess,
    storedOther: Object.entries(stored).reduce((s, [k, v]) => (k === 'success' ? s : s + v), 0),
    rssBefore: memBefore.rss,
    rssPeak: Math.max(memBefore.rss, ...rssSamples),
    maxRss: process.resourceUsage().maxRSS * 1024,
    rssAfter: 0,
    heapUsedAfter: 0,
    burstStartUs,
    burstEndUs,
    commits: store.stats().commits,
    writes: store.stats().writes,
  };
  const memAfter = settledMemory();
  figures.rssAfter = memAfter.rss;
  figures.heapUsedAfter = memAfter.heapUsed;
  await runtime.stop();
  store.close();
  db.remove();
  await new Promise((resolve) => setImmediate(resolve));
  return { ...figures, timersAfterStop: refTimers() };
}

async function main(): Promise<void> {
  const n = option('jobs', 10_000);
  const leadMs = option('lead', 4000 + n / 2);
  if (process.argv.includes('--child')) {
    reportToParent(await measureOnce(n, leadMs));
    return;
  }
  const runs = option('runs', 3);
  const script = fileURLToPath(import.meta.url);
  console.log(`burst-throughput: ${machineLine()}`);
  const results: Record<string, number>[] = [];
  for (let r = 0; r < runs; r++) {
    results.push(await runChild(script, ['--jobs', String(n), '--lead', String(leadMs)]));
  }
  const med = (key: string) => median(results.map((f) => f[key]!));
  const each = (key: string, format: (x: number) => string) =>
    results.map((f) => format(f[key]!)).join(' / ');
  const perSecond = (x: number) => `${count(x)}/s`;
  console.log(
    `\n${count(n)} no-op runs due at one instant (explicit schedules): median of ${runs} runs (each run)`,
  );
  printTable([
    ['figure', 'median', 'target', 'verdict', 'runs'],
    ['setup: parse + start (before T)', ms(med('setupMs')), '', '', each('setupMs', ms)],
    ['expected runs before T', count(med('expectedBefore')), '', '', ''],
    ['T → last success committed', ms(med('elapsedMs')), '', '', each('elapsedMs', ms)],
    [
      'throughput',
      perSecond(med('throughput')),
      '>= 5,000/s',
      verdict(med('throughput'), '>=', THROUGHPUT_TARGET),
      each('throughput', perSecond),
    ],
    ['CPU time T → last commit (all threads)', ms(med('cpuMs')), '', '', each('cpuMs', ms)],
    [
      'CPU per run',
      `${((med('cpuMs') * 1000) / n).toFixed(0)} µs`,
      '',
      '',
      results.map((f) => `${((f.cpuMs! * 1000) / n).toFixed(0)} µs`).join(' / '),
    ],
    [
      'T → last times.success stamp',
      ms(med('lastSuccessStampMs')),
      '',
      '',
      each('lastSuccessStampMs', ms),
    ],
    [
      'loop lag p99, time-weighted (1 ms probe)',
      ms(med('timeLagP99')),
      '< 20 ms',
      verdict(med('timeLagP99'), '<', LAG_P99_TARGET_MS),
      each('timeLagP99', ms),
    ],
    ['loop lag per probe tick p50', ms(med('tickLagP50')), '', '', each('tickLagP50', ms)],
    [
      'loop lag per probe tick p99',
      ms(med('tickLagP99')),
      '< 20 ms',
      verdict(med('tickLagP99'), '<', LAG_P99_TARGET_MS),
      each('tickLagP99', ms),
    ],
    ['loop lag per probe tick max', ms(med('tickLagMax')), '', '', each('tickLagMax', ms)],
    ['probe ticks in the window', count(med('ticks')), '', '', each('ticks', count)],
    [
      'monitorEventLoopDelay p99 (from T − 50 ms)',
      ms(med('eldP99')),
      '< 20 ms',
      verdict(med('eldP99'), '<', LAG_P99_TARGET_MS),
      each('eldP99', ms),
    ],
    ['monitorEventLoopDelay max', ms(med('eldMax')), '', '', each('eldMax', ms)],
    ['monitorEventLoopDelay samples', count(med('eldSamples')), '', '', each('eldSamples', count)],
    ['stalls > 20 ms: count', count(med('stalls')), '', '', each('stalls', count)],
    ['stalls > 20 ms: total', ms(med('stallMs')), '', '', each('stallMs', ms)],
    ['stalls > 20 ms: longest', ms(med('longestStallMs')), '', '', each('longestStallMs', ms)],
    ['skew schedule → starting p50', ms(med('skewP50')), '', '', each('skewP50', ms)],
    ['skew schedule → starting p99', ms(med('skewP99')), '', '', each('skewP99', ms)],
    ['skew schedule → starting max', ms(med('skewMax')), '', '', each('skewMax', ms)],
    ['stored in success (2nd connection)', count(med('storedSuccess')), `${count(n)}`, '', ''],
    ['stored in any other state', count(med('storedOther')), '0', '', ''],
    ['transactions / writes', `${count(med('commits'))} / ${count(med('writes'))}`, '', '', ''],
    ['RSS before T (after gc)', mb(med('rssBefore')), '', '', each('rssBefore', mb)],
    ['RSS peak during burst (50 ms samples)', mb(med('rssPeak')), '', '', each('rssPeak', mb)],
    ['RSS after burst (after gc)', mb(med('rssAfter')), '', '', each('rssAfter', mb)],
    [
      'heapUsed after burst (after gc)',
      mb(med('heapUsedAfter')),
      '',
      '',
      each('heapUsedAfter', mb),
    ],
    ['timers keeping the process alive after stop()', count(med('timersAfterStop')), '0', '', ''],
  ]);
}

await main();
