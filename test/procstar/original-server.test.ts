import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fixturePath } from '../support/fixtures.js';
import { freePort } from '../support/net.js';
import { repoRoot } from '../support/temp-dir.js';

// Our agent against the original procstar 0.7.5 agent server: its own Python
// code (test/fixtures/procstar/original, unchanged), run by Debian's Python
// with python3-websockets and python3-msgpack (.ci/run installs them).
const PYTHON = '/usr/bin/python3';
const HARNESS = fixturePath('procstar/original-server.py');
const CERT = fixturePath('procstar/original/procstar/testing/localhost.crt');
const missing =
  spawnSync(PYTHON, ['-c', 'import websockets, msgpack'], { stdio: 'ignore' }).status === 0
    ? false
    : `${PYTHON} with websockets and msgpack is needed: apt-get install python3-websockets python3-msgpack`;

type Step = { step: string } & Record<string, any>;

function collect(child: ChildProcess, into: string[]): void {
  child.stdout?.setEncoding('utf8').on('data', (s: string) => into.push(s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => into.push(s));
}

/** The harness's steps, until it prints `done` or exits. */
async function runOriginalServer(
  port: number,
  token: string,
  agentToken: string,
): Promise<{ steps: Step[]; serverLog: string; agentLog: string; exit: number | null }> {
  const server = spawn(PYTHON, [HARNESS, String(port), token], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const serverErr: string[] = [];
  server.stderr.setEncoding('utf8').on('data', (s: string) => serverErr.push(s));
  const steps: Step[] = [];
  const lines = createInterface({ input: server.stdout });
  let agent: ChildProcess | undefined;
  const agentLog: string[] = [];
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  after(() => {
    server.kill('SIGKILL');
    agent?.kill('SIGKILL');
  });
  for await (const line of lines) {
    const step = JSON.parse(line) as Step;
    steps.push(step);
    if (step.step === 'listening') {
      agent = spawn(
        process.execPath,
        [
          join(repoRoot, 'dist/src/cli/apsis.js'),
          'agent',
          '--server',
          `wss://localhost:${port}`,
          '--group-id',
          'default',
          '--token',
          agentToken,
        ],
        { env: { ...process.env, PROCSTAR_AGENT_CERT: CERT }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      collect(agent, agentLog);
    }
    if (step.step === 'done') break;
  }
  agent?.kill('SIGTERM');
  const exit = await exited;
  return { steps, serverLog: serverErr.join(''), agentLog: agentLog.join(''), exit };
}

function stepNamed(steps: Step[], name: string): Step {
  const step = steps.find((s) => s.step === name);
  assert.ok(step, `no ${name} step in ${JSON.stringify(steps.map((s) => s.step))}`);
  return step;
}

describe('our agent with the original procstar agent server', { skip: missing }, () => {
  it('registers over TLS with the token and runs, signals, fetches and deletes processes', async () => {
    const port = await freePort();
    const { steps, serverLog, agentLog, exit } = await runOriginalServer(port, 's3cret', 's3cret');
    assert.equal(exit, 0, `server log:\n${serverLog}\nagent log:\n${agentLog}`);

    assert.equal(stepNamed(steps, 'registered').group_id, 'default');
    assert.equal(stepNamed(steps, 'started').result.state, 'running');

    const exited = stepNamed(steps, 'exited').result;
    assert.equal(exited.state, 'terminated');
    assert.equal(exited.status.exit_code, 3);
    assert.equal(exited.fds.stdout.text, 'hello world\n');
    assert.equal(exited.fds.stderr.text, 'oops\n');
    assert.ok(exited.times.stop >= exited.times.start);

    assert.deepEqual(
      { ...stepNamed(steps, 'fd_data'), step: undefined },
      {
        step: undefined,
        fd: 'stdout',
        start: 0,
        stop: 12,
        encoding: 'utf-8',
        data: 'hello world\n',
      },
    );
    assert.equal(stepNamed(steps, 'deleted').known, false);

    const signalled = stepNamed(steps, 'signalled').result;
    assert.equal(signalled.status.signal, 'SIGTERM');
    assert.equal(signalled.status.exit_code, null);

    const large = stepNamed(steps, 'large_output');
    assert.equal(large.result.status.exit_code, 0);
    assert.equal(large.length, 3_000_000);
    assert.equal(large.xs, 3_000_000);

    const failed = stepNamed(steps, 'exec_failed').result;
    assert.equal(failed.state, 'error');
    assert.match(failed.errors[0], /execve failed: \/nonexistent\/program/);
  });

  it('is refused by the original server with a wrong token, and says so', async () => {
    const port = await freePort();
    const server = spawn(PYTHON, [HARNESS, String(port), 'right'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const serverLog: string[] = [];
    collect(server, serverLog);
    after(() => server.kill('SIGKILL'));
    await new Promise<void>((resolve) => {
      server.stdout.on('data', (s: Buffer) => {
        if (s.toString().includes('listening')) resolve();
      });
    });
    const agent = spawn(
      process.execPath,
      [
        join(repoRoot, 'dist/src/cli/apsis.js'),
        'agent',
        '--server',
        `wss://localhost:${port}`,
        '--token',
        'wrong',
      ],
      { env: { ...process.env, PROCSTAR_AGENT_CERT: CERT }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const agentLog: string[] = [];
    collect(agent, agentLog);
    after(() => agent.kill('SIGKILL'));
    const deadline = Date.now() + 20_000;
    // The original closes the socket without a word; our agent names what happened.
    while (
      !serverLog.join('').includes('permission denied') ||
      !agentLog.join('').includes('connection closed before Registered')
    ) {
      assert.ok(
        Date.now() < deadline,
        `server log:\n${serverLog.join('')}\nagent log:\n${agentLog.join('')}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.doesNotMatch(serverLog.join(''), /connected: /);
  });
});
