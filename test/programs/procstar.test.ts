import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { procstarDriver, type ProcstarDriverOptions } from '../../src/programs/index.js';
import type { AgentServer } from '../../src/procstar/index.js';
import { FakeAgent, startTestServer } from '../support/fake-agent.js';
import { TestRuntime } from '../support/runtime.js';

/**
 * The procstar driver inside the real runtime, against a scripted agent over
 * a real TLS websocket: every frame the daemon sends is checked, every answer
 * is the test's. Process behaviour with the real agent is in test/behaviour.
 */

const SHELL_JOB = `
params: [name]
program:
  type: procstar-shell
  command: echo hello {{ name }}
  resources: {mem_max_gb: 2}
`;

function driverOptions(server: AgentServer, over: Partial<ProcstarDriverOptions> = {}) {
  return {
    agents: server,
    startTimeoutMs: 0,
    reconnectTimeoutMs: null,
    updateIntervalMs: null,
    outputIntervalMs: null,
    sudoArgv: ['/usr/bin/sudo', '--preserve-env', '--set-home'],
    memMaxGbDefault: null,
    outputChunkBytes: 1024 * 1024,
    ...over,
  };
}

async function setup(job = SHELL_JOB, over: Partial<ProcstarDriverOptions> = {}) {
  const { server, url } = await startTestServer();
  const t = await TestRuntime.start(
    { job },
    { drivers: { procstar: procstarDriver(driverOptions(server, over)) } },
  );
  return { server, url, t };
}

