import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ScriptedConnection } from '../../support/procstar-scripted-server.js';
import { AgentChild, TOKEN, scriptedServer } from './helpers.js';

// One server for the file; each test runs its own agent, found by its conn id.
const server = await scriptedServer({ accessToken: TOKEN });

function startSleep(conn: ScriptedConnection, procId: string = randomUUID()): string {
  conn.send({ type: 'ProcStartRequest', specs: { [procId]: { argv: ['/bin/sleep', '30'] } } });
  return procId;
}

async function running(conn: ScriptedConnection, procId: string): Promise<number> {
  const result = await conn.next('ProcResult', (m) => m.proc_id === procId);
  assert.equal(result.res.state, 'running');
  return result.res.pid;
}

async function deleteProc(conn: ScriptedConnection, procId: string): Promise<void> {
  conn.send({ type: 'ProcDeleteRequest', proc_id: procId });
  await conn.next('ProcDelete', (m) => m.proc_id === procId);
}

describe('procstar agent lifecycle', () => {
  it('retries a refused registration with back-off and exits 1 after --connect-count-max', async () => {
    const before = server.attemptTimes.length;
    const agent = new AgentChild(
      server,
      [
        '--connect-count-max',
        '3',
        '--connect-interval-start',
        '0.1',
        '--connect-interval-mult',
        '2',
        '--connect-interval-max',
        '5',
      ],
      { env: { PROCSTAR_AGENT_TOKEN: 'wrong-token' } },
    );
    assert.equal((await agent.exit()).code, 1);
    const times = server.attemptTimes.slice(before);
    assert.equal(times.length, 3);
    const [first, second, third] = times as [number, number, number];
    assert.ok(second - first >= 90, `first wait ${second - first} ms, expected 100`);
    assert.ok(third - second >= 190, `second wait ${third - second} ms, expected 200`);
    assert.ok(agent.lines.some((l) => l.msg.startsWith('websocket connection failed')));
  });

  it('drops a silent connection after --agent-read-timeout and registers again at once', async () => {
    const agent = new AgentChild(server, ['--agent-read-timeout', '0.3']);
    const first = await server.nextConnection(agent.connId);
    const second = await server.nextConnection(agent.connId);
    await first.closed;
    assert.ok(second.frames[0]!.at - first.frames[0]!.at >= 250);
    assert.equal(second.connId, agent.connId);
  });

  it('keeps a process through a reconnect, lists it in Register, and serves it on the new connection', async () => {
    const agent = new AgentChild(server);
    const first = await server.nextConnection(agent.connId);
    const procId = startSleep(first);
    const pid = await running(first, procId);
    first.terminate();
    const second = await server.nextConnection(agent.connId);
    const register = second.register.message as { proc_ids: string[]; conn: { conn_id: string } };
    assert.deepEqual(register.proc_ids, [procId]);
    second.send({ type: 'ProcResultRequest', proc_id: procId });
    assert.equal(await running(second, procId), pid);
    second.send({ type: 'ProcSignalRequest', proc_id: procId, signum: 15 });
    const final = await second.finalResult(procId);
    assert.equal(final.res.status?.signal, 'SIGTERM');
    await deleteProc(second, procId);
  });

  it('exits 0 in wait mode when no work is assigned within --wait-timeout', async () => {
    const agent = new AgentChild(server, ['--wait', '--wait-timeout', '0.5']);
    const conn = await server.nextConnection(agent.connId);
    const done = await conn.next('ShutDown', () => true, 5_000);
    assert.equal(done.shutdown_state, 'done');
    assert.equal((await agent.exit()).code, 0);
    assert.equal((await conn.closed).code, 1000);
    assert.ok(
      agent.lines.some(
        (l) => l.msg === 'agent timeout: no work assigned after 0.5 seconds, shutting down',
      ),
      agent.stderr,
    );
  });

  it('exits 0 in wait mode once its process is deleted, after ShutDown done', async () => {
    const agent = new AgentChild(server, ['--wait', '--wait-timeout', '30']);
    const conn = await server.nextConnection(agent.connId);
    const procId = randomUUID();
    conn.send({ type: 'ProcStartRequest', specs: { [procId]: { argv: ['/bin/true'] } } });
    await conn.finalResult(procId);
    await deleteProc(conn, procId);
    assert.equal((await conn.next('ShutDown')).shutdown_state, 'done');
    assert.equal((await agent.exit()).code, 0);
  });

  it('on SIGUSR1 advertises idling, refuses starts, and is done when its last process is deleted', async () => {
    const agent = new AgentChild(server);
    const conn = await server.nextConnection(agent.connId);
    const procId = startSleep(conn);
    await running(conn, procId);
    agent.signal('SIGUSR1');
    assert.equal((await conn.next('ShutDown')).shutdown_state, 'idling');
    const refused = randomUUID();
    conn.send({ type: 'ProcStartRequest', specs: { [refused]: { argv: ['/bin/true'] } } });
    assert.equal((await conn.next('RequestError')).err, 'agent shutting down: idling');
    conn.send({ type: 'ProcSignalRequest', proc_id: procId, signum: 9 });
    assert.equal((await conn.finalResult(procId)).res.status?.signal, 'SIGKILL');
    await deleteProc(conn, procId);
    assert.equal((await conn.next('ShutDown')).shutdown_state, 'done');
    assert.equal((await agent.exit()).code, 0);
  });

  it('on SIGTERM advertises idling, terminates its processes, and is done after their deletion', async () => {
    const agent = new AgentChild(server);
    const conn = await server.nextConnection(agent.connId);
    const procId = startSleep(conn);
    await running(conn, procId);
    agent.signal('SIGTERM');
    assert.equal((await conn.next('ShutDown')).shutdown_state, 'idling');
    const final = await conn.finalResult(procId);
    assert.deepEqual(final.res.status, {
      status: 15,
      exit_code: null,
      signum: 15,
      signal: 'SIGTERM',
      core_dump: false,
    });
    await deleteProc(conn, procId);
    assert.equal((await conn.next('ShutDown')).shutdown_state, 'done');
    assert.equal((await agent.exit()).code, 0);
  });

  it('leaves its processes running when SIGKILLed; a restart with the same conn id lists none', async () => {
    const agent = new AgentChild(server);
    const conn = await server.nextConnection(agent.connId);
    const procId = startSleep(conn);
    const pid = await running(conn, procId);
    agent.signal('SIGKILL');
    await agent.exit();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    assert.match(stat, /^\d+ \(sleep\) S /, 'the orphan still sleeps');
    const restarted = new AgentChild(server, [], { connId: agent.connId });
    const again = await server.nextConnection(restarted.connId);
    assert.deepEqual((again.register.message as { proc_ids: string[] }).proc_ids, []);
    process.kill(pid, 'SIGKILL');
  });

  it('runs only the --restrict-exe executable and names it in Register', async () => {
    const agent = new AgentChild(server, ['--restrict-exe', '/bin/true']);
    const conn = await server.nextConnection(agent.connId);
    const register = conn.register.message as { conn: { restricted_exe: string | null } };
    assert.equal(register.conn.restricted_exe, '/bin/true');
    conn.send({
      type: 'ProcStartRequest',
      specs: { allowed: { argv: ['/bin/true'] }, refused: { argv: ['/bin/echo', 'x'] } },
    });
    assert.equal((await conn.finalResult('allowed')).res.state, 'terminated');
    const refused = await conn.finalResult('refused');
    assert.deepEqual(refused.res.errors, ['restricted executable: /bin/true']);
    assert.equal(refused.res.status?.exit_code, 63);
  });
});
