/**
 * Archiving a million finished runs, with their logs, transitions and
 * outputs, while 1,000 jobs keep running every minute.
 *
 *   npm run build && node dist/bench/housekeeping-archive.js [--dir DIR]
 *     [--runs 1000000] [--jobs 1000] [--chunk-size 250] [--chunk-sleep 0.02]
 *     [--count 100000] [--baseline-s 60] [--max-archive-s 900] [--spread 1]
 *     [--cpu-prof DIR]
 *
 * A child process writes the history once (bench/support/run-history.ts
 * with `io`: `--runs` finished runs over 90 days ending two days ago, each
 * with its run log, transitions and an output) to DIR/history.db, with a
 * signature of every archived table (rows, distinct runs, two sums). Each
 * invocation works on a copy, whose stored clock is set to now (as a daemon
 * that was running would have it, so it catches up on nothing).
 *
 * The real daemon (`apsisctl serve`, bench/support/daemon.ts, the probe
 * preloaded) loads `--jobs` job files `bench/job-NNNN` (the jobs of the
 * history): a no-op of 0.5 s on `interval: 1m`, with `phase` spreading the
 * jobs evenly over the minute (`--spread 0`: all at :00, a burst each
 * minute). After a `--baseline-s` window with nothing else to do, archive
 * runs are created through the API (`POST /api/v1/runs` with an ad hoc job:
 * `archive`, age 1 day, `--count`, `--chunk-size`, `--chunk-sleep`), one
 * after the other while the last ran out of its count, and measured until
 * the last ends (or `--max-archive-s`, when it is stopped). `--count
 * 1000000` archives the million in one run.
 *
 * Figures per window: the daemon's loop lag (probe: time-weighted p99,
 * per-tick p99, `monitorEventLoopDelay`, stalls), CPU of all its threads,
 * GC, RSS; and for every run of the every-minute jobs scheduled in the
 * window, how late it started, read from the database after the daemon has
 * stopped: `times.running` − `times.schedule` (the program had started; a
 * run is acted on only once its `starting` is committed, so a commit held up
 * by the archive shows here) and `times.starting` − `times.schedule`. Then
 * the archive: time, runs/s, chunks, the metadata's `get runs` and
 * `archive runs` times, and the row check: for each table, the history's
 * signature equals the archive file's plus what is left of the history in
 * the main file (nothing lost, nothing twice). `--cpu-prof DIR` profiles
 * the daemon (all threads). With `--dir`, the history is kept for the next
 * invocation, and `--keep` keeps DIR/run too (the main and archive files
 * after the run, the daemon's config and log). It prints figures; it
 * asserts nothing.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { ARCHIVED_TABLES, createDatabase, type ArchivedTable } from '../src/store/index.js';
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
  verdict,
} from './support/measure.js';
import { writeRunHistory } from './support/run-history.js';

const SCRIPT = fileURLToPath(import.meta.url);
const DAY_MS = 86_400_000;
const LAG_TARGET_MS = 20;
const LATE_TARGET_MS = 50;
const FINISHED = new Set(['success', 'failure', 'error', 'skipped']);

const sleep = (msToWait: number) => new Promise<void>((resolve) => setTimeout(resolve, msToWait));

/**
 * Per table: rows, distinct runs, and two sums over the rows' content. A
 * lost row and a doubled one would have to cancel in all four to hide.
 * Times are summed modulo a prime so the sums stay exact integers.
 */
const SIGNATURE: Readonly<Record<ArchivedTable, string>> = {
  runs: 'count(*), count(DISTINCT run_id), sum(length(meta)), sum(timestamp % 1000000007)',
  run_log: 'count(*), count(DISTINCT run_id), sum(length(message)), sum(timestamp % 1000000007)',
  output: 'count(*), count(DISTINCT run_id), sum(length(data)), sum(length)',
  output_chunk: 'count(*), count(DISTINCT run_id), sum(length(data)), sum(offset)',
  run_transition: 'count(*), count(DISTINCT run_id), sum(length(event)), sum(time % 1000000007)',
};
type Signature = [rows: number, runs: number, a: number, b: number];

