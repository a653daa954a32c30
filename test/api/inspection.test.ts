import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { runMachine } from '../../machines/run.js';
import { createApi } from '../../src/api/index.js';
import type { AgentConnectionView, AgentServer } from '../../src/procstar/index.js';
import { builtinCalendars } from '../../src/time/index.js';
import { TestApi } from '../support/api.js';
import type { TestRuntime } from '../support/runtime.js';
import { peek } from '../support/store.js';

/** Runs until the clock passes 10 s after it started. */
const SLEEP = 'params: [n]\nprogram: {type: no-op, duration: 10s}\n';
/** Waits on a condition that holds, so it passes through `waiting`. */
const GATED = 'condition: {type: const, value: true}\nprogram: {type: no-op, duration: 10s}\n';

/** An API on `t`'s current runtime (TestApi's stays on the runtime it was built with). */
async function apiOn(t: TestRuntime): Promise<FastifyInstance> {
  const { app } = await createApi({
    runtime: t.runtime,
    calendars: builtinCalendars,
    agents: null,
    version: '9.9.9',
    startedAt: t.now,
    lookbackMs: null,
    token: null,
    jobDir: '/jobs',
    loadJobs: async () => ({ ok: true, jobs: new Map() }),
    shutDown: () => undefined,
    ready: Promise.resolve(),
    logger: t.logs,
  });
  return app;
}

/** Ids of every state node of the run machine below its root. */
function runStateIds(): string[] {
  const ids: string[] = [];
  const walk = (node: { states: Record<string, unknown> }) => {
    for (const child of Object.values(node.states) as {
      id: string;
      states: Record<string, unknown>;
    }[]) {
      ids.push(child.id);
      walk(child);
    }
  };
  walk(runMachine.root);
  return ids;
}

async function schedule(api: TestApi, jobId: string, body: object = {}): Promise<string> {
  const res = await api.inject('POST', '/api/v1/runs', { job_id: jobId, ...body });
  assert.equal(res.status, 200, res.text);
  await api.t.settle();
  return Object.keys(res.json.runs)[0] as string;
}

describe('GET /api/v1/actors', () => {
  let api: TestApi;
  let runId: string;
  before(async () => {
    api = await TestApi.start({ sleep: SLEEP });
    runId = await schedule(api, 'sleep', { args: { n: '1' } });
  });
  after(async () => api?.close());

  it('lists the scheduler and a running run, supervised by the scheduler, with its program', async () => {
    const res = await api.inject('GET', '/api/v1/actors');
    assert.equal(res.status, 200);
    const byId = new Map((res.json.actors as any[]).map((a) => [a.id, a]));
    assert.deepEqual(byId.get('scheduler'), {
      id: 'scheduler',
      machine: 'scheduler',
      state: 'running',
      status: 'active',
      parent: null,
      children: [runId],
      started_at: '2026-03-02T00:00:00.000+00:00',
    });
    assert.deepEqual(byId.get(runId), {
      id: runId,
      machine: 'run',
      state: { live: { running: 'untimed' } },
      status: 'active',
      parent: 'scheduler',
      children: [`${runId}.program`],
      started_at: '2026-03-02T00:00:00.000+00:00',
    });
    assert.equal(res.json.total, 2);
  });

  it('filters by machine and by a state anywhere in the state value', async () => {
    const runs = await api.inject('GET', '/api/v1/actors?machine=run');
    assert.deepEqual(
      runs.json.actors.map((a: any) => a.id),
      [runId],
    );
    const running = await api.inject('GET', '/api/v1/actors?state=running');
    assert.deepEqual(
      running.json.actors.map((a: any) => a.id),
      ['scheduler', runId],
    );
    const live = await api.inject('GET', '/api/v1/actors?machine=run&state=live.running');
    assert.deepEqual(
      live.json.actors.map((a: any) => a.id),
      [runId],
    );
    const none = await api.inject('GET', '/api/v1/actors?machine=run&state=waiting');
    assert.deepEqual(none.json, { actors: [], total: 0 });
  });

  it('stops at limit but counts every actor that matched', async () => {
    const res = await api.inject('GET', '/api/v1/actors?limit=1');
    assert.equal(res.json.actors.length, 1);
    assert.equal(res.json.total, 2);
  });

  it('refuses an unknown machine and a bad limit with a 400', async () => {
    const machine = await api.inject('GET', '/api/v1/actors?machine=runs');
    assert.equal(machine.status, 400);
    assert.equal(machine.json.code, 'bad_request');
    assert.match(machine.json.error, /machines: run, scheduler, agent-connection/);
    const limit = await api.inject('GET', '/api/v1/actors?limit=0');
    assert.equal(limit.status, 400);
  });
});

