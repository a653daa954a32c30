/**
 * A daemon's history for the API benchmarks: `runs` finished runs spread over
 * `jobs` jobs and the last `days` days, written through the store's own
 * batched writes (so the rows are exactly what the daemon writes and reads),
 * plus the job files of those jobs for a daemon to load.
 *
 * The rows are shaped like a production scheduler's: 70% of the jobs run
 * procstar programs whose `meta.program` holds the agent's whole result
 * (status, times, rusage, /proc stat, cgroup accounting, connection), so a
 * full run is about 2 KB of JSON; the rest are no-ops. Jobs take `date` and
 * `region` args, labels, conditions and actions. A seeded generator makes
 * every invocation write the same history for the same options. With `io`,
 * each run also gets its run log, transitions and an output
 * (bench/support/run-io.ts), as the housekeeping bench needs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatRunId, type State } from '../../src/runs/index.js';
import type { RunRecord } from '../../src/store/index.js';
import { createRunStore, openDatabase } from '../../src/store/index.js';
import { systemClock } from '../../src/runtime/index.js';
import { writeRunIo } from './run-io.js';

export const REGIONS = ['us', 'eu', 'apac', 'latam', 'mea'] as const;
const TEAMS = 12;
const KINDS = ['ingest', 'report', 'ops', 'publish'] as const;
/** On one job in a hundred: a label that picks out 1% of the runs. */
export const RARE_LABEL = 'critical';
/** On a quarter of the jobs. */
export const COMMON_LABEL = 'ingest';

export interface HistoryJob {
  readonly jobId: string;
  /** `date-region`: args date and region, procstar; `date`: arg date, procstar; `plain`: no args, no-op. */
  readonly kind: 'date-region' | 'date' | 'plain';
  readonly region: (typeof REGIONS)[number] | undefined;
  readonly labels: readonly string[];
  /** The one job that runs every minute and holds `heavyShare` of the runs. */
  readonly heavy: boolean;
}

export interface HistoryOptions {
  readonly runs: number;
  readonly jobs: number;
  readonly days: number;
  /**
   * Share of the runs that belong to one every-minute job (`bench/job-0000`):
   * production histories are dominated by a few frequent jobs.
   */
  readonly heavyShare: number;
  /** The newest run ends a minute before this (ms). */
  readonly now: number;
  /** Also store each run's log lines, transitions and an output (run-io.ts; default false). */
  readonly io?: boolean;
}

export interface History {
  readonly jobs: readonly HistoryJob[];
  /** Runs per state. */
  readonly states: Readonly<Record<string, number>>;
  /** First and last timestamp (ms). */
  readonly from: number;
  readonly to: number;
  /** Run numbers 1 … runs. */
  readonly lastRunNumber: number;
}

/** A small seeded generator (mulberry32): the same history every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function historyJobs(count: number): HistoryJob[] {
  const jobs: HistoryJob[] = [];
  for (let i = 0; i < count; i++) {
    const heavy = i === 0;
    const kind = heavy ? 'plain' : i % 10 < 4 ? 'date-region' : i % 10 < 7 ? 'date' : 'plain';
    const labels = [`team-${i % TEAMS}`, KINDS[i % KINDS.length]!];
    if (i % 100 === 7) labels.push(RARE_LABEL);
    jobs.push({
      jobId: `bench/job-${String(i).padStart(4, '0')}`,
      kind,
      region: kind === 'date-region' ? REGIONS[Math.floor(i / 10) % REGIONS.length] : undefined,
      labels,
      heavy,
    });
  }
  return jobs;
}

/**
 * The job file of `job`: a daily schedule at a time of day spread by job, so
 * about one run a minute comes due while a bench runs. The program is a
 * no-op so those runs need no agent; the stored history holds the procstar
 * runs a production daemon would have.
 */
