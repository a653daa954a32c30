import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createRunStore, openDatabase, type RunRecord } from '../../src/store/index.js';
import { ManualClock } from '../../src/time/index.js';
import { Daemon } from '../support/daemon.js';
import { repoRoot, tempDir, writeFiles } from '../support/temp-dir.js';
import { freePort } from '../support/net.js';

/**
 * Procstar end to end: the real daemon process, its agent server, the real
 * agent (built in, or started here) running real processes.
 */

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

  it('escalates a timeout to SIGKILL for a process that ignores SIGTERM, refuses a bad token, and ends runs in error when their agent dies', async () => {
    const dir = tempDir('apsis-ps-');
    const port = await freePort();
    const soon = new Date(Date.now() + 1500).toISOString();
    writeFiles(dir, {
      'apsis.yaml': config(port, '      reconnect_timeout: 1s\n'),
      'jobs/stubborn.yaml': `schedule: {type: explicit, times: ["${soon}"]}
program:
  type: procstar-shell
  command: trap "echo ignoring TERM" TERM; for i in $(seq 100); do sleep 0.1; done
  timeout: {duration: 1s}
  stop: {grace_period: 1s}
`,
      'jobs/orphan.yaml': `schedule: {type: explicit, times: ["${soon}"]}
program:
  type: procstar
  group_id: remote
  argv: [/usr/bin/sleep, "60"]
`,
    });
    const daemon = await startDaemon(dir);
    const agentArgs = (group: string, token: string) => [
      join(repoRoot, 'dist', 'src', 'cli', 'apsis.js'),
      'agent',
      '--server',
      `wss://localhost:${port}`,
      '--group-id',
      group,
      '--token',
      token,
      '--connect-interval-start',
      '0.1',
    ];
    const env = { ...process.env, PROCSTAR_AGENT_CERT: join(dir, 'procstar-agent.crt') };

    // A wrong token: refused and logged; the agent gives up after one attempt.
    const intruder = spawn(
      process.execPath,
      [...agentArgs('default', 'wrong'), '--connect-count-max', '1'],
      { env, stdio: 'ignore' },
    );
    const intruderExit = new Promise<number | null>((r) => intruder.on('exit', (code) => r(code)));
    const refused = await daemon.waitFor(/permission denied/);
    assert.equal(refused.address, '127.0.0.1');
    assert.equal(typeof refused.conn_id, 'string');
    assert.equal(await intruderExit, 1);

    const local = spawn(process.execPath, agentArgs('default', 't0ken'), { env, stdio: 'ignore' });
    const remote = spawn(process.execPath, agentArgs('remote', 't0ken'), { env, stdio: 'ignore' });
    after(() => {
      local.kill('SIGKILL');
      remote.kill('SIGKILL');
    });

    const stubborn = await untilRuns(
      dir,
      (rs) => rs.some((r) => r.jobId === 'stubborn' && r.state === 'failure'),
      'the stubborn run to be killed',
    );
    const run = stubborn.find((r) => r.jobId === 'stubborn')!;
    const log = runLog(dir, run.runId);
    assert.ok(log.includes('timeout after 1 s: sending SIGTERM'), log.join('\n'));
    assert.ok(log.includes('timeout: grace period over'), log.join('\n'));
    assert.equal(log.at(-1), 'failure: killed by SIGKILL (timeout after 1 s)');
    const program = run.meta.program as { stop: { signals: string[] } };
    assert.deepEqual(program.stop.signals, ['SIGTERM', 'SIGKILL']);
    const output = withStore(dir, (s) => s.getOutput(run.runId, 'output'));
    assert.match(output?.data.toString() ?? '', /ignoring TERM/);

    await untilRuns(
      dir,
      (rs) => rs.some((r) => r.jobId === 'orphan' && r.state === 'running'),
      'the remote run to run',
    );
    remote.kill('SIGKILL');
    const orphan = (
      await untilRuns(
        dir,
        (rs) => rs.some((r) => r.jobId === 'orphan' && r.state === 'error'),
        'the orphaned run to end in error',
      )
    ).find((r) => r.jobId === 'orphan')!;
    assert.match(
      runLog(dir, orphan.runId).join('\n'),
      /error: procstar: agent [0-9a-f-]+ on \S+ \(group remote\) did not reconnect within reconnect_timeout/,
    );
    daemon.kill('SIGTERM');
    await daemon.exited;
  });

  it('stores a 270 MB output without the daemon holding it in memory', async (t) => {
    const dir = tempDir('apsis-ps-');
    // Due once the daemon has settled: its first seconds grow its heap anyway.
    const due = Date.now() + 6000;
    const port = await freePort();
    writeFiles(dir, {
      'apsis.yaml': config(port, '    builtin: {enable: true}\n'),
      'jobs/big.yaml': `schedule: {type: explicit, times: ["${new Date(due).toISOString()}"]}
program:
  type: procstar-shell
  command: head -c 200000000 /dev/urandom | base64 -w 100
`,
    });
    const daemon = await startDaemon(dir);
    after(() => {
      if (existsSync(join(dir, 'builtin-agent.json'))) killQuietly(builtinAgentPid(dir), 'SIGKILL');
    });
    await daemon.waitFor('agent registered');
    await new Promise((r) => setTimeout(r, Math.max(0, due - 500 - Date.now())));
    const pid = daemon.child.pid!;
    const before = rssKb(pid, 'VmHWM');
    const [run] = await untilRuns(
      dir,
      (rs) => rs.length === 1 && rs[0]!.state === 'success',
      'the big run to succeed',
      90_000,
    );
    const peakGrowthMb = (rssKb(pid, 'VmHWM') - before) / 1024;
    const length = withStore(dir, (s) => s.outputLength(run!.runId, 'output'));
    assert.ok(length > 260_000_000, `output of ${length} bytes`);
    // Holding the output whole would add over 270 MB. Fetched 256 KiB at a
    // time, each frame and compressed copy freed once stored, collections
    // paced to the frames and SQLite's page cache released, the peak grows by
    // 8-13 MB here: the first output's one-time working set (JIT code,
    // compression threads' arenas), which a later output does not add to
    // (bench/procstar-output.ts). It was 17-76 MB with 1 MiB frames left to
    // the collector. The bound leaves room for slower machines.
    t.diagnostic(`daemon peak RSS grew ${peakGrowthMb.toFixed(1)} MB`);
    assert.ok(peakGrowthMb < 30, `daemon peak RSS grew ${peakGrowthMb.toFixed(1)} MB`);
    daemon.kill('SIGTERM');
    await daemon.exited;
  });
});