/** Settles the runtime until `predicate` holds (real sockets need real time; 5 s at most). */
async function until(t: TestRuntime, predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    await t.settle();
    if (predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function result(state: 'running' | 'terminated' | 'error', over: Record<string, unknown> = {}) {
  return {
    state,
    errors: [],
    pid: 31337,
    proc_stat: null,
    proc_statm: null,
    cgroup_accounting: null,
    times: {
      start: '2026-03-02T00:00:00.000+00:00',
      now: '2026-03-02T00:00:01.000+00:00',
      stop: state === 'running' ? null : '2026-03-02T00:00:01.000+00:00',
      elapsed: 1.5,
    },
    status:
      state === 'running'
        ? null
        : { status: 0, exit_code: 0, signum: null, signal: null, core_dump: false },
    rusage: null,
    fds: { stdout: { type: 'detached', length: 0, encoding: 'base64' }, stderr: null },
    ...over,
  };
}

/** The process id of the next start the agent receives. */
async function nextStart(agent: FakeAgent): Promise<string> {
  return Object.keys((await agent.nextOf('ProcStartRequest')).specs as object)[0]!;
}

/** Takes the next start, reports the process running, and waits for the run to be running. */
async function startRunning(t: TestRuntime, agent: FakeAgent, runId: string): Promise<string> {
  const procId = await nextStart(agent);
  agent.send({ type: 'ProcResult', proc_id: procId, res: result('running') });
  await until(t, () => t.run(runId).state === 'running', 'running');
  return procId;
}

/** Reports the process ended, its output of `length` bytes kept on the agent. */
function endWithOutput(agent: FakeAgent, procId: string, length: number): void {
  agent.send({
    type: 'ProcResult',
    proc_id: procId,
    res: result('terminated', {
      fds: { stdout: { type: 'detached', length, encoding: 'base64' } },
    }),
  });
}

/** Answers output requests from `data` and the delete, as an agent does. */
async function serveOutputAndDelete(agent: FakeAgent, procId: string, data: Buffer) {
  const requests: [number, number][] = [];
  for (;;) {
    const next = await agent.nextOfAny(['ProcFdDataRequest', 'ProcDeleteRequest']);
    if (next.type === 'ProcDeleteRequest') {
      agent.send({ type: 'ProcDelete', proc_id: procId });
      return requests;
    }
    const start = next.start as number;
    const stop = Math.min(data.length, (next.stop as number | null) ?? data.length);
    requests.push([start, stop]);
    agent.send({
      type: 'ProcFdData',
      proc_id: procId,
      fd: 'stdout',
      start,
      stop,
      encoding: null,
      data: data.subarray(start, stop),
    });
  }
}

describe('procstar program driver', () => {
  it('sends the Apsis process spec and runs to success, fetching output a chunk at a time', async () => {
    const { url, t } = await setup();
    const agent = await FakeAgent.register(url, { connId: 'c1' });
    const runId = await t.submit('job', { name: 'world' });
    const start = await agent.nextOf('ProcStartRequest');
    const specs = start.specs as Record<string, Record<string, unknown>>;
    const [procId] = Object.keys(specs);
    assert.ok(procId);
    assert.deepEqual(specs[procId], {
      argv: ['/usr/bin/bash', '-c', 'echo hello world'],
      env: { inherit: true, vars: { APSIS_RUN_ID: runId } },
      fds: [
        ['stdout', { capture: { mode: 'tempfile', encoding: null, attached: false } }],
        ['stderr', { dup: { fd: 1 } }],
      ],
      systemd_properties: {
        scope: { oom_policy: null, runtime_max_usec: null, runtime_randomized_extra_usec: null },
        slice: {
          memory_accounting: true,
          memory_min: null,
          memory_low: null,
          memory_high: null,
          memory_max: 2_000_000_000,
          memory_swap_max: 0,
          tasks_accounting: true,
          tasks_max: null,
        },
      },
    });
    agent.send({ type: 'ProcResult', proc_id: procId, res: result('running') });
    await until(t, () => t.run(runId).state === 'running', 'running');
    assert.deepEqual(t.run(runId).runState, {
      conn_id: 'c1',
      proc_id: procId,
      start: '2026-03-02T00:00:00.000+00:00',
    });

    const data = Buffer.alloc(2.5 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const served = serveOutputAndDelete(agent, procId, data);
    endWithOutput(agent, procId, data.length);
    await until(t, () => t.run(runId).state === 'success', 'success');
    assert.deepEqual(await served, [
      [0, 1048576],
      [1048576, 2097152],
      [2097152, data.length],
    ]);
    const output = t.store.getOutput(runId, 'output');
    assert.equal(output?.name, 'combined stdout & stderr');
    assert.equal(output?.contentType, 'application/octet-stream');
    assert.ok(output && Buffer.from(output.data).equals(data), 'output stored exactly');
    const meta = t.run(runId).meta.program as Record<string, unknown>;
    assert.equal(meta.procstar_proc_id, procId);
    assert.equal((meta.procstar_agent as { hostname: string }).hostname, 'worker7');
    assert.deepEqual(meta.stop, { signals: [] });
    assert.equal((meta.status as { exit_code: number }).exit_code, 0);
    await t.stop();
  });

  it('stores an output that does not compress exactly, in 256 KiB pieces, each frame freed only once its piece is committed', async () => {
    // Random bytes are stored as they came, so a frame freed before its
    // commit would leave an empty or failed chunk.
    const { url, t } = await setup(SHELL_JOB, { outputChunkBytes: undefined });
    const agent = await FakeAgent.register(url);
    const runId = await t.submit('job', { name: 'noise' });
    const procId = await startRunning(t, agent, runId);
    const data = randomBytes(600 * 1024);
    const served = serveOutputAndDelete(agent, procId, data);
    endWithOutput(agent, procId, data.length);
    await until(t, () => t.run(runId).state === 'success', 'success');
    assert.deepEqual(await served, [
      [0, 262144],
      [262144, 524288],
      [524288, data.length],
    ]);
    const output = t.store.getOutput(runId, 'output');
    assert.ok(output && Buffer.from(output.data).equals(data), 'output stored exactly');
    await t.stop();
  });

  it('asks for no more output while commits are held (a VACUUM), and goes on once they are released', async () => {
    const { url, t } = await setup(SHELL_JOB, { outputChunkBytes: 1024 });
    const agent = await FakeAgent.register(url);
    const runId = await t.submit('job', { name: 'held' });
    const procId = await startRunning(t, agent, runId);
    const data = Buffer.from('0123456789'.repeat(300));
    const release = t.store.holdCommits();
    endWithOutput(agent, procId, data.length);
    const first = await agent.nextOf('ProcFdDataRequest');
    assert.deepEqual([first.start, first.stop], [0, 1024]);
    agent.send({
      type: 'ProcFdData',
      proc_id: procId,
      fd: 'stdout',
      start: 0,
      stop: 1024,
      encoding: null,
      data: data.subarray(0, 1024),
    });
    // The piece waits, uncommitted, and so does the rest of the output: on the agent's disk.
    await assert.rejects(agent.nextOf('ProcFdDataRequest', 300), /no ProcFdDataRequest/);
    const served = serveOutputAndDelete(agent, procId, data);
    release();
    await until(t, () => t.run(runId).state === 'success', 'success');
    assert.deepEqual(await served, [
      [1024, 2048],
      [2048, data.length],
    ]);
    assert.equal(t.store.getOutput(runId, 'output')?.data.toString(), data.toString());
    await t.stop();
  });

  it('ends in failure with the exit code or the signal', async () => {
    const { url, t } = await setup();
    const agent = await FakeAgent.register(url);
    for (const [status, message] of [
      [{ status: 256, exit_code: 1, signum: null, signal: null, core_dump: false }, 'exit code 1'],
      [
        { status: 15, exit_code: null, signum: 15, signal: 'SIGTERM', core_dump: false },
        'killed by SIGTERM',
      ],
    ] as const) {
      const runId = await t.submit('job', { name: 'x' });
      const procId = await nextStart(agent);
      agent.send({ type: 'ProcResult', proc_id: procId, res: result('terminated', { status }) });
      void serveOutputAndDelete(agent, procId, Buffer.alloc(0));
      await until(t, () => t.run(runId).state === 'failure', 'failure');
      assert.deepEqual(t.log(runId).at(-1), `failure: ${message}`);
    }
    await t.stop();
  });

  it('ends in error naming the group when no agent is connected', async () => {
    const { t } = await setup();
    const runId = await t.submit('job', { name: 'x' });
    await until(t, () => t.run(runId).state === 'error', 'error');
    assert.match(
      t.log(runId).join('\n'),
      /start failed: [0-9a-f-]{36}: no connected agent in group: default/,
    );
    await t.stop();
  });

  it('stops with the stop signal, then SIGKILL after the grace period', async () => {
    const job = `
program:
  type: procstar
  argv: [/usr/bin/sleep, "100"]
  stop: {signal: SIGUSR2, grace_period: 15s}
`;
    const { url, t } = await setup(job);
    const agent = await FakeAgent.register(url);
    const runId = await t.submit('job');
    const procId = await startRunning(t, agent, runId);
    t.runtime.operations.stop(runId);
    assert.equal((await agent.nextOf('ProcSignalRequest')).signum, 12);
    await t.advance(14_999);
    assert.equal(agent.received.filter((m) => m.type === 'ProcSignalRequest').length, 0);
    await t.advance(1);
    assert.equal((await agent.nextOf('ProcSignalRequest')).signum, 9);
    void serveOutputAndDelete(agent, procId, Buffer.alloc(0));
    agent.send({
      type: 'ProcResult',
      proc_id: procId,
      res: result('terminated', {
        status: { status: 9, exit_code: null, signum: 9, signal: 'SIGKILL', core_dump: false },
      }),
    });
    await until(t, () => t.run(runId).state === 'failure', 'stopped');
    const meta = t.run(runId).meta.program as { stop: { signals: string[] } };
    assert.deepEqual(meta.stop.signals, ['SIGUSR2', 'SIGKILL']);
    await t.stop();
  });

  it('times out with the timeout signal, escalates to SIGKILL, and says so', async () => {
    const job = `
program:
  type: procstar
  argv: [/usr/bin/sleep, "100"]
  timeout: {duration: 5s}
  stop: {grace_period: 2s}
`;
    const { url, t } = await setup(job);
    const agent = await FakeAgent.register(url);
    const runId = await t.submit('job');
    const procId = await nextStart(agent);
    // The timeout counts from the process start the agent reports.
    agent.send({
      type: 'ProcResult',
      proc_id: procId,
      res: result('running', {
        times: { start: new Date(t.now).toISOString(), now: '', stop: null, elapsed: 0 },
      }),
    });
    await until(t, () => t.run(runId).state === 'running', 'running');
    await t.advance(5000);
    assert.equal((await agent.nextOf('ProcSignalRequest')).signum, 15);
    await t.advance(2000);
    assert.equal((await agent.nextOf('ProcSignalRequest')).signum, 9);
    void serveOutputAndDelete(agent, procId, Buffer.alloc(0));
    agent.send({
      type: 'ProcResult',
      proc_id: procId,
      res: result('terminated', {
        status: { status: 9, exit_code: null, signum: 9, signal: 'SIGKILL', core_dump: false },
      }),
    });
    await until(t, () => t.run(runId).state === 'failure', 'failure');
    assert.equal(t.log(runId).at(-1), 'failure: killed by SIGKILL (timeout after 5 s)');
    await t.stop();
  });

  it('ends in error at once when the agent no longer knows the process', async () => {
    const { url, t } = await setup();
    const agent = await FakeAgent.register(url, { connId: 'c1' });
    const runId = await t.submit('job', { name: 'x' });
    await startRunning(t, agent, runId);
    // The agent restarted with the same connection id and an empty process table.
    agent.close();
    await FakeAgent.register(url, { connId: 'c1', procIds: [] });
    await until(t, () => t.run(runId).state === 'error', 'error');
    assert.match(t.log(runId).join('\n'), /process [0-9a-f-]+ unknown to agent c1/);
    await t.stop();
  });

  it('reconnects a running run after a restart and finishes it', async () => {
    const { url, t } = await setup();
    const agent = await FakeAgent.register(url, { connId: 'c1' });
    const runId = await t.submit('job', { name: 'x' });
    const procId = await startRunning(t, agent, runId);
    await t.restart();
    assert.equal((await agent.nextOf('ProcResultRequest')).proc_id, procId);
    const served = serveOutputAndDelete(agent, procId, Buffer.from('done\n'));
    agent.send({
      type: 'ProcResult',
      proc_id: procId,
      res: result('terminated', {
        fds: { stdout: { type: 'detached', length: 5, encoding: 'base64' } },
      }),
    });
    await until(t, () => t.run(runId).state === 'success', 'success');
    await served;
    assert.equal(t.store.getOutput(runId, 'output')?.data.toString(), 'done\n');
    assert.ok(t.log(runId).includes('reconnected to agent c1'));
    await t.stop();
  });

  it('fails a start the agent refuses with its message', async () => {
    const { url, t } = await setup();
    const agent = await FakeAgent.register(url);
    const runId = await t.submit('job', { name: 'x' });
    const request = await agent.nextOf('ProcStartRequest');
    agent.send({ type: 'RequestError', msg: request, err: 'agent shutting down: idling' });
    await until(t, () => t.run(runId).state === 'error', 'error');
    assert.match(
      t.log(runId).join('\n'),
      /start failed: .*: agent error response to message: agent shutting down: idling/,
    );
    await t.stop();
  });
});