describe('GET /api/v1/actors/{id}', () => {
  let api: TestApi;
  let runId: string;
  before(async () => {
    api = await TestApi.start({ sleep: SLEEP });
    runId = await schedule(api, 'sleep', { args: { n: '1' } });
  });
  after(async () => api?.close());

  it('shows a run actor’s snapshot, with its run summary, and its recent events', async () => {
    const res = await api.inject('GET', `/api/v1/actors/${runId}`);
    assert.equal(res.status, 200);
    const { actor } = res.json;
    assert.equal(actor.machine, 'run');
    assert.deepEqual(actor.snapshot.value, { live: { running: 'untimed' } });
    assert.equal(actor.snapshot.status, 'active');
    assert.equal(actor.snapshot.context.run.run_id, runId);
    assert.equal(actor.snapshot.context.run.state, 'running');
    assert.equal(actor.snapshot.context.now, '2026-03-02T00:00:00.000+00:00');
    assert.deepEqual(actor.snapshot.children, { program: { status: 'active' } });
    // JSON-safe: nothing but data came through.
    assert.deepEqual(JSON.parse(JSON.stringify(actor)), actor);
    const events = actor.events as any[];
    assert.ok(events.some((e) => e.kind === '@xstate.event' && e.event_type === 'program.running'));
    // Each state is labelled with the event that led to it, whoever sent it.
    assert.deepEqual(events.at(-1), {
      time: '2026-03-02T00:00:00.000+00:00',
      kind: '@xstate.snapshot',
      event_type: 'program.running',
      state: { live: { running: 'untimed' } },
    });
  });

  it('shows the scheduler’s snapshot with its horizon', async () => {
    const res = await api.inject('GET', '/api/v1/actors/scheduler');
    assert.equal(res.status, 200);
    const { snapshot } = res.json.actor;
    assert.equal(snapshot.value, 'running');
    assert.equal(snapshot.context.horizon_ms, 86_400_000);
    assert.equal(snapshot.context.now, '2026-03-02T00:00:00.000+00:00');
    assert.ok(res.json.actor.events.some((e: any) => e.kind === '@xstate.snapshot'));
  });

  it('answers 404 actor_not_found for an unknown id', async () => {
    const res = await api.inject('GET', '/api/v1/actors/r999');
    assert.equal(res.status, 404);
    assert.equal(res.json.code, 'actor_not_found');
    assert.match(res.json.error, /^unknown actor ID: r999/);
  });

  it('keeps a finished run’s actor, stopped, for 15 s, then forgets it', async () => {
    await api.t.advance(10_000);
    const stopped = await api.inject('GET', `/api/v1/actors/${runId}`);
    assert.equal(stopped.json.actor.status, 'stopped');
    assert.equal(stopped.json.actor.state, 'success');
    assert.equal(stopped.json.actor.snapshot.context.run.state, 'success');
    const list = await api.inject('GET', '/api/v1/actors/scheduler');
    assert.deepEqual(list.json.actor.children, []);
    await api.t.advance(16_000);
    const gone = await api.inject('GET', `/api/v1/actors/${runId}`);
    assert.equal(gone.status, 404);
  });
});

describe('agent connection actors', () => {
  let api: TestApi;
  after(async () => api?.close());

  it('lists each agent connection as an agent-connection actor', async () => {
    const view: AgentConnectionView = {
      conn_id: 'c1',
      group_id: 'default',
      state: 'registered',
      shutdown_state: 'active',
      info: {
        conn: {} as AgentConnectionView['info']['conn'],
        socket: null,
        proc: {} as AgentConnectionView['info']['proc'],
        stats: {
          connected: true,
          first_connect_time: Date.UTC(2026, 2, 1),
          last_connect_time: Date.UTC(2026, 2, 1),
          last_disconnect_time: null,
          num_connections: 1,
          num_received: 3,
          num_sent: 2,
        },
      },
    };
    const agents = {
      connectionViews: () => [view],
      groups: () => ({ default: [view] }),
      onChange: () => () => undefined,
    } as unknown as AgentServer;
    api = await TestApi.start({ sleep: SLEEP }, { apiOptions: { agents } });
    const list = await api.inject('GET', '/api/v1/actors?machine=agent-connection');
    assert.deepEqual(list.json.actors, [
      {
        id: 'agent:c1',
        machine: 'agent-connection',
        state: 'registered',
        status: 'active',
        parent: null,
        children: [],
        started_at: '2026-03-01T00:00:00.000+00:00',
      },
    ]);
    const one = await api.inject('GET', '/api/v1/actors/agent:c1');
    assert.equal(one.json.actor.snapshot.context.stats.num_received, 3);
    assert.equal(one.json.actor.snapshot.context.stats.last_disconnect_time, null);
    assert.deepEqual(one.json.actor.events, []);
  });
});

