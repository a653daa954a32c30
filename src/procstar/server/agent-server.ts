import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { createActor, type Actor } from 'xstate';
import {
  agentConnectionMachine,
  type AgentConnectionStats,
  type ShutdownState,
} from '../../../machines/agent-connection.js';
import { releaseBuffer, wholeBuffer } from '../../memory/release.js';
import type { Logger } from '../../runtime/logger.js';
import type { Clock, TimerHandle } from '../../time/index.js';
import { decodeAgentMessage, ProtocolError } from '../codec.js';
import type {
  AgentMessage,
  ConnectionInfo,
  MessageOf,
  ProcessInfo,
  ProcSpec,
  ServerMessage,
} from '../messages.js';
import { AgentSocket, NotConnectedError, PING_INTERVAL_MS } from './agent-socket.js';
import { GarbagePacer } from './garbage-pacer.js';
import { ProcChannel } from './proc-channel.js';
import { ProcHandle } from './proc-handle.js';

export interface AgentServerOptions {
  /** Interface to listen on; `*` = every interface. */
  host: string;
  /** TCP port; 0 picks a free one (see `port` after `listen`). */
  port: number;
  accessToken: string;
  /** PEM certificate and key: agents always dial `wss://`. */
  cert: string;
  key: string;
  /** How long a disconnected agent may take to come back; null = forever. */
  reconnectTimeoutMs: number | null;
  clock: Clock;
  logger: Logger;
  /** An agent must send `Register` this soon after connecting (procstar: 60 s). */
  registerTimeoutMs?: number;
  pingIntervalMs?: number;
  /** Paces collections to the bytes agents send (see `GarbagePacer`); null = leave it to V8. */
  garbagePacer?: GarbagePacer | null;
}

/** A connection as the API shows it (procstar-protocol.md §5.5, "Exposure"). */
export interface AgentConnectionView {
  conn_id: string;
  group_id: string;
  state: string;
  shutdown_state: ShutdownState;
  info: {
    conn: ConnectionInfo;
    socket: { address: string; port: number } | null;
    proc: ProcessInfo;
    stats: AgentConnectionStats & { num_received: number; num_sent: number };
  };
}

/** No agent could take a start, or a reconnect found no agent. */
export class AgentUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentUnavailableError';
  }
}

type ConnectionActor = Actor<typeof agentConnectionMachine>;

interface Connection {
  readonly connId: string;
  readonly groupId: string;
  readonly actor: ConnectionActor;
  conn: ConnectionInfo;
  proc: ProcessInfo;
  socket: AgentSocket | undefined;
  numReceived: number;
  numSent: number;
}

/** The close codes we use: 1008 = policy violation (bad token, bad first frame). */
const CLOSE_POLICY = 1008;
const CLOSE_GOING_AWAY = 1001;
/** procstar's server and agent exchange messages of any size: a 64 MiB output is one frame. */
const MAX_PAYLOAD = 1024 ** 3;

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * The daemon's procstar agent server (procstar-protocol.md §1, §5): a TLS
 * websocket server agents dial, one connection actor per agent, routing of
 * agent messages to the processes they are about, and the requests program
 * drivers make (start, reconnect, result, output, signal, delete).
 */
export class AgentServer {
  private readonly connections = new Map<string, Connection>();
  private readonly channels = new Map<string, ProcChannel>();
  /** Processes followed per connection id: how busy each agent is. */
  private readonly loads = new Map<string, number>();
  /** Open sockets by number, registered or not. */
  private readonly sockets = new Map<number, AgentSocket>();
  private readonly changeListeners = new Set<(conn: AgentConnectionView | string) => void>();
  private readonly tokenDigest: Buffer;
  private nextSocketId = 1;
  private https: Server | undefined;
  private wss: WebSocketServer | undefined;

  private readonly pacer: GarbagePacer | null;

  constructor(private readonly options: AgentServerOptions) {
    this.tokenDigest = digest(options.accessToken);
    this.pacer = options.garbagePacer === undefined ? new GarbagePacer() : options.garbagePacer;
  }

