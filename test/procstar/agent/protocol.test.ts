import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { describe, it } from 'node:test';
import type { AgentMessage, MessageOf } from '../../../src/procstar/index.js';
import type { ScriptedConnection, ScriptedServer } from '../../support/procstar-scripted-server.js';
import { repoRoot } from '../../support/temp-dir.js';
import { AgentChild, TOKEN, keysOf, scriptedServer } from './helpers.js';

type Msg<T extends AgentMessage['type']> = MessageOf<AgentMessage, T>;

const RES_KEYS = [
  'state',
  'errors',
  'pid',
  'proc_stat',
  'proc_statm',
  'cgroup_accounting',
  'times',
  'status',
  'rusage',
  'fds',
];
const PROC_STAT_KEYS = [
  'pid', 'comm', 'state', 'ppid', 'pgrp', 'session', 'tty_nr', 'tpgid', 'flags', 'minflt',
  'cminflt', 'majflt', 'cmajflt', 'utime', 'stime', 'cutime', 'cstime', 'priority', 'nice',
  'num_threads', 'starttime', 'vsize', 'rss', 'rsslim', 'signal', 'blocked', 'sigignore',
  'sigcatch', 'wchan', 'exit_signal', 'processor', 'rt_priority', 'policy',
  'delayacct_blkio_ticks', 'guest_time', 'cguest_time', 'exit_code',
]; // prettier-ignore
const RUSAGE_KEYS = [
  'utime', 'stime', 'maxrss', 'minflt', 'majflt', 'nswap', 'inblock', 'oublock', 'nvcsw', 'nivcsw',
]; // prettier-ignore
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?\+00:00$/;

// Shared by every test: set up at the top level, so the cleanups registered
// with after() run when the file ends (registered in a before() hook, they
// would run when the hook ends).
const server: ScriptedServer = await scriptedServer({ accessToken: TOKEN });
const agent = new AgentChild(server, [], { env: { AGENT_TEST_VAR: 'from-agent' } });
const conn: ScriptedConnection = await server.nextConnection(agent.connId);

function start(spec: Record<string, unknown>, procId: string = randomUUID()): string {
  conn.send({ type: 'ProcStartRequest', specs: { [procId]: spec } });
  return procId;
}

/** The raw (wire-order) frame of a message taken from the connection. */
function rawOf(message: AgentMessage): Record<string, unknown> {
  const frame = conn.frames.find((f) => f.message === message);
  assert.ok(frame, 'frame recorded');
  return frame.raw as Record<string, unknown>;
}

async function requestError(procId: string): Promise<Msg<'RequestError'>> {
  return (await conn.nextFor(procId, ['RequestError'])) as Msg<'RequestError'>;
}

/** The RequestError for a start request that named `procId`. */
function startError(procId: string): Promise<Msg<'RequestError'>> {
  return conn.next('RequestError', (m) =>
    Object.keys((m.msg as { specs?: object }).specs ?? {}).includes(procId),
  );
}

async function runToEnd(spec: Record<string, unknown>): Promise<[string, Msg<'ProcResult'>]> {
  const procId = start(spec);
  return [procId, await conn.finalResult(procId)];
}

async function deleteProc(procId: string): Promise<void> {
  conn.send({ type: 'ProcDeleteRequest', proc_id: procId });
  await conn.next('ProcDelete', (m) => m.proc_id === procId);
}