describe('GET /api/v1/machines', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start({});
  });
  after(async () => api?.close());

  it('lists the run, scheduler and agent-connection machines', async () => {
    const res = await api.inject('GET', '/api/v1/machines');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.machines.map((m: any) => [m.name, m.initial]),
      [
        ['run', 'init'],
        ['scheduler', 'restoring'],
        ['agent-connection', 'connecting'],
      ],
    );
    assert.equal(res.json.machines[0].states, runStateIds().length);
  });

  it('gives the run machine’s definition: running, and run.stop taking it to stopping', async () => {
    const res = await api.inject('GET', '/api/v1/machines/run');
    assert.equal(res.status, 200);
    const { machine } = res.json;
    assert.equal(machine.initial, 'init');
    const live = machine.states.live;
    assert.equal(live.type, 'compound');
    assert.deepEqual(live.invoke, [{ id: 'program', src: 'program' }]);
    assert.equal(live.states.running.id, 'run.live.running');
    assert.equal(live.states.running.initial, 'untimed');
    assert.equal(machine.states.success.type, 'atomic');
    const stop = (machine.transitions as any[]).filter(
      (t) => t.source === 'run.live.running' && t.event === 'run.stop',
    );
    assert.deepEqual(stop, [
      {
        source: 'run.live.running',
        event: 'run.stop',
        kind: 'event',
        delay: null,
        targets: ['run.live.stopping'],
        internal: false,
        reenter: false,
        guard: null,
        actions: ['xstate.assign', 'persist', 'log', 'xstate.sendTo'],
      },
    ]);
  });

  it('includes eventless, delayed and internal transitions with their guards', async () => {
    const { machine } = (await api.inject('GET', '/api/v1/machines/run')).json;
    const transitions = machine.transitions as any[];
    const timeout = transitions.find((t) => t.source === 'run.waiting' && t.kind === 'delayed');
    assert.equal(timeout.delay, 'waitingTimeout');
    assert.equal(timeout.guard, 'hasWaitingLimit');
    assert.deepEqual(timeout.targets, ['run.error']);
    const due = transitions.filter((t) => t.source === 'run.scheduled' && t.kind === 'eventless');
    assert.deepEqual(
      due.map((t) => [t.guard, t.targets[0]]),
      [
        ['and(dueNow, hasConditions)', 'run.waiting'],
        ['dueNow', 'run.live'],
      ],
    );
    const log = transitions.find((t) => t.event === 'program.log');
    assert.equal(log.internal, true);
    assert.deepEqual(log.targets, []);
    // The delay's raise and cancel are not shown as entry and exit actions.
    assert.deepEqual(machine.states.waiting.entry, []);
    assert.deepEqual(machine.states.waiting.exit, []);
  });

  it('names every state node of the machine', async () => {
    const { machine } = (await api.inject('GET', '/api/v1/machines/run')).json;
    const ids: string[] = [];
    const walk = (states: Record<string, any>) => {
      for (const state of Object.values(states)) {
        ids.push(state.id);
        walk(state.states);
      }
    };
    walk(machine.states);
    assert.deepEqual(ids.sort(), runStateIds().sort());
  });

  it('gives the other machines and 404 machine_not_found for an unknown name', async () => {
    const agent = await api.inject('GET', '/api/v1/machines/agent-connection');
    assert.equal(agent.json.machine.states.gone.type, 'final');
    const scheduler = await api.inject('GET', '/api/v1/machines/scheduler');
    assert.equal(scheduler.json.machine.states.running.invoke[0].src, 'alarm');
    const unknown = await api.inject('GET', '/api/v1/machines/runs');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 'machine_not_found');
  });
});

