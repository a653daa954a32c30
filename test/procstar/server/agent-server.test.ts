import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentUnavailableError, TIMED_OUT } from '../../../src/procstar/index.js';
import { GarbagePacer } from '../../../src/procstar/server/garbage-pacer.js';
import { ManualClock } from '../../../src/time/index.js';
import { eventually, FakeAgent, startTestServer } from '../../support/fake-agent.js';

const SPEC = { argv: ['/usr/bin/true'] };

/** Sends `data` as the stdout bytes of `procId` from `start`. */
function sendFdData(agent: FakeAgent, procId: string, start: number, data: Buffer): void {
  agent.send({
    type: 'ProcFdData',
    proc_id: procId,
    fd: 'stdout',
    start,
    stop: start + data.length,
    encoding: null,
    data,
  });
}

describe('agent server', () => {
  it('answers Register with Registered first and lists the agent in its group', async () => {
    const { server, url } = await startTestServer();
    const agent = await FakeAgent.register(url, { connId: 'c1', groupId: 'batch' });
    assert.deepEqual(agent.received, [], 'Registered was the first and only frame');
    const [view] = server.connectionViews();
    assert.equal(view?.conn_id, 'c1');
    assert.equal(view?.state, 'registered');
    assert.equal(view?.info.proc.hostname, 'worker7');
    assert.equal(view?.info.socket?.address, '127.0.0.1');
    assert.equal(view?.info.stats.num_connections, 1);
    assert.deepEqual(Object.keys(server.groups()), ['batch']);
  });

  it('refuses a wrong token, logging the address and connection id', async () => {
    const { server, url, logger } = await startTestServer();
    const agent = await FakeAgent.connect(url);
    agent.sendRegister({ connId: 'intruder', token: 'guess' });
    const closed = await agent.waitClosed();
    assert.equal(closed.code, 1008);
    assert.equal(closed.reason, 'permission denied');
    assert.equal(agent.received.length, 0, 'no Registered');
    assert.deepEqual(server.connectionViews(), []);
    const line = logger.lines.find((l) => l.message.includes('permission denied'));
    assert.equal(line?.data?.conn_id, 'intruder');
    assert.equal(line?.data?.address, '127.0.0.1');
  });

  it('closes a socket whose first message is not Register', async () => {
    const { url, logger } = await startTestServer();
    const agent = await FakeAgent.connect(url);
    agent.send({ type: 'ProcidList', proc_ids: [] });
    assert.equal((await agent.waitClosed()).code, 1008);
    assert.ok(logger.lines.some((l) => l.message === 'expected Register; got ProcidList'));
  });

  it('logs malformed and unknown frames with their type and keeps the connection', async () => {
    const { server, url, logger } = await startTestServer();
    const agent = await FakeAgent.register(url, { connId: 'c1' });
    agent.send({ type: 'ProcResult', proc_id: 'p', res: { state: 'bogus' } });
    agent.send({ type: 'Mystery', x: 1 });
    agent.sendRaw(Buffer.from([0x82, 0xa4]));
    agent.sendRaw('text is not the protocol');
    await eventually(() => logger.lines.filter((l) => l.level === 'warn').length >= 4, 'warnings');
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings[0]?.data?.type, 'ProcResult');
    assert.match(warnings[0]?.message ?? '', /bad ProcResult: res\.state/);
    assert.equal(warnings[1]?.data?.type, 'Mystery');
    assert.match(warnings[2]?.message ?? '', /not msgpack/);
    assert.match(warnings[3]?.message ?? '', /text frame/);
    assert.equal(warnings[0]?.data?.conn_id, 'c1');
    // Still usable: a start goes through.
    const handle = await server.startProc('default', 'p1', SPEC, 0);
    assert.deepEqual((await agent.nextOf('ProcStartRequest')).specs, { p1: SPEC });
    handle.detach();
  });

  it('ignores messages about processes nobody follows (procstar drops the connection)', async () => {
    const { server, url } = await startTestServer();
    const agent = await FakeAgent.register(url);
    agent.send({ type: 'ProcDelete', proc_id: 'stranger' });
    agent.send({ type: 'ProcUnknown', proc_id: 'stranger' });
    const handle = await server.startProc('default', 'p1', SPEC, 0);
    await agent.nextOf('ProcStartRequest');
    assert.equal(agent.closed, undefined);
    handle.detach();
  });

  it('routes results, output, errors and deletion to the process', async () => {
    const { server, url } = await startTestServer();
    const agent = await FakeAgent.register(url);
    const handle = await server.startProc('default', 'p1', SPEC, 0);
    await agent.nextOf('ProcStartRequest');
    handle.requestFdData('stdout', 0, 5);
    assert.deepEqual(await agent.nextOf('ProcFdDataRequest'), {
      type: 'ProcFdDataRequest',
      proc_id: 'p1',
      fd: 'stdout',
      start: 0,
      stop: 5,
    });
    sendFdData(agent, 'p1', 0, Buffer.from('hello'));
    agent.send({
      type: 'RequestError',
      msg: { type: 'ProcSignalRequest', proc_id: 'p1', signum: 15 },
      err: 'no process',
    });
    agent.send({ type: 'ProcDelete', proc_id: 'p1' });
    const fd = await handle.channel.next(5000);
    assert.ok(fd !== TIMED_OUT && fd.type === 'fd-data');
    assert.equal(Buffer.from(fd.data).toString(), 'hello');
    assert.deepEqual(await handle.channel.next(5000), {
      type: 'request-error',
      request: 'ProcSignalRequest',
      message: 'no process',
    });
    assert.deepEqual(await handle.channel.next(5000), { type: 'deleted' });
  });

  it('routes a refused start to the process by the keys of its specs', async () => {
    const { server, url } = await startTestServer();
    const agent = await FakeAgent.register(url);
    const handle = await server.startProc('default', 'p1', SPEC, 0);
    const request = await agent.nextOf('ProcStartRequest');
    agent.send({ type: 'RequestError', msg: request, err: 'agent shutting down: idling' });
    assert.deepEqual(await handle.channel.next(5000), {
      type: 'request-error',
      request: 'ProcStartRequest',
      message: 'agent shutting down: idling',
    });
  });

  it('fails a start at once when no agent is connected and start_timeout is 0', async () => {
    const { server } = await startTestServer();
    await assert.rejects(
      server.startProc('batch', 'p1', SPEC, 0),
      (err: unknown) =>
        err instanceof AgentUnavailableError &&
        err.message === 'no connected agent in group: batch',
    );
  });

  it('makes a start wait for an agent of its group within start_timeout', async () => {
    const { server, url } = await startTestServer();
    const started = server.startProc('batch', 'p1', SPEC, 10_000);
    const agent = await FakeAgent.register(url, { groupId: 'batch' });
    const handle = await started;
    assert.equal(handle.connId, 'conn-1');
    await agent.nextOf('ProcStartRequest');
  });

  it('does not start processes on an idling agent and spreads starts over agents', async () => {
    const { server, url } = await startTestServer();
    const idle = await FakeAgent.register(url, { connId: 'idle' });
    idle.send({ type: 'ShutDown', shutdown_state: 'idling' });
    await eventually(
      () => server.connectionViews().some((c) => c.shutdown_state === 'idling'),
      'idling',
    );
    const a = await FakeAgent.register(url, { connId: 'a' });
    const b = await FakeAgent.register(url, { connId: 'b' });
    const handles = await Promise.all(
      [1, 2, 3, 4].map((i) => server.startProc('default', `p${i}`, SPEC, 0)),
    );
    const counts = new Map<string, number>();
    for (const h of handles) counts.set(h.connId, (counts.get(h.connId) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { a: 2, b: 2 });
    void a;
    void b;
  });

  it('swaps in a reconnecting socket, re-asks for results of processes it still has, and reports the rest unknown', async () => {
    const { server, url } = await startTestServer();
    const first = await FakeAgent.register(url, { connId: 'c1' });
    const kept = await server.startProc('default', 'kept', SPEC, 0);
    const lost = await server.startProc('default', 'lost', SPEC, 0);
    await first.nextOf('ProcStartRequest');
    await first.nextOf('ProcStartRequest');
    const second = await FakeAgent.register(url, { connId: 'c1', procIds: ['kept'] });
    assert.equal((await first.waitClosed()).code, 1008, 'the replaced socket is closed');
    assert.deepEqual(await second.nextOf('ProcResultRequest'), {
      type: 'ProcResultRequest',
      proc_id: 'kept',
    });
    assert.deepEqual(await lost.channel.next(5000), { type: 'unknown' });
    const [view] = server.connectionViews();
    assert.equal(view?.info.stats.num_connections, 2);
    assert.equal(view?.state, 'registered');
    assert.equal(view?.info.stats.connected, true, 'the old socket closing later changes nothing');
    kept.detach();
  });

  it('refuses a connection id that registers in another group', async () => {
    const { server, url } = await startTestServer();
    await FakeAgent.register(url, { connId: 'c1', groupId: 'a' });
    const other = await FakeAgent.connect(url);
    other.sendRegister({ connId: 'c1', groupId: 'b' });
    const closed = await other.waitClosed();
    assert.equal(closed.reason, 'conn_id c1 belongs to group a');
    assert.equal(server.connectionViews()[0]?.group_id, 'a');
  });

  it('forgets an agent that does not return within reconnect_timeout and tells its processes', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { server, url } = await startTestServer({ clock, reconnectTimeoutMs: 30_000 });
    const agent = await FakeAgent.register(url, { connId: 'c1' });
    const handle = await server.startProc('default', 'p1', SPEC, 0);
    await agent.nextOf('ProcStartRequest');
    agent.close();
    await eventually(() => server.connectionViews()[0]?.state === 'disconnected', 'disconnect');
    clock.advance(29_999);
    assert.equal(server.connectionViews().length, 1, 'still inside the window');
    clock.advance(1);
    assert.deepEqual(server.connectionViews(), []);
    assert.deepEqual(await handle.channel.next(1000), {
      type: 'connection-gone',
      connId: 'c1',
      hostname: 'worker7',
      groupId: 'default',
    });
  });

  it('removes an agent that said it is done as soon as its socket closes', async () => {
    const { server, url } = await startTestServer();
    const agent = await FakeAgent.register(url, { connId: 'c1' });
    agent.send({ type: 'ShutDown', shutdown_state: 'done' });
    await eventually(() => server.connectionViews()[0]?.shutdown_state === 'done', 'done');
    agent.close();
    await eventually(() => server.connectionViews().length === 0, 'removal');
  });

  it('reconnects a process after a restart once its agent registers', async () => {
    const { server, url } = await startTestServer();
    const reconnecting = server.reconnectProc('c9', 'p1', 10_000);
    const agent = await FakeAgent.register(url, { connId: 'c9', procIds: ['p1'] });
    const handle = await reconnecting;
    assert.equal(handle.procId, 'p1');
    await agent.nextOf('ProcResultRequest');
    await assert.rejects(server.reconnectProc('nobody', 'p2', 0), /unknown connection: nobody/);
  });

  it('accepts a 64 MiB message in one frame', async () => {
    const { server, url } = await startTestServer();
    const agent = await FakeAgent.register(url);
    const handle = await server.startProc('default', 'p1', SPEC, 0);
    await agent.nextOf('ProcStartRequest');
    const data = Buffer.alloc(64 * 1024 * 1024, 0x61);
    sendFdData(agent, 'p1', 0, data);
    const event = await handle.channel.next(20_000);
    assert.ok(event !== TIMED_OUT && event.type === 'fd-data');
    assert.equal(event.data.byteLength, data.length);
  });

  it('frees an FdData frame when the reader releases it, not before', async () => {
    const { server, url } = await startTestServer();
    const agent = await FakeAgent.register(url);
    const handle = await server.startProc('default', 'p1', SPEC, 0);
    await agent.nextOf('ProcStartRequest');
    const data = Buffer.alloc(1024 * 1024, 0x62);
    sendFdData(agent, 'p1', 0, data);
    const event = await handle.channel.next(20_000);
    assert.ok(event !== TIMED_OUT && event.type === 'fd-data');
    // Held through awaits as a program holds it while it stores the chunk.
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(Buffer.from(event.data).equals(data));
    const before = process.memoryUsage().arrayBuffers;
    event.release();
    assert.equal(event.data.byteLength, 0, 'the frame is detached');
    assert.ok(before - process.memoryUsage().arrayBuffers >= data.length, 'and its memory freed');
    event.release();
  });

  it('paces garbage collection to the bytes agents send', async () => {
    const collected: unknown[] = [];
    const pacer = new GarbagePacer(4 * 1024 * 1024, (options) => collected.push(options));
    const { server, url } = await startTestServer({ garbagePacer: pacer });
    const agent = await FakeAgent.register(url);
    const handle = await server.startProc('default', 'p1', SPEC, 0);
    await agent.nextOf('ProcStartRequest');
    const data = Buffer.alloc(1024 * 1024, 0x61);
    for (let start = 0; start < 8 * data.length; start += data.length) {
      sendFdData(agent, 'p1', start, data);
      const event = await handle.channel.next(20_000);
      assert.ok(event !== TIMED_OUT && event.type === 'fd-data');
    }
    await eventually(() => collected.length === 2, 'two collections for 8 MiB of frames');
    assert.deepEqual(collected, [{ type: 'minor' }, { type: 'minor' }]);
  });
});