  /** The port listened on (after `listen`). */
  get port(): number {
    return (this.https?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  async listen(): Promise<void> {
    const https = createServer({ cert: this.options.cert, key: this.options.key });
    const wss = new WebSocketServer({
      server: https,
      maxPayload: MAX_PAYLOAD,
      perMessageDeflate: false,
    });
    wss.on('connection', (ws, req) =>
      this.accept(ws, req.socket.remoteAddress ?? '?', req.socket.remotePort ?? 0),
    );
    // A failed TLS handshake (an agent that does not trust us) is the agent's
    // problem to report; note it, do not crash.
    https.on('tlsClientError', (err, socket) =>
      this.options.logger.warn(`agent TLS handshake failed: ${err.message}`, {
        address: socket.remoteAddress,
      }),
    );
    const host = this.options.host === '*' ? undefined : this.options.host;
    await new Promise<void>((resolve, reject) => {
      https.once('error', reject);
      https.listen(this.options.port, host, () => {
        https.off('error', reject);
        resolve();
      });
    });
    this.https = https;
    this.wss = wss;
  }

  /** Closes every socket and stops listening. Agents reconnect to the next daemon. */
  async close(): Promise<void> {
    for (const conn of this.connections.values()) {
      conn.socket?.close(CLOSE_GOING_AWAY, 'server shutting down');
      conn.actor.stop();
    }
    for (const client of this.wss?.clients ?? []) client.terminate();
    // Sockets still in their TLS or websocket handshake would keep close() waiting.
    this.https?.closeAllConnections();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) =>
      this.https ? this.https.close(() => resolve()) : resolve(),
    );
  }

  // -- connections ---------------------------------------------------------------

  private view(conn: Connection): AgentConnectionView {
    const snapshot = conn.actor.getSnapshot();
    const socket = conn.socket;
    return {
      conn_id: conn.connId,
      group_id: conn.groupId,
      state: typeof snapshot.value === 'string' ? snapshot.value : Object.keys(snapshot.value)[0]!,
      shutdown_state: snapshot.context.shutdownState,
      info: {
        conn: conn.conn,
        socket: socket ? { address: socket.address, port: socket.port } : null,
        proc: conn.proc,
        stats: {
          ...snapshot.context.stats,
          num_received: conn.numReceived + (socket?.numReceived ?? 0),
          num_sent: conn.numSent + (socket?.numSent ?? 0),
        },
      },
    };
  }

  /** What an agent said of itself when it registered. */
  connectionInfo(connId: string): { conn: ConnectionInfo; proc: ProcessInfo } | undefined {
    const conn = this.connections.get(connId);
    return conn && { conn: conn.conn, proc: conn.proc };
  }

  connectionViews(): AgentConnectionView[] {
    return [...this.connections.values()].map((c) => this.view(c));
  }

  groups(): Record<string, AgentConnectionView[]> {
    const groups: Record<string, AgentConnectionView[]> = {};
    for (const conn of this.connections.values())
      (groups[conn.groupId] ??= []).push(this.view(conn));
    return groups;
  }

  /** Calls `listener` with a connection's view when it changes, or its id when it is gone. */
  onChange(listener: (conn: AgentConnectionView | string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private publish(conn: Connection | string): void {
    const payload = typeof conn === 'string' ? conn : this.view(conn);
    for (const listener of this.changeListeners) listener(payload);
  }

  /** A connection that can take a start now: registered, its socket open, active. */
  private isAvailable(conn: Connection): boolean {
    const snapshot = conn.actor.getSnapshot();
    return (
      snapshot.value === 'registered' &&
      conn.socket?.isOpen === true &&
      snapshot.context.shutdownState === 'active'
    );
  }

  private load(connId: string): number {
    return this.loads.get(connId) ?? 0;
  }

  /**
   * The available agent of a group running the fewest of our processes (ties
   * broken at random). Apsis chooses uniformly at random; least-loaded
   * spreads a burst evenly. Synchronous, so a burst of starts in one turn
   * sees each start's process counted.
   */
  private pick(groupId: string): Connection | undefined {
    const candidates = [...this.connections.values()].filter(
      (c) => c.groupId === groupId && this.isAvailable(c),
    );
    if (candidates.length === 0) return undefined;
    const loads = candidates.map((c) => this.load(c.connId));
    const least = Math.min(...loads);
    const best = candidates.filter((_, i) => loads[i] === least);
    return best[Math.floor(Math.random() * best.length)];
  }

  /** Waits up to `timeoutMs` (null = forever) for an agent of the group to be available. */
  private async waitForAgent(groupId: string, timeoutMs: number | null): Promise<void> {
    const deadline = timeoutMs === null ? null : this.options.clock.now() + timeoutMs;
    while (!this.pick(groupId)) {
      const remaining = deadline === null ? null : deadline - this.options.clock.now();
      if (remaining !== null && remaining <= 0)
        throw new AgentUnavailableError(`no connected agent in group: ${groupId}`);
      await this.nextChange(remaining);
    }
  }

  /** Resolves at the next connection change, or after `ms` (null = no limit). */
  private nextChange(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const off = this.onChange(() => done());
      const done = () => {
        off();
        if (timer !== undefined) this.options.clock.clearTimeout(timer);
        resolve();
      };
      if (ms !== null) timer = this.options.clock.setTimeout(done, ms);
    });
  }