describe('GET /api/v1/runs/{run_id}/transitions', () => {
  const path = [
    ['2026-03-02T00:00:00.000+00:00', 'new', 'scheduled', 'run.schedule'],
    ['2026-03-02T00:01:00.000+00:00', 'scheduled', 'waiting', 'run.due'],
    ['2026-03-02T00:01:00.000+00:00', 'waiting', 'starting', 'conditions.ready'],
    ['2026-03-02T00:01:00.000+00:00', 'starting', 'running', 'program.running'],
    ['2026-03-02T00:01:10.000+00:00', 'running', 'success', 'program.done'],
  ];
  const marked = ['2026-03-02T00:01:10.000+00:00', 'success', 'failure', 'run.mark'];
  const rows = (json: any) => json.transitions.map((t: any) => [t.time, t.from, t.to, t.event]);

  /** A run of `gated` scheduled for 00:01, which waits, runs 10 s and succeeds. */
  async function finishedRun(api: TestApi): Promise<string> {
    const runId = await schedule(api, 'gated', { times: { schedule: '2026-03-02T00:01:00Z' } });
    await api.t.advance(60_000);
    await api.t.advance(10_000);
    return runId;
  }

  let api: TestApi;
  after(async () => api?.close());

  it('gives the run’s path through its states with the event of each step', async () => {
    api = await TestApi.start({ gated: GATED });
    const runId = await finishedRun(api);
    const res = await api.inject('GET', `/api/v1/runs/${runId}/transitions`);
    assert.equal(res.status, 200);
    assert.equal(res.json.run_id, runId);
    assert.equal(res.json.source, 'log');
    assert.deepEqual(rows(res.json), path);

    const mark = await api.inject('POST', `/api/v1/runs/${runId}/mark/failure`);
    assert.equal(mark.status, 200, mark.text);
    await api.t.settle();
    const after = await api.inject('GET', `/api/v1/runs/${runId}/transitions`);
    assert.deepEqual(rows(after.json), [...path, marked]);
  });

  it('answers 404 run_not_found for an unknown run', async () => {
    const res = await api.inject('GET', '/api/v1/runs/r999/transitions');
    assert.equal(res.status, 404);
    assert.equal(res.json.code, 'run_not_found');
  });

  it('gives the same path after a restart, and rebuilds one from times for a run stored before v3', async () => {
    // Its own runtime: the temp folder of one made in another test is gone by now.
    const own = await TestApi.start({ gated: GATED });
    const runId = await finishedRun(own);
    await own.inject('POST', `/api/v1/runs/${runId}/mark/failure`);
    await own.t.settle();
    await own.t.restart();
    const app = await apiOn(own.t);
    const get = async () =>
      JSON.parse(
        (await app.inject({ method: 'GET', url: `/api/v1/runs/${runId}/transitions` })).body,
      );
    try {
      const logged = await get();
      assert.equal(logged.source, 'log');
      assert.deepEqual(rows(logged), [...path, marked]);

      peek(own.t.dbPath).prepare('DELETE FROM run_transition WHERE run_id = ?').run(runId);
      const rebuilt = await get();
      assert.equal(rebuilt.source, 'times');
      assert.deepEqual(
        rows(rebuilt),
        [...path, marked].map(([time, from, to]) => [time, from, to, null]),
      );
    } finally {
      await app.close();
      await own.close();
    }
  });
});

describe('websocket /api/v1/actors/events', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start({ gated: GATED, sleep: SLEEP });
    await api.listen();
  });
  after(async () => api?.close());

  const listeners = () => (api.t.runtime.inspection as any).listeners.size as number;

  it('streams the events of the one actor asked for, as they happen', async () => {
    const runId = await schedule(api, 'gated', { times: { schedule: '2026-03-02T00:01:00Z' } });
    const socket = await api.socket(`/api/v1/actors/events?actor=${runId}`);
    const all = await api.socket('/api/v1/actors/events');
    await api.t.advance(60_000);
    await socket.until(() =>
      socket.json.some((m) => m.kind === '@xstate.snapshot' && m.event_type === 'program.running'),
    );
    assert.ok(socket.json.every((m) => m.actor === runId && m.machine === 'run'));
    assert.deepEqual(
      socket.json.filter((m) => m.kind === '@xstate.snapshot').map((m) => m.state),
      ['scheduled', 'waiting', 'waiting', { live: 'starting' }, { live: { running: 'untimed' } }],
    );
    assert.deepEqual(Object.keys(socket.json[0]).sort(), [
      'actor',
      'event_type',
      'kind',
      'machine',
      'state',
      'time',
    ]);
    assert.equal(socket.json[0].time, '2026-03-02T00:01:00.000+00:00');
    // Unfiltered, the scheduler's tick is there too.
    await all.until(() => all.json.some((m) => m.actor === 'scheduler'));
    socket.ws.close();
    all.ws.close();
    await socket.until(() => socket.closed !== undefined);
    await all.until(() => all.closed !== undefined);
  });

  it('filters by machine', async () => {
    const socket = await api.socket('/api/v1/actors/events?machine=scheduler');
    await schedule(api, 'sleep', { args: { n: '1' } });
    // The scheduler wakes every minute to extend its horizon.
    await api.t.advance(60_000);
    await socket.until(() => socket.json.some((m) => m.event_type === 'scheduler.tick'));
    assert.ok(socket.json.every((m) => m.machine === 'scheduler'));
    socket.ws.close();
    await socket.until(() => socket.closed !== undefined);
  });

  it('closes at once with 1008 for an unknown machine', async () => {
    const socket = await api.socket('/api/v1/actors/events?machine=nope');
    await socket.until(() => socket.closed !== undefined);
    assert.equal(socket.closed?.code, 1008);
  });

  it('leaves nothing subscribed once its clients are gone', async () => {
    const until = Date.now() + 5000;
    while (listeners() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(listeners(), 0);
  });
});
