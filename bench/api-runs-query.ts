/**
 * Run queries through the HTTP API on a database of a million finished runs.
 *
 *   npm run build && node dist/bench/api-runs-query.js [--runs 1000000] [--jobs 1000]
 *     [--days 90] [--heavy 0.1] [--requests 200] [--max-seconds 30] [--dir DIR]
 *
 * A child process writes the history (bench/support/run-history.ts: `--runs`
 * finished runs over `--jobs` jobs and the last `--days` days, one
 * every-minute job holding `--heavy` of them, rows as the daemon writes
 * them) and the jobs directory. Then the real daemon, `apsisctl serve` from
 * dist/, starts on that database in a process of its own (so it restores,
 * schedules a day of expected runs for the jobs and runs the few that come
 * due, as in production), and this process queries it over HTTP on
 * 127.0.0.1 with Node's fetch (keep-alive), one request at a time.
 *
 * For each query shape: 5 warm-up requests, then `--requests` requests (or
 * as many as fit in `--max-seconds`), each timed from the call to the last
 * byte of the body; p50, p99 and max. Over the same window the daemon's own
 * figures come from bench/support/daemon-probe.ts: CPU per request and
 * event-loop lag (the time-weighted p99 of a 1 ms probe and the longest
 * stall). Then whole histories are streamed (no limit).
 *
 * `--dir DIR` keeps the history in DIR and reuses it next time (writing a
 * million runs takes about a minute); without it a temp folder is removed
 * at the end. It prints figures; it asserts nothing.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { formatTime } from '../src/time/index.js';
import { createDatabase } from '../src/store/index.js';
import { Daemon } from './support/daemon.js';
import type { ProbeFigures } from './support/daemon-probe.js';
import {
  benchDir,
  count,
  machineLine,
  mb,
  ms,
  option,
  percentile,
  printTable,
  reportToParent,
  stringOption,
  runChild,
} from './support/measure.js';
import {
  COMMON_LABEL,
  RARE_LABEL,
  historyJobs,
  writeJobFiles,
  writeRunHistory,
  type HistoryJob,
} from './support/run-history.js';

const SCRIPT = fileURLToPath(import.meta.url);
const WARMUP = 5;
const DAY_MS = 86_400_000;

/** In the child: the database and the job files. */
async function generate(dir: string): Promise<void> {
  const runs = option('runs', 1_000_000);
  const jobs = option('jobs', 1000);
  const days = option('days', 90);
  const heavyShare = option('heavy', 0.1);
  const dbPath = join(dir, 'apsis.db');
  const start = performance.now();
  createDatabase(dbPath, Date.now());
  const history = await writeRunHistory(dbPath, { runs, jobs, days, heavyShare, now: Date.now() });
  writeJobFiles(join(dir, 'jobs'), history.jobs);
  reportToParent({
    seconds: (performance.now() - start) / 1000,
    bytes: statSync(dbPath).size,
    ...history.states,
  });
}

interface Shape {
  readonly name: string;
  /** The query string for request `i` (so a shape can rotate over jobs). */
  readonly query: (i: number) => string;
  /** Requests to make; default `--requests`. */
  readonly requests?: number;
}

interface ShapeResult {
  readonly shape: Shape;
  readonly requests: number;
  readonly runs: number;
  readonly bytes: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly daemon: ProbeFigures;
}

async function get(url: string): Promise<{ ms: number; text: string }> {
  const start = performance.now();
  const res = await fetch(url);
  const text = await res.text();
  const elapsed = performance.now() - start;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
  return { ms: elapsed, text };
}

