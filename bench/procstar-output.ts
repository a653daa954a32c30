/**
 * What storing a large output costs the daemon: the real daemon (`apsisctl
 * serve` from dist/, with its built-in agent, over TLS on 127.0.0.1) runs
 * `procstar-shell` jobs that print `--sizes` MB each (base64 of random
 * bytes, 100 characters a line: text that compresses to about 75 %, the hard
 * case for the store), one after another.
 *
 *   npm run build && node dist/bench/procstar-output.js [--sizes 100,1000] [--warmup 20] [--dir DIR]
 *
 * First a `--warmup` MB run (none with 0), so the daemon has compressed,
 * stored and fetched once. Then for each size: two full garbage collections in the
 * daemon, its RSS then (the settled baseline) and its kernel peak reset
 * (bench/support/daemon-probe.ts), the run, and the daemon's peak RSS over
 * the baseline, its RSS at the end and after two more collections, the
 * most memory its ArrayBuffers held, how many full collections V8 ran, its
 * event-loop lag, and the agent's RSS. Throughput is the output's size over
 * the time from the process's end (when the daemon fetches what it has not
 * yet) to the run's success.
 *
 * It prints figures; it asserts nothing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, freePort } from './support/daemon.js';
import type { ProbeFigures } from './support/daemon-probe.js';
import {
  benchDir,
  listOption,
  machineLine,
  mb,
  ms,
  option,
  printTable,
  procStatusBytes,
} from './support/measure.js';

const JOB_ID = 'bench/output';
const TOKEN = 'bench-token';
const RUN_TIMEOUT_MS = 600_000;
const FINISHED = new Set(['success', 'failure', 'error']);

/** Bytes of `head -c` whose base64, 100 characters a line, is `mb` MB. */
function rawBytes(mb: number): number {
  return Math.round((mb * 1e6 * 3) / 4 / (101 / 100));
}

function writeJob(jobDir: string): void {
  mkdirSync(join(jobDir, 'bench'), { recursive: true });
  writeFileSync(
    join(jobDir, `${JOB_ID}.yaml`),
    'params: [bytes]\n' +
      'program:\n' +
      '  type: procstar-shell\n' +
      '  command: "head -c {{ bytes }} /dev/urandom | base64 -w 100"\n',
  );
}

async function api<T>(daemon: Daemon, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${daemon.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

interface RunJso {
  state: string;
  times: Record<string, string>;
  meta?: { program?: { times?: { stop?: string | null } } };
}

async function untilAgent(daemon: Daemon): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Object.keys(await api<object>(daemon, '/api/procstar/connections')).length === 0) {
    if (Date.now() > deadline) throw new Error('the built-in agent did not connect in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Schedules one run printing `size` MB now and resolves with it once it is finished. */
async function runOutput(daemon: Daemon, size: number): Promise<{ runId: string; run: RunJso }> {
  const created = await api<{ runs: Record<string, RunJso> }>(daemon, '/api/v1/runs', {
    job_id: JOB_ID,
    args: { bytes: String(rawBytes(size)) },
    times: { schedule: 'now' },
  });
  const runId = Object.keys(created.runs)[0]!;
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const { runs } = await api<{ runs: Record<string, RunJso> }>(daemon, `/api/v1/runs/${runId}`);
    const run = runs[runId]!;
    if (FINISHED.has(run.state)) return { runId, run };
    if (Date.now() > deadline) throw new Error(`${runId} still ${run.state} after 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function agentPid(dbDir: string): number {
  const { pid } = JSON.parse(readFileSync(join(dbDir, 'builtin-agent.json'), 'utf8')) as {
    pid: number;
  };
  return pid;
}

interface SizeFigures {
  size: number;
  state: string;
  stored: number;
  storeSeconds: number;
  probe: ProbeFigures;
  agentBefore: number;
  agentPeak: number;
}

async function measure(daemon: Daemon, agent: number, size: number): Promise<SizeFigures> {
  await daemon.markSettled();
  const agentBefore = procStatusBytes(agent, 'VmRSS');
  let agentPeak = agentBefore;
  const agentProbe = setInterval(
    () => (agentPeak = Math.max(agentPeak, procStatusBytes(agent, 'VmRSS'))),
    50,
  );
  try {
    const { runId, run } = await runOutput(daemon, size);
    const probe = await daemon.read();
    const outputs = await api<{ output_id: string; output_len: number }[]>(
      daemon,
      `/api/v1/runs/${runId}/outputs`,
    );
    const stop = run.meta?.program?.times?.stop;
    const end = run.times[run.state];
    const storeSeconds = stop && end ? (Date.parse(end) - Date.parse(stop)) / 1000 : Number.NaN;
    return {
      size,
      state: run.state,
      stored: outputs[0]?.output_len ?? 0,
      storeSeconds,
      probe,
      agentBefore,
      agentPeak,
    };
  } finally {
    clearInterval(agentProbe);
  }
}

async function main(): Promise<void> {
  const sizes = listOption('sizes', [100, 1000]);
  const warmup = option('warmup', 20);
  let daemon: Daemon | undefined;
  const work = benchDir('apsis-bench-output-', () => daemon?.kill());
  try {
    const jobDir = join(work.dir, 'jobs');
    writeJob(jobDir);
    const port = await freePort();
    daemon = await Daemon.start({
      dir: work.dir,
      jobDir,
      dbPath: join(work.dir, 'apsis.db'),
      config: [
        'procstar:',
        '  agent:',
        `    server: {host: 127.0.0.1, port: ${port}, access_token: ${TOKEN}}`,
        '    builtin: {enable: true}',
      ].join('\n'),
    });
    await untilAgent(daemon);
    const agent = agentPid(work.dir);
    console.log(machineLine());
    if (warmup > 0) {
      console.log(`warm-up: ${warmup} MB`);
      await runOutput(daemon, warmup);
    }
    const rows: string[][] = [
      [
        'output',
        'state',
        'store s',
        'MB/s',
        'settled RSS',
        'peak +',
        'end +',
        'settled +',
        'of which V8 / malloc / file',
        'ArrayBuffers max',
        'full GCs',
        'loop p99',
        'loop max',
        'agent peak +',
      ],
    ];
    for (const size of sizes) {
      const f = await measure(daemon, agent, size);
      const p = f.probe;
      rows.push([
        mb(f.stored),
        f.state,
        f.storeSeconds.toFixed(1),
        (f.stored / 1e6 / f.storeSeconds).toFixed(0),
        mb(p.startRss),
        mb(p.peakRss - p.startRss),
        mb(p.rss - p.startRss),
        mb(p.settledRss - p.startRss),
        [
          p.settledParts.v8 - p.startParts.v8,
          p.settledParts.otherAnon - p.startParts.otherAnon,
          p.settledParts.file - p.startParts.file,
        ]
          .map((bytes) => (bytes / 1e6).toFixed(1))
          .join(' / '),
        mb(p.peakArrayBuffers),
        String(p.majorGcs),
        ms(p.loop.timeLagP99),
        ms(p.loop.tickLagMax),
        mb(f.agentPeak - f.agentBefore),
      ]);
    }
    printTable(rows);
  } finally {
    await daemon?.stop();
    try {
      process.kill(agentPid(work.dir), 'SIGTERM');
    } catch {
      // Already gone: a clean stop with nothing running stops it.
    }
    work.done();
  }
}

await main();