describe('procstar agent protocol', () => {
  it('registers first with its connection, process and state, keys in the Rust order', async () => {
    const raw = conn.register.raw as Record<string, Record<string, unknown>>;
    assert.deepEqual(keysOf(raw), [
      'type',
      'conn',
      'proc',
      'proc_ids',
      'access_token',
      'shutdown_state',
    ]);
    assert.deepEqual(raw.conn, {
      conn_id: agent.connId,
      group_id: 'test-group',
      restricted_exe: null,
    });
    assert.deepEqual(keysOf(raw.conn), ['conn_id', 'group_id', 'restricted_exe']);
    assert.deepEqual(keysOf(raw.proc), [
      'pid',
      'ppid',
      'uid',
      'euid',
      'username',
      'gid',
      'egid',
      'groupname',
      'hostname',
    ]);
    assert.equal(raw.proc!.pid, agent.pid);
    assert.equal(raw.proc!.ppid, process.pid);
    assert.equal(raw.proc!.uid, process.getuid!());
    assert.equal(raw.proc!.username, userInfo().username);
    assert.equal(raw.proc!.hostname, hostname());
    assert.deepEqual(raw.proc_ids, []);
    assert.equal(raw.access_token, TOKEN);
    assert.equal(raw.shutdown_state, 'active');
    await conn.pinged;
  });

  it('runs echo with an attached memory capture and returns its text', async () => {
    const [procId, result] = await runToEnd({
      argv: ['/bin/echo', 'Hello, world!'],
      fds: [['stdout', { capture: { mode: 'memory', encoding: 'utf-8', attached: true } }]],
    });
    const { res } = result;
    assert.equal(res.state, 'terminated');
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.fds, {
      stdout: { type: 'text', text: 'Hello, world!\n', encoding: 'utf-8' },
    });
    assert.deepEqual(res.status, {
      status: 0,
      exit_code: 0,
      signum: null,
      signal: null,
      core_dump: false,
    });
    const raw = rawOf(result);
    assert.deepEqual(keysOf(raw), ['type', 'proc_id', 'res']);
    const rawRes = raw.res as Record<string, Record<string, unknown>>;
    assert.deepEqual(keysOf(rawRes), RES_KEYS);
    assert.deepEqual(keysOf(rawRes.times), ['start', 'now', 'stop', 'elapsed']);
    assert.deepEqual(keysOf(rawRes.status), [
      'status',
      'exit_code',
      'signum',
      'signal',
      'core_dump',
    ]);
    assert.deepEqual(keysOf(rawRes.rusage), RUSAGE_KEYS);
    assert.deepEqual(keysOf(rawRes.fds!.stdout), ['type', 'text', 'encoding']);
    assert.ok(res.pid > 0);
    assert.match(res.times.start, RFC3339);
    assert.match(res.times.stop!, RFC3339);
    assert.equal(res.proc_statm, null);
    assert.equal(res.cgroup_accounting, null);
    for (const key of RUSAGE_KEYS) assert.equal(typeof res.rusage![key], 'number', key);
    if (res.proc_stat !== null) {
      assert.deepEqual(keysOf(rawRes.proc_stat), PROC_STAT_KEYS);
      assert.equal(res.proc_stat.pid, res.pid);
      assert.equal(res.proc_stat.state, 'Z');
    }
    await deleteProc(procId);
  });

  it('pushes a running result at start with proc_stat and proc_statm, and answers result requests', async () => {
    const procId = start({ argv: ['/bin/sleep', '30'] });
    const first = await conn.next('ProcResult', (m) => m.proc_id === procId);
    assert.equal(first.res.state, 'running');
    conn.send({ type: 'ProcResultRequest', proc_id: procId });
    const { res } = await conn.next('ProcResult', (m) => m.proc_id === procId);
    assert.equal(res.state, 'running');
    assert.equal(res.status, null);
    assert.equal(res.rusage, null);
    assert.equal(res.times.stop, null);
    assert.equal(res.proc_stat?.comm, 'sleep');
    assert.equal(res.proc_stat?.session, res.pid, 'the child leads its own session');
    assert.deepEqual(keysOf(res.proc_statm), ['size', 'resident', 'shared', 'text', 'data']);
    conn.send({ type: 'ProcDeleteRequest', proc_id: procId });
    assert.equal((await requestError(procId)).err, `process running: ${procId}`);
    conn.send({ type: 'ProcSignalRequest', proc_id: procId, signum: 15 });
    const final = await conn.finalResult(procId);
    assert.deepEqual(final.res.status, {
      status: 15,
      exit_code: null,
      signum: 15,
      signal: 'SIGTERM',
      core_dump: false,
    });
    conn.send({ type: 'ProcSignalRequest', proc_id: procId, signum: 15 });
    const late = await requestError(procId);
    assert.equal(late.err, 'no process');
    assert.deepEqual(late.msg, { type: 'ProcSignalRequest', proc_id: procId, signum: 15 });
    await deleteProc(procId);
    conn.send({ type: 'ProcDeleteRequest', proc_id: procId });
    await conn.next('ProcUnknown', (m) => m.proc_id === procId);
  });

  it('runs the Apsis spec: detached tempfile with stderr merged, fetched in exact chunks as bin', async () => {
    const lines = 40_000;
    const expected = Buffer.from(
      `out\nerr\n${Array.from({ length: lines }, (_, i) => `${i + 1}\n`).join('')}`,
    );
    const [procId, result] = await runToEnd({
      argv: ['/bin/bash', '-c', `echo out; echo err >&2; seq 1 ${lines}`],
      env: { inherit: true, vars: { APSIS_RUN_ID: 'r1234' } },
      fds: [
        ['stdout', { capture: { mode: 'tempfile', encoding: null, attached: false } }],
        ['stderr', { dup: { fd: 1 } }],
      ],
      systemd_properties: {
        scope: { oom_policy: null, runtime_max_usec: null, runtime_randomized_extra_usec: null },
        slice: { memory_accounting: true, memory_max: 4_000_000_000, tasks_max: null },
      },
    });
    assert.equal(result.res.state, 'terminated');
    assert.deepEqual(result.res.fds, {
      stderr: null,
      stdout: { type: 'detached', length: expected.length, encoding: 'base64' },
    });
    const chunk = 65_536;
    const parts: Buffer[] = [];
    for (let start = 0; start < expected.length; start += chunk) {
      conn.send({
        type: 'ProcFdDataRequest',
        proc_id: procId,
        fd: 'stdout',
        start,
        stop: start + chunk,
      });
      const data = await conn.next('ProcFdData', (m) => m.proc_id === procId);
      const raw = rawOf(data);
      assert.deepEqual(keysOf(raw), ['type', 'proc_id', 'fd', 'start', 'stop', 'encoding', 'data']);
      assert.ok(raw.data instanceof Uint8Array, 'data is msgpack bin');
      assert.equal(data.start, start);
      assert.equal(data.stop, Math.min(start + chunk, expected.length));
      assert.equal(data.encoding, null);
      parts.push(Buffer.from(data.data));
    }
    assert.ok(Buffer.concat(parts).equals(expected), 'chunks reassemble the output exactly');
    conn.send({ type: 'ProcFdDataRequest', proc_id: procId, fd: 'stdout', start: 8, stop: null });
    const rest = await conn.next('ProcFdData', (m) => m.proc_id === procId);
    assert.equal(rest.stop, expected.length);
    assert.ok(Buffer.from(rest.data).equals(expected.subarray(8)));
    const end = expected.length;
    conn.send({
      type: 'ProcFdDataRequest',
      proc_id: procId,
      fd: 'stdout',
      start: end - 2,
      stop: end + 100,
    });
    const short = await conn.next('ProcFdData', (m) => m.proc_id === procId);
    assert.equal(short.stop, end, 'stop past the end: what exists, and where it ended');
    assert.equal(Buffer.from(short.data).toString(), expected.subarray(end - 2).toString());
    conn.send({
      type: 'ProcFdDataRequest',
      proc_id: procId,
      fd: 'stdout',
      start: end + 5,
      stop: null,
    });
    const past = await conn.next('ProcFdData', (m) => m.proc_id === procId);
    assert.deepEqual([past.start, past.stop, past.data.length], [end + 5, end + 5, 0]);
    conn.send({ type: 'ProcFdDataRequest', proc_id: procId, fd: 'stdout', start: 10, stop: 5 });
    assert.match((await requestError(procId)).err, /^bad range: stop 5 is before start 10/);
    await deleteProc(procId);
  });

  it('reports unknown processes, bad fds and uncaptured fds with the original texts', async () => {
    const [procId] = await runToEnd({ argv: ['/bin/true'], fds: [['stdout', 'inherit']] });
    const unknown = randomUUID();
    conn.send({ type: 'ProcResultRequest', proc_id: unknown });
    await conn.next('ProcUnknown', (m) => m.proc_id === unknown);
    conn.send({ type: 'ProcSignalRequest', proc_id: unknown, signum: 9 });
    await conn.next('ProcUnknown', (m) => m.proc_id === unknown);
    conn.send({ type: 'ProcFdDataRequest', proc_id: unknown, fd: 'x', start: 0, stop: null });
    const bad = await requestError(unknown);
    assert.equal(bad.err, 'bad fd: x');
    assert.deepEqual(bad.msg, {
      type: 'ProcFdDataRequest',
      proc_id: unknown,
      fd: 'x',
      start: 0,
      stop: null,
    });
    conn.send({ type: 'ProcFdDataRequest', proc_id: procId, fd: 'stdout', start: 0, stop: null });
    assert.equal((await requestError(procId)).err, 'no fd data');
    conn.send({ type: 'ProcFdDataRequest', proc_id: procId, fd: '7', start: 0, stop: null });
    assert.equal((await requestError(procId)).err, 'no fd: 7');
    conn.send({ type: 'ProcFdDataRequest', proc_id: procId, fd: 'stdout', start: -1, stop: 3 });
    assert.match((await requestError(procId)).err, /^bad range: start -1/);
    conn.send({ type: 'ProcidListRequest' });
    const list = await conn.next('ProcidList');
    assert.deepEqual(keysOf(rawOf(list)), ['type', 'proc_ids']);
    assert.ok(list.proc_ids.includes(procId));
    assert.deepEqual(list.proc_ids, [...list.proc_ids].sort());
    await deleteProc(procId);
  });

  it('answers a spec with an unknown key or an empty argv with a RequestError naming it', async () => {
    const a = start({ argv: ['/bin/true'], umask: 18 });
    const errA = await startError(a);
    assert.deepEqual(keysOf(errA.msg), ['type', 'specs']);
    assert.equal(errA.msg.type, 'ProcStartRequest');
    assert.equal(errA.err, `bad spec: ${a}: unknown key "umask"`);
    const b = start({ argv: [] });
    assert.equal((await startError(b)).err, `bad spec: ${b}: argv: argv must not be empty`);
    conn.send({ type: 'ProcidListRequest' });
    const list = await conn.next('ProcidList');
    assert.ok(!list.proc_ids.includes(a) && !list.proc_ids.includes(b), 'nothing started');
  });

  it('answers malformed requests with a RequestError and keeps the connection', async () => {
    const procId = randomUUID();
    conn.send({ type: 'ProcSignalRequest', proc_id: procId, signum: 1.5 });
    const err = await requestError(procId);
    assert.equal(err.msg.type, 'ProcSignalRequest');
    assert.match(err.err, /signum/);
    conn.send({ type: 'NoSuchRequest', proc_id: procId });
    assert.match((await requestError(procId)).err, /unknown message type NoSuchRequest/);
    conn.sendBytes(Buffer.from([0xc1]));
    conn.send({ type: 'ProcidListRequest' });
    await conn.next('ProcidList');
    assert.ok(conn.isOpen);
  });

  it('reports an exec failure as an error result with exit code 63, without a PATH search', async () => {
    const [, notDir] = await runToEnd({ argv: ['/dev/null/bad_exe'] });
    assert.equal(notDir.res.state, 'error');
    assert.deepEqual(notDir.res.errors, [
      'execve failed: /dev/null/bad_exe: Not a directory (os error 20)',
    ]);
    assert.deepEqual(notDir.res.status, {
      status: 16128,
      exit_code: 63,
      signum: null,
      signal: null,
      core_dump: false,
    });
    const [, bare] = await runToEnd({ argv: ['echo', 'hi'] });
    assert.deepEqual(bare.res.errors, [
      'execve failed: echo: No such file or directory (os error 2)',
    ]);
    const [, badFile] = await runToEnd({
      argv: ['/bin/true'],
      fds: [['stdout', { file: { path: '/nonexistent-dir/out.txt' } }]],
    });
    assert.deepEqual(badFile.res.errors, [
      'failed to set up fd 1: No such file or directory (os error 2)',
    ]);
    assert.equal(badFile.res.status?.exit_code, 63);
  });

  it('builds the environment from inherit and vars, never passing the agent token or cert', async () => {
    const capture = [['stdout', { capture: { mode: 'memory', encoding: 'utf-8' } }]];
    const env = async (spec: Record<string, unknown>) => {
      const [procId, result] = await runToEnd({ argv: ['/usr/bin/env'], fds: capture, ...spec });
      await deleteProc(procId);
      const text = (result.res.fds.stdout as { text: string }).text;
      return Object.fromEntries(
        text
          .trimEnd()
          .split('\n')
          .map((l) => l.split(/=(.*)/s)),
      );
    };
    const all = await env({ env: { vars: { EXTRA: 'x', AGENT_TEST_VAR: null } } });
    assert.equal(all.EXTRA, 'x');
    assert.equal(all.AGENT_TEST_VAR, undefined);
    assert.equal(all.PATH, process.env.PATH);
    assert.equal(all.PROCSTAR_AGENT_TOKEN, undefined);
    assert.equal(all.PROCSTAR_AGENT_CERT, undefined);
    assert.deepEqual(await env({ env: { inherit: ['AGENT_TEST_VAR', 'PROCSTAR_AGENT_TOKEN'] } }), {
      AGENT_TEST_VAR: 'from-agent',
    });
    assert.deepEqual(await env({ env: { inherit: false, vars: { A: '1' } } }), { A: '1' });
  });

  it('runs a plain argv as the agent user, in the agent directory or the spec cwd', async () => {
    const capture = [['stdout', { capture: { mode: 'memory', encoding: 'utf-8' } }]];
    const text = (r: Msg<'ProcResult'>) => (r.res.fds.stdout as { text: string }).text;
    const [, id] = await runToEnd({ argv: ['/usr/bin/id', '-un'], fds: capture });
    assert.equal(text(id), `${userInfo().username}\n`);
    const [, here] = await runToEnd({ argv: ['/bin/pwd'], fds: capture });
    assert.equal(text(here), `${repoRoot.replace(/\/$/, '')}\n`);
    const [, there] = await runToEnd({ argv: ['/bin/pwd'], fds: capture, cwd: '/tmp' });
    assert.equal(text(there), '/tmp\n');
  });

  it('refuses a duplicate proc id and pipe fds before starting anything', async () => {
    const procId = start({ argv: ['/bin/true'] });
    await conn.finalResult(procId);
    start({ argv: ['/bin/true'] }, procId);
    assert.equal((await startError(procId)).err, `duplicate proc id: ${procId}`);
    const writer = randomUUID();
    conn.send({
      type: 'ProcStartRequest',
      specs: {
        [writer]: { argv: ['/bin/echo'], fds: [['stdout', 'pipe-write']] },
        [randomUUID()]: {
          argv: ['/bin/cat'],
          fds: [['stdin', { 'pipe-read': { proc_id: writer, fd: 'stdout' } }]],
        },
      },
    });
    assert.match((await startError(writer)).err, /^pipe fds are not supported/);
    await deleteProc(procId);
  });
});
