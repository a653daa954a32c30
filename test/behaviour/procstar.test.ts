import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createRunStore, openDatabase, type RunRecord } from '../../src/store/index.js';
import { ManualClock } from '../../src/time/index.js';
import { Daemon } from '../support/daemon.js';
import { repoRoot, tempDir, writeFiles } from '../support/temp-dir.js';

/**
 * Procstar end to end: the real daemon process, its agent server, the real
 * agent (built in, or started here) running real processes.
 */

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function config(port: number, extra = ''): string {
  return `job_dir: jobs
database: apsis.db
schedule:
  horizon: 1h
procstar:
  agent:
    enable: true
    server: {host: 127.0.0.1, port: ${port}, access_token: t0ken}
    connection:
      start_timeout: 20s
${extra}`;
}

function withStore<T>(dir: string, fn: (store: ReturnType<typeof createRunStore>) => T): T {
  const store = createRunStore(openDatabase(join(dir, 'apsis.db')), { clock: new ManualClock(0) });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function runs(dir: string, jobId?: string): RunRecord[] {
  return withStore(dir, (s) => s.queryRuns(jobId === undefined ? {} : { jobId }));
}

function runLog(dir: string, runId: string): string[] {
  return withStore(dir, (s) => s.runLog(runId).map((e) => e.message));
}

/** Polls the database until `predicate` holds for the stored runs (real processes take real time). */
async function untilRuns(
  dir: string,
  predicate: (runs: RunRecord[]) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<RunRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = existsSync(join(dir, 'apsis.db')) ? runs(dir) : [];
    if (predicate(current)) return current;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; runs: ${current.map((r) => `${r.runId} ${r.jobId} ${r.state}`).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startDaemon(dir: string): Promise<Daemon> {
  const daemon = new Daemon(['--config', join(dir, 'apsis.yaml')]);
  after(() => daemon.kill('SIGKILL'));
  return daemon.waitFor('ready').then(() => daemon);
}

function builtinAgentPid(dir: string): number {
  return (JSON.parse(readFileSync(join(dir, 'builtin-agent.json'), 'utf8')) as { pid: number }).pid;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

function rssKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1]);
}

describe('procstar end to end', () => {
  it('runs procstar-shell jobs on the built-in agent; after a daemon SIGKILL and restart every live run reconnects and finishes once', async () => {
    const dir = tempDir('apsis-ps-');
    const port = await freePort();
    const ledger = join(dir, 'ledger.txt');
    const at = new Date(Date.now() + 1500).toISOString();
    writeFiles(dir, {
      'apsis.yaml': config(port, '    builtin: {enable: true}\n'),
      'jobs/work.yaml': `params: [n]
schedule:
  - {type: explicit, times: ["${at}"], args: {n: "1"}}
  - {type: explicit, times: ["${at}"], args: {n: "2"}}
  - {type: explicit, times: ["${at}"], args: {n: "3"}}
program:
  type: procstar-shell
  command: echo "start $APSIS_RUN_ID" >> ${ledger}; sleep 3; echo "done {{ n }} $APSIS_RUN_ID"
`,
    });
    let daemon = await startDaemon(dir);
    after(() => {
      if (existsSync(join(dir, 'builtin-agent.json'))) killQuietly(builtinAgentPid(dir), 'SIGKILL');
    });
    const live = await untilRuns(
      dir,
      (rs) => rs.filter((r) => r.state === 'running').length === 3,
      'three running runs',
    );
    daemon.kill('SIGKILL');
    await daemon.exited;
    daemon = await startDaemon(dir);
    await daemon.waitFor('built-in agent still running; adopting it');
    const done = await untilRuns(
      dir,
      (rs) => rs.length === 3 && rs.every((r) => r.state === 'success'),
      'every run to finish after the restart',
    );
    const started = readFileSync(ledger, 'utf8').trim().split('\n').sort();
    assert.deepEqual(
      started,
      live.map((r) => `start ${r.runId}`).sort(),
      'each process ran exactly once',
    );
    for (const run of done) {
      const output = withStore(dir, (s) => s.getOutput(run.runId, 'output'));
      assert.equal(output?.data.toString(), `done ${run.args.n} ${run.runId}\n`);
      assert.ok(runLog(dir, run.runId).some((l) => l.startsWith('reconnected to agent')));
    }
    daemon.kill('SIGTERM');
    await daemon.exited;
  });
});

void spawn;
void rssKb;