  // -- sockets ---------------------------------------------------------------------

  private accept(ws: WebSocket, address: string, port: number): void {
    const { logger } = this.options;
    const socket = new AgentSocket(
      this.nextSocketId++,
      ws,
      address,
      port,
      this.options.pingIntervalMs ?? PING_INTERVAL_MS,
    );
    this.sockets.set(socket.id, socket);
    const where = { address, port, socket: socket.id };
    let registerTimer: NodeJS.Timeout | undefined = setTimeout(() => {
      logger.warn('agent sent no Register in time; closing', where);
      socket.close(CLOSE_POLICY, 'no register');
    }, this.options.registerTimeoutMs ?? 60_000);
    registerTimer.unref();

    ws.on('message', (data: RawData, isBinary: boolean) => {
      socket.numReceived += 1;
      this.pacer?.received(byteLength(data));
      if (!isBinary) {
        logger.warn('agent sent a text frame; ignored (the protocol is binary only)', {
          ...where,
          conn_id: socket.connId,
        });
        return;
      }
      const frame = toBytes(data);
      let message: AgentMessage;
      try {
        message = decodeAgentMessage(frame);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        logger.warn(`malformed message from agent: ${err.message}`, {
          ...where,
          conn_id: socket.connId,
          type: err.messageType,
        });
        if (socket.connId === undefined) socket.close(CLOSE_POLICY, 'expected Register');
        return;
      }
      if (socket.connId === undefined) {
        if (registerTimer !== undefined) clearTimeout(registerTimer);
        registerTimer = undefined;
        if (message.type !== 'Register') {
          logger.warn(`expected Register; got ${message.type}`, where);
          socket.close(CLOSE_POLICY, 'expected Register');
          return;
        }
        this.register(socket, message);
        return;
      }
      this.dispatch(socket, message, frame);
    });

    ws.on('close', () => {
      this.sockets.delete(socket.id);
      if (registerTimer !== undefined) clearTimeout(registerTimer);
      const conn = socket.connId === undefined ? undefined : this.connections.get(socket.connId);
      if (!conn) return;
      if (conn.socket === socket) {
        conn.numReceived += socket.numReceived;
        conn.numSent += socket.numSent;
        conn.socket = undefined;
        logger.info('agent disconnected', { conn_id: conn.connId, group_id: conn.groupId });
      }
      conn.actor.send({
        type: 'socket.closed',
        socketId: socket.id,
        time: this.options.clock.now(),
      });
    });
    ws.on('error', (err) => logger.warn(`agent socket error: ${err.message}`, where));
  }

  private register(socket: AgentSocket, message: MessageOf<AgentMessage, 'Register'>): void {
    const { logger, clock } = this.options;
    const { conn_id: connId, group_id: groupId } = message.conn;
    const where = {
      address: socket.address,
      port: socket.port,
      conn_id: connId,
      group_id: groupId,
    };
    const token = digest(message.access_token);
    if (!timingSafeEqual(token, this.tokenDigest)) {
      logger.warn('agent refused: permission denied (wrong access token)', where);
      socket.close(CLOSE_POLICY, 'permission denied');
      return;
    }
    let conn = this.connections.get(connId);
    if (conn && conn.groupId !== groupId) {
      // procstar's server crashes here (NameError); refuse cleanly instead.
      logger.warn(
        `agent refused: connection ${connId} is registered in group ${conn.groupId}`,
        where,
      );
      socket.close(CLOSE_POLICY, `conn_id ${connId} belongs to group ${conn.groupId}`);
      return;
    }
    // Registered must be the first frame the agent receives.
    socket.connId = connId;
    socket.send({ type: 'Registered' });
    if (!conn) {
      conn = this.createConnection(message, socket);
    } else {
      const old = conn.socket;
      if (old && old !== socket) {
        conn.numReceived += old.numReceived;
        conn.numSent += old.numSent;
      }
      conn.conn = message.conn;
      conn.proc = message.proc;
      conn.socket = socket;
    }
    logger.info('agent registered', {
      ...where,
      hostname: message.proc.hostname,
      agent_pid: message.proc.pid,
      procs: message.proc_ids.length,
    });
    conn.actor.send({
      type: 'agent.registered',
      socketId: socket.id,
      shutdownState: message.shutdown_state,
      time: clock.now(),
    });
    this.reconcile(conn, message.proc_ids);
  }