/** Each table's signature, over the history's runs only (run number ≤ `last`) when given. */
function signatures(path: string, last?: number): Record<ArchivedTable, Signature> {
  const db = new Sqlite(path, { readonly: true, fileMustExist: true });
  try {
    const result = {} as Record<ArchivedTable, Signature>;
    for (const table of ARCHIVED_TABLES) {
      const where =
        last === undefined
          ? ''
          : table === 'runs'
            ? `WHERE rowid <= ${last}`
            : `WHERE CAST(substr(run_id, 2) AS INTEGER) <= ${last}`;
      const row = db.prepare(`SELECT ${SIGNATURE[table]} FROM ${table} ${where}`).raw().get() as (
        number | null
      )[];
      result[table] = row.map((v) => v ?? 0) as Signature;
    }
    return result;
  } finally {
    db.close();
  }
}

interface HistoryFile {
  runs: number;
  jobs: number;
  lastRunNumber: number;
  to: number;
  seconds: number;
  bytes: number;
  states: Record<string, number>;
  signatures: Record<ArchivedTable, Signature>;
}

/** In the child: DIR/history.db and DIR/history.json. */
async function generate(dir: string): Promise<void> {
  const runs = option('runs', 1_000_000);
  const jobs = option('jobs', 1000);
  const path = join(dir, 'history.db');
  const started = performance.now();
  createDatabase(path, Date.now());
  const history = await writeRunHistory(path, {
    runs,
    jobs,
    days: 90,
    heavyShare: 0.1,
    now: Date.now() - 2 * DAY_MS,
    io: true,
  });
  const file: HistoryFile = {
    runs,
    jobs,
    lastRunNumber: history.lastRunNumber,
    to: history.to,
    seconds: (performance.now() - started) / 1000,
    bytes: statSync(path).size,
    states: { ...history.states },
    signatures: signatures(path),
  };
  writeFileSync(join(dir, 'history.json'), JSON.stringify(file));
  reportToParent({ seconds: file.seconds });
}

function jobFile(index: number, jobs: number, spread: boolean): string {
  const phaseMs = spread ? Math.floor((index * 60_000) / jobs) : 0;
  return (
    `schedule: {type: interval, interval: 1m, phase: ${phaseMs}ms}\n` +
    'program: {type: no-op, duration: 0.5}\n'
  );
}

interface Lateness {
  runs: number;
  notSuccess: number;
  starting: number[];
  running: number[];
  /** Runs that started more than the target late: schedule time and lateness (running), ms. */
  late: [schedule: number, ms: number][];
}

/** How late each run of the every-minute jobs scheduled in [from, to) started, ms. */
function lateness(dbPath: string, after: number, from: number, to: number): Lateness {
  const db = new Sqlite(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare<[number], { state: string; times: string }>(
        "SELECT state, times FROM runs WHERE rowid > ? AND job_id LIKE 'bench/job-%'",
      )
      .all(after);
    const result: Lateness = { runs: 0, notSuccess: 0, starting: [], running: [], late: [] };
    for (const row of rows) {
      const times = JSON.parse(row.times) as Record<string, number>;
      const schedule = times.schedule!;
      if (schedule < from || schedule >= to) continue;
      result.runs++;
      if (row.state !== 'success') result.notSuccess++;
      if (times.starting !== undefined) result.starting.push(times.starting - schedule);
      if (times.running !== undefined) result.running.push(times.running - schedule);
      if (times.running !== undefined && times.running - schedule > LATE_TARGET_MS)
        result.late.push([schedule, times.running - schedule]);
    }
    result.late.sort((a, b) => a[0] - b[0]);
    result.starting.sort((a, b) => a - b);
    result.running.sort((a, b) => a - b);
    return result;
  } finally {
    db.close();
  }
}

interface ArchiveRun {
  state: string;
  runCount: number;
  chunks: number;
  largestChunk: number;
  rowCounts: Record<string, number>;
  getRunsS: number;
  archiveRunsS: number;
  message: string | undefined;
}

