import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestApi } from '../support/api.js';
import { assertError, keys } from '../support/api-fixtures.js';
import { eventually, FakeAgent, startTestServer } from '../support/fake-agent.js';
import type { AgentServer } from '../../src/procstar/index.js';

const JOBS = { quiet: 'program: {type: no-op}\n' };

describe('/api/procstar without an agent server (§2.9)', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS);
  });
  after(async () => api?.close());

  for (const path of ['connections', 'groups']) {
    it(`answers /api/procstar/${path} with 400 no_agent_server`, async () => {
      assertError(
        await api.inject('GET', `/api/procstar/${path}`),
        400,
        'no_agent_server',
        'no agent server running',
      );
    });
  }
});

describe('/api/procstar with agents connected (§2.9)', () => {
  let api: TestApi;
  let server: AgentServer;
  let url: string;
  before(async () => {
    ({ server, url } = await startTestServer());
    api = await TestApi.start(JOBS, { apiOptions: { agents: server } });
    await FakeAgent.register(url, { connId: 'c-1', groupId: 'default' });
    await FakeAgent.register(url, { connId: 'c-2', groupId: 'gpu', shutdownState: 'idling' });
  });
  after(async () => api?.close());

  it('answers /connections as {conn_id: conn}, each conn in the spec’s shape', async () => {
    const res = await api.inject('GET', '/api/procstar/connections');
    assert.equal(res.status, 200);
    assert.deepEqual(keys(res.json).sort(), ['c-1', 'c-2']);
    const conn = res.json['c-1'];
    // Apsis's keys, plus the id, group and connection state at the top.
    assert.deepEqual(keys(conn).sort(), ['conn_id', 'group_id', 'info', 'shutdown_state', 'state']);
    assert.equal(conn.shutdown_state, 'active');
    assert.equal(res.json['c-2'].shutdown_state, 'idling');
    assert.deepEqual(keys(conn.info), ['conn', 'socket', 'proc', 'stats']);
    assert.deepEqual(conn.info.conn, { conn_id: 'c-1', group_id: 'default', restricted_exe: null });
    assert.deepEqual(keys(conn.info.socket), ['address', 'port']);
    assert.equal(typeof conn.info.socket.port, 'number');
    assert.deepEqual(conn.info.proc, {
      pid: 4242,
      ppid: 1,
      uid: 1000,
      euid: 1000,
      username: 'svc',
      gid: 1000,
      egid: 1000,
      groupname: 'svc',
      hostname: 'worker7',
    });
    assert.deepEqual(keys(conn.info.stats).sort(), [
      'connected',
      'first_connect_time',
      'last_connect_time',
      'last_disconnect_time',
      'num_connections',
      'num_received',
      'num_sent',
    ]);
    assert.equal(conn.info.stats.connected, true);
    assert.equal(conn.info.stats.num_connections, 1);
    assert.equal(conn.info.stats.last_disconnect_time, null);
    // ISO 8601 times, as Apsis's isoformat() gives (the agent server keeps epoch ms).
    assert.match(
      conn.info.stats.first_connect_time,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/,
    );
  });

  it('answers /groups as {group_id: [conn, ...]}', async () => {
    const res = await api.inject('GET', '/api/procstar/groups');
    assert.equal(res.status, 200);
    assert.deepEqual(keys(res.json).sort(), ['default', 'gpu']);
    assert.deepEqual(
      res.json.gpu.map((c: any) => c.info.conn.conn_id),
      ['c-2'],
    );
  });

  it('keeps a disconnected agent in the listing, no longer connected', async () => {
    const agent = await FakeAgent.register(url, { connId: 'c-3', groupId: 'default' });
    agent.close();
    await eventually(
      () => server.connectionViews().some((c) => c.conn_id === 'c-3' && !c.info.stats.connected),
      'c-3 disconnected',
    );
    const res = await api.inject('GET', '/api/procstar/connections');
    const conn = res.json['c-3'];
    assert.equal(conn.info.stats.connected, false);
    assert.equal(typeof conn.info.stats.last_disconnect_time, 'string');
  });
});