  private createConnection(
    message: MessageOf<AgentMessage, 'Register'>,
    socket: AgentSocket,
  ): Connection {
    const { conn_id: connId, group_id: groupId } = message.conn;
    // The actor's actions close over the connection that holds the actor.
    // eslint-disable-next-line prefer-const
    let conn: Connection;
    const actor = createActor(
      agentConnectionMachine.provide({
        actions: {
          publish: () => this.publish(conn),
          closeSocket: (_, { socketId }) => {
            const old = this.sockets.get(socketId);
            if (old && old !== conn.socket) old.close(CLOSE_POLICY, 'replaced by a new connection');
          },
          forget: () => this.forget(conn),
        },
      }),
      {
        id: `agent:${connId}`,
        clock: this.options.clock,
        input: {
          connId,
          groupId,
          reconnectTimeoutMs: this.options.reconnectTimeoutMs,
          now: this.options.clock.now(),
        },
      },
    );
    conn = {
      connId,
      groupId,
      actor,
      conn: message.conn,
      proc: message.proc,
      socket,
      numReceived: 0,
      numSent: 0,
    };
    this.connections.set(connId, conn);
    actor.start();
    return conn;
  }

  /** The connection left for good: its processes hear of it, and it leaves the registry. */
  private forget(conn: Connection): void {
    this.connections.delete(conn.connId);
    this.options.logger.warn('agent connection gone', {
      conn_id: conn.connId,
      group_id: conn.groupId,
    });
    for (const [procId, channel] of this.channels) {
      if (channel.connId !== conn.connId) continue;
      channel.push({
        type: 'connection-gone',
        connId: conn.connId,
        hostname: conn.proc.hostname,
        groupId: conn.groupId,
      });
      this.untrack(procId);
    }
    queueMicrotask(() => this.publish(conn.connId));
  }

  /**
   * After a (re)registration: processes we follow that the agent still has are
   * asked for a fresh result (events were dropped while it was away); those it
   * no longer has are reported unknown at once (procstar-protocol.md §5.1).
   */
  private reconcile(conn: Connection, procIds: readonly string[]): void {
    const listed = new Set(procIds);
    for (const channel of this.channels.values()) {
      if (channel.connId !== conn.connId) continue;
      if (listed.has(channel.procId))
        this.trySend(conn, { type: 'ProcResultRequest', proc_id: channel.procId });
      else {
        channel.push({ type: 'unknown' });
        this.untrack(channel.procId);
      }
    }
  }

  /** Routes a message from a registered agent; `frame` is the bytes it came in. */
  private dispatch(socket: AgentSocket, message: AgentMessage, frame: Uint8Array): void {
    const { logger } = this.options;
    const conn = this.connections.get(socket.connId!);
    const route = (procId: string) => {
      const channel = this.channels.get(procId);
      if (!channel)
        // procstar's server drops the connection here (KeyError); a stale
        // message about a process nobody follows is harmless.
        logger.debug(`${message.type} for a process not followed: ${procId}`, {
          conn_id: socket.connId,
        });
      return channel;
    };
    switch (message.type) {
      case 'ProcResult':
        route(message.proc_id)?.push({ type: 'result', res: message.res });
        return;
      case 'ProcFdData': {
        // The data is a view into the frame. A frame that is a buffer of its
        // own (ws copies a large message into one) is freed once the data is
        // stored, rather than when V8 next collects (see memory/release.ts).
        const whole = wholeBuffer(frame);
        route(message.proc_id)?.push({
          type: 'fd-data',
          fd: message.fd,
          start: message.start,
          stop: message.stop,
          data: message.data,
          release: () => {
            if (whole !== undefined) releaseBuffer(whole);
          },
        });
        return;
      }
      case 'ProcDelete':
        route(message.proc_id)?.push({ type: 'deleted' });
        this.untrack(message.proc_id);
        return;
      case 'ProcUnknown':
        route(message.proc_id)?.push({ type: 'unknown' });
        this.untrack(message.proc_id);
        return;
      case 'RequestError': {
        const { msg, err } = message;
        const procIds =
          msg.proc_id !== undefined
            ? [msg.proc_id]
            : msg.specs !== null && typeof msg.specs === 'object'
              ? Object.keys(msg.specs)
              : [];
        if (procIds.length === 0)
          logger.warn(`agent error response to ${msg.type}: ${err}`, { conn_id: socket.connId });
        for (const procId of procIds)
          route(procId)?.push({ type: 'request-error', request: msg.type, message: err });
        return;
      }
      case 'ShutDown':
        conn?.actor.send({ type: 'agent.shutdown', shutdownState: message.shutdown_state });
        return;
      case 'ProcidList':
        logger.debug('agent process list', { conn_id: socket.connId, procs: message.proc_ids });
        return;
      case 'Register':
        logger.warn('agent sent Register again on a registered socket; ignored', {
          conn_id: socket.connId,
        });
        return;
    }
  }