export function jobFileText(job: HistoryJob, index: number): string {
  const second = (index * 86_400) / 1000;
  const daytime = new Date(Math.floor(second) * 1000).toISOString().slice(11, 19);
  const lines = [
    `metadata: {labels: [${job.labels.join(', ')}]}`,
    'program: {type: no-op, duration: 0}',
  ];
  if (job.heavy) {
    lines.push('schedule: {type: interval, interval: 1m}');
  } else if (job.kind === 'plain') {
    lines.push(`schedule: {type: daily, tz: UTC, daytime: "${daytime}"}`);
  } else {
    lines.push(job.kind === 'date' ? 'params: [date]' : 'params: [date, region]');
    const args = job.region === undefined ? '' : `, args: {region: ${job.region}}`;
    lines.push(`schedule: {type: daily, tz: UTC, daytime: "${daytime}"${args}}`);
    lines.push('condition: [{type: max_running, count: 1}]');
  }
  return `${lines.join('\n')}\n`;
}

export function writeJobFiles(dir: string, jobs: readonly HistoryJob[]): void {
  jobs.forEach((job, i) => {
    const path = join(dir, `${job.jobId}.yaml`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, jobFileText(job, i));
  });
}

const PROC_STAT = {
  pid: 31337,
  comm: 'bash',
  state: 'Z',
  ppid: 4242,
  pgrp: 31337,
  session: 31337,
  tty_nr: [0, 0],
  tpgid: null,
  flags: 4194560,
  minflt: 190,
  cminflt: 0,
  majflt: 0,
  cmajflt: 0,
  utime: 0.01,
  stime: 0.02,
  cutime: 0.5,
  cstime: 0.25,
  priority: 20,
  nice: 0,
  num_threads: 1,
  starttime: '2025-03-01T10:00:00.100+00:00',
  vsize: 8716288,
  rss: 3932160,
  rsslim: '18446744073709551615',
  signal: [],
  blocked: [],
  sigignore: ['SIGPIPE'],
  sigcatch: ['SIGCHLD'],
  wchan: 0,
  exit_signal: 'SIGCHLD',
  processor: 1,
  rt_priority: 0,
  policy: 0,
  delayacct_blkio_ticks: 0.5,
  guest_time: 0.5,
  cguest_time: 0,
  exit_code: 256,
};

const AGENT = {
  pid: 4242,
  ppid: 1,
  uid: 1000,
  euid: 1000,
  username: 'svc',
  gid: 1000,
  egid: 1000,
  groupname: 'svc',
  hostname: 'worker7',
};

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

/** What the procstar driver stores in `meta.program` (src/programs/procstar.ts `meta`). */
function procstarMeta(
  rand: () => number,
  start: number,
  stop: number,
  exitCode: number,
  hostIndex: number,
): Record<string, unknown> {
  const hex = () =>
    Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return {
    errors: [],
    status: {
      status: exitCode << 8,
      exit_code: exitCode,
      signum: null,
      signal: null,
      core_dump: false,
    },
    times: {
      start: iso(start),
      now: iso(stop + 40),
      stop: iso(stop),
      elapsed: (stop - start) / 1000,
    },
    rusage: {
      utime: Math.round(rand() * 1e5) / 1e3,
      stime: Math.round(rand() * 1e4) / 1e3,
      maxrss: 3932160 + Math.floor(rand() * 1e8),
      minflt: Math.floor(rand() * 1e5),
      majflt: 0,
      nswap: 0,
      inblock: 0,
      oublock: Math.floor(rand() * 1e4),
      nvcsw: Math.floor(rand() * 1e3),
      nivcsw: Math.floor(rand() * 100),
    },
    proc_stat: PROC_STAT,
    proc_statm: null,
    procstar_proc_id: `${hex()}-${hex().slice(0, 4)}-4${hex().slice(0, 3)}-a${hex().slice(0, 3)}-${hex()}${hex().slice(0, 4)}`,
    procstar_conn: {
      conn_id: `conn-${hostIndex}`,
      group_id: 'default',
      restricted_exe: null,
      connected: true,
      stats: { num_received: 1000, num_sent: 1000 },
    },
    procstar_agent: { ...AGENT, hostname: `worker${hostIndex}` },
    cgroup_accounting: {
      pids: { current: 0, peak: 2 },
      cpu_stat: { usage_usec: 5210, user_usec: 2100, system_usec: 3110 },
      memory: { current: 0, peak: 2437120, swap_current: 0, swap_peak: 0 },
    },
    stop: { signals: [] },
  };
}