async function measure(
  daemon: Daemon,
  shape: Shape,
  requests: number,
  maxSeconds: number,
): Promise<ShapeResult> {
  const url = (i: number) => `${daemon.url}/api/v1/runs?${shape.query(i)}`;
  let runs = 0;
  let bytes = 0;
  for (let i = 0; i < WARMUP; i++) {
    const { text } = await get(url(i));
    const body = JSON.parse(text) as { runs: Record<string, unknown> };
    runs = Object.keys(body.runs).length;
    bytes = text.length;
  }
  const times: number[] = [];
  const deadline = performance.now() + maxSeconds * 1000;
  daemon.mark();
  for (let i = 0; i < requests && (i < 20 || performance.now() < deadline); i++)
    times.push((await get(url(WARMUP + i))).ms);
  const figures = await daemon.read();
  times.sort((a, b) => a - b);
  return {
    shape,
    requests: times.length,
    runs,
    bytes,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: times[times.length - 1] ?? Number.NaN,
    daemon: figures,
  };
}

function shapes(jobs: readonly HistoryJob[], now: number, requests: number): Shape[] {
  // Typical jobs: date and region args, procstar runs (~2 KB each), ~900 runs each.
  const typical = jobs.filter((j) => j.kind === 'date-region' && !j.heavy).slice(0, 100);
  const job = (i: number) => encodeURIComponent(typical[i % typical.length]!.jobId);
  const heavy = encodeURIComponent(jobs.find((j) => j.heavy)!.jobId);
  const date = new Date(now - 30 * DAY_MS).toISOString().slice(0, 10);
  const since = encodeURIComponent(formatTime(now - 7 * DAY_MS));
  const page = 'limit=50&order=desc';
  return [
    { name: 'newest 50', query: () => page },
    {
      name: 'newest 50 finished (4 states)',
      query: () => `state=success,failure,error,skipped&${page}`,
    },
    { name: "one job's newest 50", query: (i) => `job_id=${job(i)}&${page}` },
    { name: '  same, summary=true', query: (i) => `job_id=${job(i)}&${page}&summary=true` },
    { name: "every-minute job's newest 50", query: () => `job_id=${heavy}&${page}` },
    {
      name: "every-minute job's newest 50 failures",
      query: () => `job_id=${heavy}&state=failure&${page}`,
    },
    { name: 'state=failure (oldest 50)', query: () => 'state=failure&limit=50' },
    { name: 'state=failure, newest 50', query: () => `state=failure&${page}` },
    { name: '  same, summary=true', query: () => `state=failure&${page}&summary=true` },
    { name: `label=${COMMON_LABEL} (25% of runs)`, query: () => `label=${COMMON_LABEL}&${page}` },
    { name: `label=${RARE_LABEL} (1% of runs)`, query: () => `label=${RARE_LABEL}&${page}` },
    { name: 'arg region=eu (8% of runs)', query: () => `region=eu&${page}` },
    { name: `arg date=${date} (30 days back)`, query: () => `date=${date}&${page}` },
    { name: `job + arg date=${date}`, query: (i) => `job_id=${job(i)}&date=${date}&${page}` },
    { name: 'since 7 days ago (runs.lookback)', query: () => `since=${since}&${page}` },
    {
      name: "one job's whole history",
      query: (i) => `job_id=${job(i)}`,
      requests: Math.min(requests, 20),
    },
    {
      name: '  same, summary=true',
      query: (i) => `job_id=${job(i)}&summary=true`,
      requests: Math.min(requests, 20),
    },
    {
      name: "every-minute job's whole history",
      query: () => `job_id=${heavy}&summary=true`,
      requests: 3,
    },
  ];
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    await generate(stringOption('dir')!);
    return;
  }
  const requests = option('requests', 200);
  const maxSeconds = option('max-seconds', 30);
  const runs = option('runs', 1_000_000);
  const jobCount = option('jobs', 1000);
  console.log(`api-runs-query: ${machineLine()}`);
  console.log(
    `command: node dist/bench/api-runs-query.js ${process.argv.slice(2).join(' ')}`.trimEnd(),
  );
  let daemon: Daemon | undefined;
  const { dir, done } = benchDir('apsis-bench-api-', () => daemon?.kill());
  const dbPath = join(dir, 'apsis.db');
  try {
    if (existsSync(dbPath)) {
      console.log(`reusing the history in ${dir} (${mb(statSync(dbPath).size)})`);
    } else {
      const passed = ['runs', 'jobs', 'days', 'heavy'].flatMap((name) => {
        const value = stringOption(name);
        return value === undefined ? [] : [`--${name}`, value];
      });
      const made = await runChild(SCRIPT, ['--dir', dir, ...passed]);
      console.log(
        `history: ${count(runs)} runs, ${count(jobCount)} jobs written in ${made.seconds!.toFixed(1)} s; ` +
          `database ${mb(made.bytes!)}; success ${count(made.success ?? 0)}, failure ${count(made.failure ?? 0)}, ` +
          `error ${count(made.error ?? 0)}, skipped ${count(made.skipped ?? 0)}`,
      );
    }
    const jobs = historyJobs(jobCount);
    if (!existsSync(join(dir, 'jobs'))) writeJobFiles(join(dir, 'jobs'), jobs);

    daemon = await Daemon.start({
      dir,
      jobDir: join(dir, 'jobs'),
      dbPath,
      config: 'schedule: {horizon: 1d}',
    });
    const stats = async () =>
      (await (await fetch(`${daemon!.url}/api/v1/stats`)).json()) as {
        async: Record<string, number>;
        scheduled: { num_entries: number };
      };
    const atStart = await stats();
    const memory = (m: ReturnType<Daemon['memory']>) =>
      `${mb(m.rss)} (anon ${mb(m.anon)}, file ${mb(m.file)})`;
    console.log(
      `daemon (pid ${daemon.pid}) ready in ${ms(daemon.readyMs)}; RSS ${memory(daemon.memory())}; ` +
        `${count(atStart.scheduled.num_entries)} expected runs in memory`,
    );

    const results: ShapeResult[] = [];
    for (const shape of shapes(jobs, Date.now(), requests)) {
      const result = await measure(daemon, shape, shape.requests ?? requests, maxSeconds);
      results.push(result);
      console.log(
        `  ${shape.name}: p50 ${ms(result.p50)}, p99 ${ms(result.p99)} (${result.requests} requests)`,
      );
    }
    const atEnd = await stats();
    const end = daemon.memory();

    console.log(
      `\n${count(runs)} stored runs; real daemon on 127.0.0.1; one request at a time (keep-alive); ` +
        'time = request sent → last byte received',
    );
    printTable([
      [
        'query',
        'runs',
        'KB',
        'reqs',
        'p50',
        'p99',
        'max',
        'daemon CPU/req',
        'loop lag p99 (tw)',
        'longest stall',
      ],
      ...results.map((r) => [
        r.shape.name,
        count(r.runs),
        (r.bytes / 1000).toFixed(r.bytes < 10_000 ? 1 : 0),
        String(r.requests),
        ms(r.p50),
        ms(r.p99),
        ms(r.max),
        ms(r.daemon.cpuMs / r.requests),
        ms(r.daemon.loop.timeLagP99),
        ms(r.daemon.loop.tickLagMax),
      ]),
    ]);
    console.log('\nqueries (GET /api/v1/runs?…; job ids rotate over 100 jobs):');
    for (const r of results) console.log(`  ${r.shape.name.trim()}: ${r.shape.query(0)}`);
    const lat = atEnd.async;
    console.log(
      `daemon: RSS ${memory(end)} at the end (after a full GC: heapUsed ` +
        `${mb(results[results.length - 1]!.daemon.settledHeapUsed)}), peak (VmHWM) ${mb(end.hwm)}; ` +
        'GET /api/v1/stats async ' +
        `latency p99 ${ms((lat.latency_p99 ?? Number.NaN) * 1000)}, max ${ms((lat.latency_max ?? Number.NaN) * 1000)} ` +
        '(its last 60 s window, 10 ms resolution)',
    );
  } finally {
    await daemon?.stop();
    done();
  }
}

await main();