  private trySend(conn: Connection, message: ServerMessage): boolean {
    try {
      this.sendTo(conn.connId, message);
      return true;
    } catch (err) {
      if (err instanceof NotConnectedError) return false;
      throw err;
    }
  }

  /** Sends to a connection's current socket; throws `NotConnectedError` when it has none. */
  sendTo(connId: string, message: ServerMessage): void {
    const socket = this.connections.get(connId)?.socket;
    if (!socket) throw new NotConnectedError(connId);
    socket.send(message);
  }

  // -- processes -------------------------------------------------------------------

  private track(channel: ProcChannel): void {
    this.untrack(channel.procId);
    this.channels.set(channel.procId, channel);
    this.loads.set(channel.connId, this.load(channel.connId) + 1);
  }

  private untrack(procId: string): void {
    const channel = this.channels.get(procId);
    if (!channel) return;
    this.channels.delete(procId);
    this.loads.set(channel.connId, this.load(channel.connId) - 1);
  }

  private handle(procId: string, connId: string): ProcHandle {
    const channel = new ProcChannel(procId, connId, this.options.clock);
    this.track(channel);
    return new ProcHandle(
      channel,
      (id, message) => this.sendTo(id, message),
      (id) => {
        if (this.channels.get(id) === channel) this.untrack(id);
      },
    );
  }

  /**
   * Starts a process on an agent of `groupId` (procstar-protocol.md §5.2),
   * waiting up to `startTimeoutMs` for one (null = forever). If the chosen
   * agent's socket turns out closed, another is chosen once. The first event
   * on the handle is the agent's first result, or a `request-error`.
   */
  async startProc(
    groupId: string,
    procId: string,
    spec: ProcSpec,
    startTimeoutMs: number | null,
  ): Promise<ProcHandle> {
    for (let attempt = 0; ; attempt++) {
      const conn = this.pick(groupId);
      if (!conn) {
        await this.waitForAgent(groupId, startTimeoutMs);
        continue;
      }
      const handle = this.handle(procId, conn.connId);
      try {
        this.sendTo(conn.connId, { type: 'ProcStartRequest', specs: { [procId]: spec } });
        return handle;
      } catch (err) {
        handle.detach();
        if (!(err instanceof NotConnectedError) || attempt > 0) throw err;
      }
    }
  }

  /**
   * Follows a process again after a daemon restart: waits up to `timeoutMs`
   * (null = forever) for its agent to be connected, then asks for its result.
   */
  async reconnectProc(
    connId: string,
    procId: string,
    timeoutMs: number | null,
  ): Promise<ProcHandle> {
    const deadline = timeoutMs === null ? null : this.options.clock.now() + timeoutMs;
    for (;;) {
      const conn = this.connections.get(connId);
      if (conn?.socket?.isOpen && conn.actor.getSnapshot().value === 'registered') {
        const handle = this.handle(procId, connId);
        handle.requestResult();
        return handle;
      }
      const remaining = deadline === null ? null : deadline - this.options.clock.now();
      if (remaining !== null && remaining <= 0)
        throw new AgentUnavailableError(`unknown connection: ${connId}`);
      await this.nextChange(remaining);
    }
  }
}

function byteLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
