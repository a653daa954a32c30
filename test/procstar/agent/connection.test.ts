import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import {
  runConnectionLoop,
  type ConnectionOptions,
} from '../../../src/procstar/agent/connection.js';
import { systemAgentClock } from '../../../src/procstar/agent/index.js';
import type { AgentMessage } from '../../../src/procstar/index.js';
import type { ScriptedServer } from '../../support/procstar-scripted-server.js';
import { scriptedServer } from './helpers.js';

/** A logger whose lines a test can read. */
function memoryLog() {
  const messages: string[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) },
  );
  return { log, messages };
}

const register = (connId: string) => (): AgentMessage => ({
  type: 'Register',
  conn: { conn_id: connId, group_id: 'g', restricted_exe: null },
  proc: {
    pid: process.pid,
    ppid: process.ppid,
    uid: 0,
    euid: 0,
    username: null,
    gid: 0,
    egid: 0,
    groupname: null,
    hostname: 'h',
  },
  proc_ids: [],
  access_token: '',
  shutdown_state: 'active',
});

function options(server: ScriptedServer, over: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return {
    serverUrl: `${server.url}/`,
    connectIntervalStartMs: 10,
    connectIntervalMult: 2,
    connectIntervalMaxMs: 20,
    connectCountMax: Infinity,
    readTimeoutMs: 60_000,
    pingIntervalMs: 20_000,
    registerTimeoutMs: 10_000,
    ...over,
  };
}

/** Runs the loop in this process; `stop()` ends it (done, then the server drops the socket). */
function runLoop(server: ScriptedServer, over: Partial<ConnectionOptions>, connId: string) {
  const { log, messages } = memoryLog();
  const done = new AbortController();
  const outcome = runConnectionLoop({
    options: options(server, over),
    trustedCa: readFileSync(server.certPath, 'utf8'),
    log,
    clock: systemAgentClock,
    register: register(connId),
    handle: () => Promise.resolve(null),
    subscribe: () => () => undefined,
    done: done.signal,
  });
  const stop = async () => {
    done.abort();
    for (const c of server.connections) c.terminate();
    return outcome;
  };
  return { outcome, messages, stop };
}

describe('agent connection loop', () => {
  it('fails an attempt whose Registered does not come within the budget, and gives up at the count', async () => {
    const server = await scriptedServer({ registered: false });
    const { outcome, messages } = runLoop(
      server,
      { registerTimeoutMs: 200, connectCountMax: 2 },
      'silent',
    );
    assert.equal(await outcome, 'gave-up');
    assert.equal(server.connections.length, 2, 'two registrations seen');
    assert.ok(messages.includes('websocket connection failed: registration took too long'));
  });

  it('refuses a server whose certificate it does not trust', async () => {
    const server = await scriptedServer();
    const { log, messages } = memoryLog();
    const outcome = await runConnectionLoop({
      options: options(server, { connectCountMax: 1 }),
      trustedCa: null,
      log,
      clock: systemAgentClock,
      register: register('untrusting'),
      handle: () => Promise.resolve(null),
      subscribe: () => () => undefined,
      done: new AbortController().signal,
    });
    assert.equal(outcome, 'gave-up');
    assert.equal(server.connections.length, 0);
    assert.ok(
      messages.some((m) => /certificate/.test(m)),
      messages.join('\n'),
    );
  });

  it('pings right after registration and then every ping interval', async () => {
    const server = await scriptedServer();
    const loop = runLoop(server, { pingIntervalMs: 50 }, 'pinger');
    const conn = await server.nextConnection('pinger');
    await conn.pingedTimes(3, 5_000);
    assert.equal(await loop.stop(), 'done');
  });

  it('drops the connection on a text frame and registers again at once', async () => {
    const server = await scriptedServer();
    const loop = runLoop(server, {}, 'texted');
    const first = await server.nextConnection('texted');
    first.sendBytes(Buffer.from('hello'), false);
    await first.closed;
    const second = await server.nextConnection('texted');
    assert.ok(second.isOpen);
    assert.ok(loop.messages.some((m) => m.endsWith('unexpected text frame')));
    assert.equal(await loop.stop(), 'done');
  });

  it('handles requests the server sends in the same breath as Registered', async () => {
    const server = await scriptedServer({
      afterRegistered: [{ type: 'ProcidListRequest' }, { type: 'ProcidListRequest' }],
    });
    const { log } = memoryLog();
    const done = new AbortController();
    const outcome = runConnectionLoop({
      options: options(server),
      trustedCa: readFileSync(server.certPath, 'utf8'),
      log,
      clock: systemAgentClock,
      register: register('eager'),
      handle: () => Promise.resolve({ type: 'ProcidList', proc_ids: [] }),
      subscribe: () => () => undefined,
      done: done.signal,
    });
    try {
      const conn = await server.nextConnection('eager');
      await conn.next('ProcidList', () => true, 5_000);
      await conn.next('ProcidList', () => true, 5_000);
    } finally {
      done.abort();
      for (const c of server.connections) c.terminate();
    }
    assert.equal(await outcome, 'done');
  });
});
