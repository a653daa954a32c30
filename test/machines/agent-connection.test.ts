import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor } from 'xstate';
import {
  agentConnectionMachine,
  type AgentConnectionInput,
} from '../../machines/agent-connection.js';
import { ManualClock } from '../../src/time/index.js';

const T0 = Date.UTC(2026, 0, 1);

/** An actor with the machine's actions recorded instead of performed. */
function connection(input: Partial<AgentConnectionInput> = {}) {
  const clock = new ManualClock(T0);
  const calls: string[] = [];
  const actor = createActor(
    agentConnectionMachine.provide({
      actions: {
        publish: () => void calls.push('publish'),
        closeSocket: (_, { socketId }) => void calls.push(`close ${socketId}`),
        forget: () => void calls.push('forget'),
      },
    }),
    {
      clock,
      input: { connId: 'c1', groupId: 'g', reconnectTimeoutMs: 60_000, now: T0, ...input },
    },
  ).start();
  const state = () => actor.getSnapshot().value;
  return { actor, clock, calls, state };
}

describe('the agent connection machine', () => {
  it('walks connecting → registered → disconnected → gone when the reconnect window passes', () => {
    const { actor, clock, calls, state } = connection();
    assert.equal(state(), 'connecting');
    actor.send({ type: 'agent.registered', socketId: 1, shutdownState: 'active', time: T0 });
    assert.equal(state(), 'registered');
    actor.send({ type: 'socket.closed', socketId: 1, time: T0 + 5 });
    assert.deepEqual(state(), { disconnected: 'window' });
    assert.equal(actor.getSnapshot().context.stats.last_disconnect_time, T0 + 5);
    clock.advance(59_999);
    assert.deepEqual(state(), { disconnected: 'window' });
    clock.advance(1);
    assert.equal(state(), 'gone');
    assert.deepEqual(calls, ['publish', 'publish', 'forget', 'publish']);
  });

  it('returns to registered when the agent reconnects inside the window, and counts connections', () => {
    const { actor, clock, state } = connection();
    actor.send({ type: 'agent.registered', socketId: 1, shutdownState: 'active', time: T0 });
    actor.send({ type: 'socket.closed', socketId: 1, time: T0 });
    clock.advance(30_000);
    actor.send({
      type: 'agent.registered',
      socketId: 2,
      shutdownState: 'active',
      time: T0 + 30_000,
    });
    assert.equal(state(), 'registered');
    clock.advance(60_000);
    assert.equal(state(), 'registered', 'the window timer was cancelled');
    const { stats, socketId } = actor.getSnapshot().context;
    assert.equal(socketId, 2);
    assert.equal(stats.num_connections, 2);
    assert.equal(stats.first_connect_time, T0);
    assert.equal(stats.last_connect_time, T0 + 30_000);
    assert.equal(stats.connected, true);
  });

  it('keeps a disconnected agent forever when there is no reconnect timeout', () => {
    const { actor, clock, state } = connection({ reconnectTimeoutMs: null });
    actor.send({ type: 'agent.registered', socketId: 1, shutdownState: 'active', time: T0 });
    actor.send({ type: 'socket.closed', socketId: 1, time: T0 });
    clock.advance(365 * 86_400_000);
    assert.deepEqual(state(), { disconnected: 'forever' });
  });

  it('closes the replaced socket and ignores its later close', () => {
    const { actor, calls, state } = connection();
    actor.send({ type: 'agent.registered', socketId: 1, shutdownState: 'active', time: T0 });
    actor.send({ type: 'agent.registered', socketId: 2, shutdownState: 'active', time: T0 });
    assert.ok(calls.includes('close 1'));
    actor.send({ type: 'socket.closed', socketId: 1, time: T0 });
    assert.equal(state(), 'registered');
    assert.equal(actor.getSnapshot().context.stats.connected, true);
  });

  it('is gone as soon as an agent that is done disconnects', () => {
    const { actor, state } = connection();
    actor.send({ type: 'agent.registered', socketId: 1, shutdownState: 'active', time: T0 });
    actor.send({ type: 'agent.shutdown', shutdownState: 'idling' });
    assert.equal(actor.getSnapshot().context.shutdownState, 'idling');
    actor.send({ type: 'agent.shutdown', shutdownState: 'done' });
    actor.send({ type: 'socket.closed', socketId: 1, time: T0 });
    assert.equal(state(), 'gone');
  });
});
