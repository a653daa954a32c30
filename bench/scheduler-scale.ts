/**
 * The scale rule (design.md): N jobs, each `interval: 60s` with a no-op
 * program, the default one-day horizon. Measures, on the real clock and a
 * real SQLite file, how long `new Runtime(...)` + `start()` takes to be ready,
 * and the memory it then holds. Each run is a fresh process.
 *
 *   npx tsc -p . && node --expose-gc dist/bench/scheduler-scale.js [--runs 3] [--jobs 1000,10000]
 *
 * Targets (1,000 jobs): ready < 2 s, RSS < 300 MB. 10,000 jobs has no target.
 * `--child --jobs N` runs one measurement in this process (for --cpu-prof).
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Runtime, systemClock } from '../src/runtime/index.js';
import { builtinCalendars } from '../src/time/index.js';
import {
  count,
  machineLine,
  mb,
  median,
  listOption,
  ms,
  openStore,
  option,
  parseJobs,
  printTable,
  refTimers,
  reportToParent,
  runChild,
  settledMemory,
  tempDatabase,
  verdict,
} from './support/measure.js';

const HORIZON_MS = 86_400_000;
const READY_TARGET_MS = 2000;
const RSS_TARGET_BYTES = 300e6;
const TARGET_JOBS = 1000;

const JOB_YAML = 'schedule: {type: interval, interval: 60s}\nprogram: {type: no-op}\n';

async function measureOnce(jobCount: number): Promise<Record<string, number>> {
  const parseStart = performance.now();
  const jobs = parseJobs(jobCount, () => JOB_YAML);
  const parseMs = performance.now() - parseStart;
  const db = tempDatabase('apsis-bench-scale-');
  const store = openStore(db.path);
  const before = settledMemory();

  const start = performance.now();
  // Monotonic µs, the clock of --cpu-prof timestamps: profile-top --window takes them.
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const runtime = new Runtime({
    clock: systemClock,
    store,
    jobs,
    calendars: builtinCalendars,
    horizonMs: HORIZON_MS,
  });
  await runtime.start();
  const readyMs = performance.now() - start;
  const readyUs = Number(process.hrtime.bigint() / 1000n);
  await store.committed();
  const committedMs = performance.now() - start;

  const after = settledMemory();
  const figures = {
    jobs: jobCount,
    parseMs,
    readyMs,
    committedMs,
    expected: runtime.scheduler.expected.size,
    expectedBytes: runtime.scheduler.expected.byteLength,
    rssBefore: before.rss,
    rss: after.rss,
    heapUsed: after.heapUsed,
    arrayBuffers: after.arrayBuffers,
    external: after.external,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    actors: runtime.runActors.size,
    startUs,
    readyUs,
  };
  await runtime.stop();
  store.close();
  db.remove();
  await new Promise((resolve) => setImmediate(resolve));
  return { ...figures, timersAfterStop: refTimers() };
}

async function main(): Promise<void> {
  const jobList = listOption('jobs', [TARGET_JOBS, 10_000]);
  if (process.argv.includes('--child')) {
    reportToParent(await measureOnce(jobList[0]!));
    return;
  }
  const runs = option('runs', 3);
  const script = fileURLToPath(import.meta.url);
  console.log(`scheduler-scale: ${machineLine()}`);
  for (const jobCount of jobList) {
    const results: Record<string, number>[] = [];
    for (let r = 0; r < runs; r++) {
      results.push(await runChild(script, ['--jobs', String(jobCount)]));
    }
    const med = (key: string) => median(results.map((f) => f[key]!));
    const each = (key: string, format: (x: number) => string) =>
      results.map((f) => format(f[key]!)).join(' / ');
    const targeted = jobCount === TARGET_JOBS;
    console.log(
      `\n${count(jobCount)} jobs × interval 60 s, horizon 1 day: median of ${runs} runs (each run)`,
    );
    printTable([
      ['figure', 'median', 'target', 'verdict', 'runs'],
      ['parse job files (not in ready)', ms(med('parseMs')), '', '', each('parseMs', ms)],
      [
        'new Runtime + start() → ready',
        ms(med('readyMs')),
        targeted ? '< 2000 ms' : '—',
        targeted ? verdict(med('readyMs'), '<', READY_TARGET_MS) : '',
        each('readyMs', ms),
      ],
      ['… and first batch committed', ms(med('committedMs')), '', '', each('committedMs', ms)],
      ['expected runs (scheduler.expected.size)', count(med('expected')), '', '', ''],
      ['expected-run columns (byteLength)', mb(med('expectedBytes')), '', '', ''],
      ['RSS before runtime (jobs parsed)', mb(med('rssBefore')), '', '', each('rssBefore', mb)],
      [
        'RSS after ready (after gc)',
        mb(med('rss')),
        targeted ? '< 300 MB' : '—',
        targeted ? verdict(med('rss'), '<', RSS_TARGET_BYTES) : '',
        each('rss', mb),
      ],
      ['heapUsed after ready', mb(med('heapUsed')), '', '', each('heapUsed', mb)],
      ['arrayBuffers after ready', mb(med('arrayBuffers')), '', '', each('arrayBuffers', mb)],
      ['peak RSS (maxRSS)', mb(med('maxRssBytes')), '', '', each('maxRssBytes', mb)],
      ['run actors after ready', count(med('actors')), '', '', ''],
      ['timers keeping the process alive after stop()', count(med('timersAfterStop')), '0', '', ''],
    ]);
  }
}

await main();
