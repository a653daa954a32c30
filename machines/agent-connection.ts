import { assign, setup } from 'xstate';
import type { Time } from '../src/time/time.js';

/**
 * One procstar agent, known by its connection id, across its sockets
 * (procstar-protocol.md §5.1). The agent server creates the actor when an
 * agent first registers and sends it what its sockets do; the actor decides
 * what the connection is. No I/O here: publishing changes and forgetting the
 * connection are actions the server provides.
 *
 *   connecting ──registered──► registered ──closed──► disconnected ──window──► gone
 *                                  ▲                       │
 *                                  └──────registered───────┘
 *
 * A socket that closes after a newer one registered is ignored (the original
 * marks the live connection disconnected then). An agent that said it is
 * `done` is gone as soon as its socket closes, without a reconnect window.
 */

export type ShutdownState = 'active' | 'idling' | 'done';

export interface AgentConnectionInput {
  connId: string;
  groupId: string;
  /** How long a disconnected agent may take to come back; null = forever. */
  reconnectTimeoutMs: number | null;
  now: Time;
}

export interface AgentConnectionStats {
  connected: boolean;
  first_connect_time: Time | null;
  last_connect_time: Time | null;
  last_disconnect_time: Time | null;
  num_connections: number;
}

export interface AgentConnectionContext {
  readonly connId: string;
  readonly groupId: string;
  readonly reconnectTimeoutMs: number | null;
  /** The socket currently serving the agent, by the server's socket number. */
  socketId: number | null;
  shutdownState: ShutdownState;
  stats: AgentConnectionStats;
}

export type AgentConnectionEvent =
  /** A socket of this agent registered (the first, or a reconnect). */
  | { type: 'agent.registered'; socketId: number; shutdownState: ShutdownState; time: Time }
  /** The agent reported a new shutdown state. */
  | { type: 'agent.shutdown'; shutdownState: ShutdownState }
  /** A socket of this agent closed. */
  | { type: 'socket.closed'; socketId: number; time: Time };

const connectionSetup = setup({
  types: {
    context: {} as AgentConnectionContext,
    events: {} as AgentConnectionEvent,
    input: {} as AgentConnectionInput,
  },
  actions: {
    /** Tell listeners (the API, starts waiting for an agent) the connection changed. */
    publish: () => {},
    /** Close the socket a reconnect replaced, if it is still open. */
    closeSocket: (_, _params: { socketId: number }) => {},
    /** The connection is gone: drop it from the registry, fail its processes. */
    forget: () => {},
  },
  guards: {
    isCurrentSocket: ({ context, event }) =>
      event.type === 'socket.closed' && event.socketId === context.socketId,
    isDone: ({ context }) => context.shutdownState === 'done',
    waitsForever: ({ context }) => context.reconnectTimeoutMs === null,
  },
  delays: {
    reconnectTimeout: ({ context }) => context.reconnectTimeoutMs ?? 0,
  },
});

const register = connectionSetup.assign(({ context, event }) => {
  if (event.type !== 'agent.registered') return {};
  return {
    socketId: event.socketId,
    shutdownState: event.shutdownState,
    stats: {
      ...context.stats,
      connected: true,
      first_connect_time: context.stats.first_connect_time ?? event.time,
      last_connect_time: event.time,
      num_connections: context.stats.num_connections + 1,
    },
  };
});

const disconnect = assign<
  AgentConnectionContext,
  AgentConnectionEvent,
  undefined,
  AgentConnectionEvent,
  never
>(({ context, event }) =>
  event.type === 'socket.closed'
    ? {
        socketId: null,
        stats: { ...context.stats, connected: false, last_disconnect_time: event.time },
      }
    : {},
);

const onShutdown = {
  actions: [
    connectionSetup.assign(({ event }) =>
      event.type === 'agent.shutdown' ? { shutdownState: event.shutdownState } : {},
    ),
    'publish',
  ],
} as const;

/** Registering again on a live socket replaces it: the old socket is closed. */
const reregister = {
  target: '#agentConnection.registered',
  reenter: true,
  actions: [
    {
      type: 'closeSocket',
      params: ({ context }: { context: AgentConnectionContext }) => ({
        socketId: context.socketId ?? -1,
      }),
    },
    register,
    'publish',
  ],
} as const;

export const agentConnectionMachine = connectionSetup.createMachine({
  id: 'agentConnection',
  context: ({ input }) => ({
    connId: input.connId,
    groupId: input.groupId,
    reconnectTimeoutMs: input.reconnectTimeoutMs,
    socketId: null,
    shutdownState: 'active',
    stats: {
      connected: false,
      first_connect_time: null,
      last_connect_time: null,
      last_disconnect_time: null,
      num_connections: 0,
    },
  }),
  initial: 'connecting',
  states: {
    /** Created for an agent's first registration; it is registered at once. */
    connecting: {
      on: {
        'agent.registered': { target: 'registered', actions: [register, 'publish'] },
      },
    },
    registered: {
      on: {
        'agent.registered': reregister,
        'agent.shutdown': onShutdown,
        'socket.closed': [
          {
            guard: { type: 'isCurrentSocket' },
            target: 'disconnected',
            actions: [disconnect, 'publish'],
          },
        ],
      },
    },
    disconnected: {
      initial: 'deciding',
      always: { guard: 'isDone', target: 'gone' },
      on: {
        'agent.registered': {
          target: 'registered',
          actions: [register, 'publish'],
        },
      },
      states: {
        deciding: {
          always: [{ guard: 'waitsForever', target: 'forever' }, { target: 'window' }],
        },
        /** Waiting for the agent to reconnect, within `reconnect_timeout`. */
        window: { after: { reconnectTimeout: '#agentConnection.gone' } },
        /** No reconnect timeout: kept until the agent returns (Apsis's default). */
        forever: {},
      },
    },
    gone: { type: 'final', entry: ['forget', 'publish'] },
  },
});

export type AgentConnectionState = 'connecting' | 'registered' | 'disconnected' | 'gone';

/** The top-level state of a connection snapshot. */
export function connectionState(value: unknown): AgentConnectionState {
  if (typeof value === 'string') return value as AgentConnectionState;
  return 'disconnected';
}