function archiveRun(dbPath: string, runId: string): ArchiveRun {
  const db = new Sqlite(dbPath, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare<[string], { state: string; meta: string }>(
        'SELECT state, meta FROM runs WHERE run_id = ?',
      )
      .get(runId);
    if (row === undefined) throw new Error(`archive run ${runId} is not stored`);
    const { program: meta = {} } = JSON.parse(row.meta) as {
      program?: {
        'run count'?: number;
        run_ids?: string[][];
        'row counts'?: Record<string, number>;
        time?: { 'get runs': number; 'archive runs': number };
      };
    };
    const log = db
      .prepare<[string], string>(
        'SELECT message FROM run_log WHERE run_id = ? ORDER BY id DESC LIMIT 1',
      )
      .pluck()
      .get(runId);
    return {
      state: row.state,
      runCount: meta['run count'] ?? 0,
      chunks: meta.run_ids?.length ?? 0,
      largestChunk: (meta.run_ids ?? []).reduce((a, ids) => Math.max(a, ids.length), 0),
      rowCounts: meta['row counts'] ?? {},
      getRunsS: meta.time?.['get runs'] ?? Number.NaN,
      archiveRunsS: meta.time?.['archive runs'] ?? Number.NaN,
      message: log,
    };
  } finally {
    db.close();
  }
}

/** The figures of successive archive runs, as one. */
function sumArchiveRuns(runs: readonly ArchiveRun[]): ArchiveRun {
  const rowCounts: Record<string, number> = {};
  for (const run of runs)
    for (const [table, n] of Object.entries(run.rowCounts))
      rowCounts[table] = (rowCounts[table] ?? 0) + n;
  const sum = (f: (run: ArchiveRun) => number) => runs.reduce((a, run) => a + f(run), 0);
  return {
    state: runs.at(-1)?.state ?? 'none',
    runCount: sum((r) => r.runCount),
    chunks: sum((r) => r.chunks),
    largestChunk: Math.max(0, ...runs.map((r) => r.largestChunk)),
    rowCounts,
    getRunsS: sum((r) => r.getRunsS),
    archiveRunsS: sum((r) => r.archiveRunsS),
    message: runs.at(-1)?.message,
  };
}

/** Creates an archive run with an ad hoc job through the API; its run id. */
async function postArchive(url: string, program: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${url}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ job: { program } }),
  });
  const body = (await res.json()) as { runs: Record<string, unknown> };
  if (!res.ok) throw new Error(`POST /api/v1/runs: ${res.status} ${JSON.stringify(body)}`);
  return Object.keys(body.runs)[0]!;
}

interface StatsSample {
  latencyP99: number;
  latencyMax: number;
  workers: Record<string, number>;
  sqlite: Record<string, number>;
}

async function stats(daemon: Daemon): Promise<StatsSample> {
  const body = (await (await fetch(`${daemon.url}/api/v1/stats`)).json()) as {
    async: Record<string, number>;
    workers: Record<string, number>;
    sqlite: Record<string, number>;
  };
  return {
    latencyP99: (body.async.latency_p99 ?? Number.NaN) * 1000,
    latencyMax: (body.async.latency_max ?? Number.NaN) * 1000,
    workers: body.workers,
    sqlite: body.sqlite,
  };
}

/** Samples the daemon's RSS every second and its stats every 10 s while a window is open. */
class Sampler {
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  peakRss = 0;
  statsP99Max = 0;
  last: StatsSample | undefined;

  constructor(private readonly daemon: Daemon) {}

