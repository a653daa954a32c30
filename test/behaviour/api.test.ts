import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { Daemon } from '../support/daemon.js';
import { tempDir, writeFiles } from '../support/temp-dir.js';
import { freePort } from '../support/net.js';

/**
 * The HTTP API of the real daemon process, over real HTTP and websockets,
 * driving real processes on the built-in agent.
 */

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: 'Bearer s3cret', 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const STUBBORN = `params: [label]
program:
  type: procstar-shell
  command: >-
    trap 'echo got USR1' USR1; trap 'echo ignoring TERM' TERM;
    echo "hello {{ label }}"; for i in $(seq 300); do sleep 0.1; done
  stop: {grace_period: 1s}
`;

describe('the HTTP API of the daemon', () => {
  it('lists its agents, schedules a real process, streams its transitions and output live, signals and stops it (SIGTERM ignored, then SIGKILL), and restarts on request', async () => {
    const dir = tempDir('apsis-api-');
    const agentPort = await freePort();
    writeFiles(dir, {
      'apsis.yaml': `job_dir: jobs
database: apsis.db
api: {token: s3cret}
procstar:
  agent:
    enable: true
    server: {host: 127.0.0.1, port: ${agentPort}, access_token: t0ken}
    connection: {start_timeout: 20s}
    builtin: {enable: true}
    run: {update_interval: 0.2s, output_interval: 0.2s}
`,
      'jobs/stubborn.yaml': STUBBORN,
    });
    const pids: number[] = [];
    after(() => {
      for (const pid of pids) killQuietly(pid, 'SIGKILL');
      const pidFile = join(dir, 'builtin-agent.json');
      if (existsSync(pidFile))
        killQuietly((JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid, 'SIGKILL');
    });
    // A fixed port, so the restarted daemon (same command line) is found again.
    const apiPort = await freePort();
    const daemon = new Daemon(['--config', join(dir, 'apsis.yaml'), '--port', String(apiPort)]);
    pids.push(daemon.child.pid as number);
    const base = await daemon.apiUrl();
    await daemon.waitFor('ready');

    // The token is required.
    assert.equal((await fetch(`${base}/api/v1/alive`)).status, 401);
    assert.deepEqual(await call(base, 'GET', '/api/v1/running'), {});

    // The built-in agent is listed, by connection and by group, and on the summary stream.
    const conns = await until('the built-in agent to connect', async () => {
      const c = await call(base, 'GET', '/api/procstar/connections');
      return Object.keys(c).length > 0 ? c : undefined;
    });
    const [conn] = Object.values(conns) as any[];
    assert.equal(conn.info.conn.group_id, 'default');
    assert.equal(conn.shutdown_state, 'active');
    assert.equal(typeof conn.info.proc.pid, 'number');
    const groups = await call(base, 'GET', '/api/procstar/groups');
    assert.deepEqual(
      groups.default.map((c: any) => c.conn_id),
      Object.keys(conns),
    );
    const summary = new WebSocket(`${base.replace('http', 'ws')}/api/v1/summary?init`, {
      headers: { authorization: 'Bearer s3cret' },
    });
    const messages: any[] = [];
    summary.on('message', (data) => messages.push(...(JSON.parse(data.toString()) as any[])));
    await until('the snapshot', async () =>
      messages.some((m) => m.type === 'agent_conn') ? true : undefined,
    );
    assert.ok(messages.some((m) => m.type === 'job' && m.job.job_id === 'stubborn'));

    const created = await call(base, 'POST', '/api/v1/runs', {
      job_id: 'stubborn',
      args: { label: 'world' },
    });
    const runId = Object.keys(created.runs)[0] as string;

    // Follow the output from byte 0 over the output websocket.
    const frames: Buffer[] = [];
    const ws = new WebSocket(
      `${base.replace('http', 'ws')}/api/v1/runs/${runId}/output/output/updates?start=0&access_token=s3cret`,
    );
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    ws.on('message', (data) => frames.push(data as Buffer));
    const text = () => frames.map((f) => f.subarray(f.indexOf('\r\n\r\n') + 4).toString()).join('');
    await until('the greeting on the output websocket', async () =>
      text().includes('hello world') ? true : undefined,
    );
    assert.match(
      frames[0]!.toString(),
      /^Content-Type: application\/octet-stream\r\nContent-Range: bytes=0-/,
    );

    await until('the run_transition to running', async () =>
      messages.some(
        (m) =>
          m.type === 'run_transition' &&
          m.run_summary.run_id === runId &&
          m.run_summary.state === 'running',
      )
        ? true
        : undefined,
    );
    summary.close();

    await call(base, 'PUT', `/api/v1/runs/${runId}/signal/USR1`);
    await until('the USR1 trap', async () => (text().includes('got USR1') ? true : undefined));

    const stopping = await call(base, 'PUT', `/api/v1/runs/${runId}/stop`);
    assert.equal(stopping.runs[runId].state, 'stopping');
    const ended = await until('the stopped run to end', async () => {
      const run = (await call(base, 'GET', `/api/v1/runs/${runId}`)).runs[runId];
      return ['success', 'failure', 'error'].includes(run.state) ? run : undefined;
    });
    assert.equal(ended.state, 'failure');
    assert.deepEqual(ended.meta.program.stop.signals, ['SIGUSR1', 'SIGTERM', 'SIGKILL']);
    await closed;
    assert.match(text(), /ignoring TERM/);

    const log = await call(base, 'GET', `/api/v1/runs/${runId}/log`);
    assert.ok(
      log.run_log.some((e: any) => /stop/.test(e.message)),
      JSON.stringify(log),
    );

    // Restart on request: the daemon stops, a new one starts and serves the same runs.
    assert.deepEqual(await call(base, 'POST', '/api/control/shut_down?restart'), {});
    const restarting = await daemon.waitFor('restarting');
    pids.push(restarting.pid as number);
    await daemon.exited;
    const again = await until('the restarted daemon', async () => {
      try {
        return await call(base, 'GET', `/api/v1/runs/${runId}`);
      } catch {
        return undefined;
      }
    });
    assert.equal(again.runs[runId].state, 'failure');
    killQuietly(restarting.pid as number, 'SIGTERM');
  });
});