function boundProgram(job: HistoryJob): RunRecord['program'] {
  if (job.kind === 'plain') return { type: 'no-op', duration: 0, success: true };
  return {
    type: 'procstar',
    argv: [
      '/usr/bin/bash',
      '-c',
      `/opt/pipelines/bin/${job.jobId.slice(6)} --date "$APSIS_DATE" --log-level info`,
    ],
    group_id: 'default',
    sudo_user: null,
    stop: { signal: 'SIGTERM', grace_period: 60 },
    timeout: null,
    resources: { mem_max_gb: null },
  };
}

/** Runs between waits for the outputs' compression (which queues their writes). */
const IO_WAIT_EVERY = 2000;

/**
 * Writes the history into the database at `path` (created, empty, by
 * `createDatabase`): run numbers are reserved through the store as the
 * daemon reserves them, rows are inserted in batches of 20,000 per
 * transaction, and closing the store refreshes the planner's statistics.
 */
export async function writeRunHistory(path: string, options: HistoryOptions): Promise<History> {
  const jobs = historyJobs(options.jobs);
  const rand = random(20261123);
  // Its own sequence, so the runs are the same with and without `io`.
  const ioRand = random(20261124);
  let io: Promise<void>[] = [];
  const store = createRunStore(openDatabase(path), {
    clock: systemClock,
    maxBatchOps: 20_000,
    onError: (err) => {
      throw err;
    },
  });
  const programs = jobs.map(boundProgram);
  const conds = jobs.map((job) =>
    job.kind === 'plain' ? null : [{ type: 'max_running', count: 1, job_id: job.jobId, args: {} }],
  ) as RunRecord['conds'][];
  const actions = jobs.map((job, i) =>
    i % 3 === 0
      ? [
          {
            type: 'schedule',
            job_id: 'ops/alert',
            args: { reason: `${job.jobId} failed` },
            if: { states: ['failure', 'error'] },
          },
        ]
      : [],
  ) as unknown as RunRecord['actions'][];
  const first = store.reserveRunNumbers(options.runs);
  const to = options.now - 60_000;
  const from = to - options.days * 86_400_000;
  const step = (to - from) / options.runs;
  const states: Record<string, number> = {};
  for (let k = 0; k < options.runs; k++) {
    const j = rand() < options.heavyShare ? 0 : 1 + Math.floor(rand() * (jobs.length - 1));
    const job = jobs[j]!;
    const end = Math.round(from + (k + 1) * step);
    const r = rand();
    const state: State =
      r < 0.9 ? 'success' : r < 0.96 ? 'failure' : r < 0.98 ? 'error' : 'skipped';
    states[state] = (states[state] ?? 0) + 1;
    const procstar = job.kind !== 'plain';
    const elapsedMs = procstar ? Math.round(500 + rand() * rand() * 600_000) : 0;
    const running = end - elapsedMs;
    const schedule = running - 40;
    const date = new Date(schedule).toISOString().slice(0, 10);
    const args: Record<string, string> =
      job.kind === 'plain' ? {} : job.region ? { date, region: job.region } : { date };
    const times: Record<string, number> =
      state === 'skipped'
        ? { schedule, scheduled: schedule, skipped: end }
        : {
            schedule,
            scheduled: schedule,
            ...(procstar && { waiting: schedule }),
            starting: schedule + 2,
            running,
            [state]: end,
          };
    const meta: Record<string, unknown> = { job: { labels: job.labels } };
    if (state !== 'skipped') {
      if (procstar)
        meta.program = procstarMeta(rand, running, end, state === 'success' ? 0 : 1, j % 16);
      meta.elapsed = elapsedMs / 1000;
    }
    store.insertRun({
      runId: formatRunId(first + k),
      jobId: job.jobId,
      args,
      state,
      times,
      meta,
      program: programs[j]!,
      conds: conds[j]!,
      actions: actions[j]!,
      runState: null,
      timestamp: end,
      expected: rand() < 0.95,
    });
    if (options.io) {
      io.push(writeRunIo(store, ioRand, { runId: formatRunId(first + k), state, times, procstar }));
      if (io.length >= IO_WAIT_EVERY) {
        await Promise.all(io);
        io = [];
      }
    }
  }
  await Promise.all(io);
  store.close();
  return { jobs, states, from, to, lastRunNumber: first + options.runs - 1 };
}