  start(): void {
    this.peakRss = 0;
    this.statsP99Max = 0;
    this.timer = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, this.daemon.rss());
      if (++this.ticks % 10 === 0)
        stats(this.daemon).then(
          (s) => {
            this.last = s;
            this.statsP99Max = Math.max(this.statsP99Max, s.latencyP99);
          },
          (err: unknown) => console.error('stats:', err),
        );
    }, 1000);
    // A failed bench must still exit.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface Window {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly probe: ProbeFigures;
  readonly peakRss: number;
  readonly statsP99Max: number;
  late?: Lateness;
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    await generate(stringOption('dir')!);
    return;
  }
  const chunkSize = option('chunk-size', 250);
  const chunkSleep = option('chunk-sleep', 0.02);
  const baselineS = option('baseline-s', 60);
  const maxArchiveS = option('max-archive-s', 900);
  const archiveCount = option('count', 100_000);
  const spread = option('spread', 1) !== 0;
  const cpuProf = stringOption('cpu-prof');
  console.log(`housekeeping-archive: ${machineLine()}`);
  console.log(
    `command: node dist/bench/housekeeping-archive.js ${process.argv.slice(2).join(' ')}`.trimEnd(),
  );
  let daemon: Daemon | undefined;
  const { dir, kept, done } = benchDir('apsis-bench-hk-', () => daemon?.kill());
  const work = join(dir, 'run');
  try {
    if (!existsSync(join(dir, 'history.json'))) {
      rmSync(join(dir, 'history.db'), { force: true });
      const passed = ['runs', 'jobs'].flatMap((name) => {
        const value = stringOption(name);
        return value === undefined ? [] : [`--${name}`, value];
      });
      await runChild(SCRIPT, ['--dir', dir, ...passed]);
    }
    const history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as HistoryFile;
    const sig = history.signatures;
    console.log(
      `history (${dir}): ${count(history.runs)} finished runs of ${count(history.jobs)} jobs, ` +
        `the newest ${((Date.now() - history.to) / DAY_MS).toFixed(1)} days old; ` +
        `database ${mb(history.bytes)} (written in ${history.seconds.toFixed(0)} s); rows: ` +
        ARCHIVED_TABLES.map((t) => `${t} ${count(sig[t][0])}`).join(', ') +
        `; output bytes ${mb(sig.output[2] + sig.output_chunk[2])} stored`,
    );

    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const dbPath = join(work, 'apsis.db');
    const archivePath = join(work, 'archive.db');
    let started = performance.now();
    copyFileSync(join(dir, 'history.db'), dbPath);
    const copyS = (performance.now() - started) / 1000;
    // The daemon would have run until now: no missed runs to catch up on.
    const clock = new Sqlite(dbPath);
    clock.prepare('UPDATE clock SET time = ?').run(Date.now());
    clock.close();
    const jobDir = join(work, 'jobs');
    for (let i = 0; i < history.jobs; i++) {
      const path = join(jobDir, 'bench', `job-${String(i).padStart(4, '0')}.yaml`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, jobFile(i, history.jobs, spread));
    }
    const mainBefore = statSync(dbPath).size;

    daemon = await Daemon.start({
      dir: work,
      jobDir,
      dbPath,
      nodeArgs: cpuProf === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`],
    });
    console.log(
      `copied in ${copyS.toFixed(1)} s; daemon (pid ${daemon.pid}) ready in ${ms(daemon.readyMs)}, ` +
        `RSS ${mb(daemon.rss())}; ${count(history.jobs)} jobs every minute, ` +
        (spread ? 'spread over the minute' : 'all at :00') +
        `; archive chunk_size ${chunkSize}, chunk_sleep ${chunkSleep} s`,
    );
    const readyRss = daemon.rss();
    await sleep(5000);
    const sampler = new Sampler(daemon);
    const windows: Window[] = [];
    const measureWindow = async (name: string, body: () => Promise<void>) => {
      sampler.start();
      daemon!.mark();
      const from = Date.now();
      await body();
      const to = Date.now();
      const probe = await daemon!.read();
      sampler.stop();
      const window: Window = {
        name,
        from,
        to,
        probe,
        peakRss: sampler.peakRss,
        statsP99Max: sampler.statsP99Max,
      };
      windows.push(window);
      return window;
    };

    await measureWindow('baseline', () => sleep(baselineS * 1000));
    console.log(`baseline: ${baselineS} s measured`);

    const runIds: string[] = [];
    let stoppedAtLimit = false;
    const archive = await measureWindow('archive', async () => {
      const deadline = Date.now() + maxArchiveS * 1000;
      let nextReport = Date.now() + 30_000;
      // States from the file, not the API: once a run ends, its row lists
      // the run ids it moved (10 MB of metadata for a million), which the
      // daemon would decode for every request, summary or not.
      const db = new Sqlite(dbPath, { readonly: true, fileMustExist: true });
      const stateOf = db
        .prepare<[string], string>('SELECT state FROM runs WHERE run_id = ?')
        .pluck();
      try {
        // One run of `count`, then the next, as long as the last ran out of
        // its count (§6.4: it fails, naming the runs left) and none failed
        // otherwise.
        for (let moved = 0; moved < history.runs; moved += archiveCount) {
          const runId = await postArchive(daemon!.url, {
            type: 'archive',
            age: '1d',
            path: archivePath,
            count: archiveCount,
            chunk_size: chunkSize,
            chunk_sleep: chunkSleep,
          });
          runIds.push(runId);
          let state = '';
          while (!FINISHED.has(state)) {
            await sleep(1000);
            state = stateOf.get(runId) ?? '';
            if (Date.now() > nextReport) {
              nextReport += 30_000;
              const size = existsSync(archivePath) ? statSync(archivePath).size : 0;
              console.log(
                `  archiving: ${((Date.now() - deadline) / 1000 + maxArchiveS).toFixed(0)} s, ` +
                  `run ${runIds.length}, archive file ${mb(size)}, daemon RSS ${mb(daemon!.rss())}`,
              );
            }
            if (Date.now() > deadline) {
              stoppedAtLimit = true;
              await (
                await fetch(`${daemon!.url}/api/v1/runs/${runId}/stop`, { method: 'POST' })
              ).text();
              return;
            }
          }
          if (state !== 'failure') return;
        }
      } finally {
        db.close();
      }
    });
    const lastStats = sampler.last ?? (await stats(daemon));
    // The runs scheduled just before the window closed finish (0.5 s each).
    await sleep(2000);
    const endRss = daemon.memory();
    await daemon.stop();
    daemon = undefined;

    for (const w of windows) w.late = lateness(dbPath, history.lastRunNumber, w.from, w.to);
    const runs = runIds.map((id) => archiveRun(dbPath, id));
    const run = sumArchiveRuns(runs);
    started = performance.now();
    const archived = signatures(archivePath);
    const left = signatures(dbPath, history.lastRunNumber);
    const checkS = (performance.now() - started) / 1000;
    const archiveS = (archive.to - archive.from) / 1000;

    console.log(
      runIds
        .map(
          (id, i) =>
            `${i === 0 ? '\n' : ''}archive run ${id} (count ${count(archiveCount)}): ` +
            `${runs[i]!.state}${runs[i]!.message ? ` (${runs[i]!.message})` : ''}, ` +
            `${count(runs[i]!.runCount)} runs`,
        )
        .join('\n') + (stoppedAtLimit ? `, stopped at the ${maxArchiveS} s limit` : ''),
    );
    printTable([
      ['figure', ...windows.map((w) => w.name), 'target', 'verdict (archive)'],
      ['window', ...windows.map((w) => `${((w.to - w.from) / 1000).toFixed(0)} s`), '', ''],
      [
        'loop lag p99, time-weighted',
        ...windows.map((w) => ms(w.probe.loop.timeLagP99)),
        `< ${LAG_TARGET_MS} ms`,
        verdict(archive.probe.loop.timeLagP99, '<', LAG_TARGET_MS),
      ],
      [
        'loop lag p99 per tick / monitorEventLoopDelay',
        ...windows.map((w) => `${ms(w.probe.loop.tickLagP99)} / ${ms(w.probe.eldP99)}`),
        `< ${LAG_TARGET_MS} ms`,
        verdict(Math.max(archive.probe.loop.tickLagP99, archive.probe.eldP99), '<', LAG_TARGET_MS),
      ],
      [
        'longest stall; stalls > 20 ms',
        ...windows.map((w) => `${ms(w.probe.loop.tickLagMax)}; ${w.probe.loop.stalls}`),
        '',
        '',
      ],
      [
        'stats async.latency_p99 (max of 10 s samples)',
        ...windows.map((w) => ms(w.statsP99Max)),
        '',
        '',
      ],
      ...(['running', 'starting'] as const).map((field) => [
        `late: ${field} − schedule p50 / p99 / max`,
        ...windows.map((w) => {
          const xs = w.late![field];
          return `${ms(percentile(xs, 50))} / ${ms(percentile(xs, 99))} / ${ms(xs[xs.length - 1] ?? Number.NaN)}`;
        }),
        '',
        '',
      ]),
      [
        `runs scheduled; late > ${LATE_TARGET_MS} ms (running)`,
        ...windows.map(
          (w) =>
            `${count(w.late!.runs)}; ${w.late!.running.filter((x) => x > LATE_TARGET_MS).length}`,
        ),
        '0',
        archive.late!.running.some((x) => x > LATE_TARGET_MS) ? 'FAIL' : 'PASS',
      ],
      ['runs not in success', ...windows.map((w) => String(w.late!.notSuccess)), '0', ''],
      [
        'daemon CPU (all threads) / share of a core',
        ...windows.map(
          (w) =>
            `${(w.probe.cpuMs / 1000).toFixed(1)} s / ${((100 * w.probe.cpuMs) / (w.to - w.from)).toFixed(0)}%`,
        ),
        '',
        '',
      ],
      [
        'GC total / longest',
        ...windows.map((w) => `${(w.probe.gcMs / 1000).toFixed(2)} s / ${ms(w.probe.gcMaxMs)}`),
        '',
        '',
      ],
      ['daemon RSS peak (1 s samples)', ...windows.map((w) => mb(w.peakRss)), '', ''],
    ]);

    for (const w of windows) {
      if (w.late!.late.length === 0) continue;
      const late = w.late!.late;
      const show = ([at, by]: [number, number]) =>
        `+${((at - w.from) / 1000).toFixed(1)} s: ${by.toFixed(0)} ms`;
      const shown =
        late.length <= 20
          ? late.map(show).join(', ')
          : `${late.slice(0, 12).map(show).join(', ')}, … ${late.slice(-6).map(show).join(', ')}`;
      console.log(
        `${w.name}: runs over ${LATE_TARGET_MS} ms late, by schedule time in the window ` +
          `(${((w.to - w.from) / 1000).toFixed(0)} s): ${shown}`,
      );
    }

    const tablesOk = ARCHIVED_TABLES.every((t) =>
      sig[t].every((v, i) => v === archived[t][i]! + left[t][i]!),
    );
    console.log(
      `\narchive: ${count(run.runCount)} runs in ${archiveS.toFixed(0)} s = ` +
        `${count(run.runCount / archiveS)} runs/s; ${count(run.chunks)} chunks (largest ${count(run.largestChunk)}); ` +
        `metadata time: get runs ${run.getRunsS.toFixed(1)} s, archive runs ${run.archiveRunsS.toFixed(1)} s ` +
        `(${ms((1000 * run.getRunsS) / run.chunks)} + ${ms((1000 * run.archiveRunsS) / run.chunks)} a chunk)`,
    );
    printTable([
      ['table', 'history rows', 'archived', 'left in main', 'metadata row count', 'check'],
      ...ARCHIVED_TABLES.map((t) => [
        t,
        count(sig[t][0]),
        count(archived[t][0]),
        count(left[t][0]),
        count(run.rowCounts[t] ?? 0),
        sig[t].every((v, i) => v === archived[t][i]! + left[t][i]!) ? 'ok' : 'MISMATCH',
      ]),
    ]);
    console.log(
      `rows, distinct runs and content sums per table: history = archive + left in main: ` +
        `${tablesOk ? 'ok, nothing lost or doubled' : 'MISMATCH'} (checked in ${checkS.toFixed(0)} s)`,
    );
    console.log(
      `files: main ${mb(mainBefore)} before, ${mb(statSync(dbPath).size)} after (no VACUUM); ` +
        `archive ${mb(statSync(archivePath).size)}; stats sqlite ${JSON.stringify(lastStats.sqlite)}`,
    );
    console.log(
      `daemon RSS: ready ${mb(readyRss)}, peak (VmHWM) ${mb(endRss.hwm)}, end ${mb(endRss.rss)} ` +
        `(anon ${mb(endRss.anon)}, file ${mb(endRss.file)}); workers ${JSON.stringify(lastStats.workers)}`,
    );
  } finally {
    await daemon?.stop();
    done();
    if (kept && !process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
  }
}

await main();
