import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ProtocolError,
  decodeAgentMessage,
  decodeFrame,
  encodeMessage,
  selfSignedCertificate,
  type AgentMessage,
  type MessageOf,
} from '../../src/procstar/index.js';

/**
 * A tiny procstar agent server for tests: TLS websockets on 127.0.0.1 with a
 * self-signed certificate, speaking the codec. It answers `Register` with
 * `Registered` (when the token matches, else it closes as the Python server
 * does), records every frame, and lets a test send requests and await the
 * agent's replies with deadlines.
 */

export interface RecordedFrame {
  /** The bytes as received. */
  readonly bytes: Buffer;
  /** The msgpack value, keys in wire order. */
  readonly raw: unknown;
  /** The checked message, or the reason it failed the schema. */
  readonly message: AgentMessage | null;
  readonly error: string | null;
  readonly at: number;
}

type Msg<T extends AgentMessage['type']> = MessageOf<AgentMessage, T>;

export class ScriptedConnection {
  readonly frames: RecordedFrame[] = [];
  /** Frames not yet taken by `next()`. */
  readonly #pending: RecordedFrame[] = [];
  readonly #waiters: {
    test: (f: RecordedFrame) => boolean;
    resolve: (f: RecordedFrame) => void;
  }[] = [];
  pings = 0;
  /** Resolves on the agent's first WS ping. */
  readonly pinged: Promise<void>;
  readonly #pingWaiters: { count: number; resolve: () => void }[] = [];
  readonly closed: Promise<{ code: number }>;
  #open = true;

  constructor(
    readonly ws: WebSocket,
    readonly register: RecordedFrame,
  ) {
    this.frames.push(register);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.#open = false;
        resolve({ code });
      }),
    );
    this.pinged = new Promise((resolve) =>
      ws.on('ping', () => {
        this.pings += 1;
        resolve();
        for (const waiter of this.#pingWaiters.filter((w) => this.pings >= w.count)) {
          this.#pingWaiters.splice(this.#pingWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }),
    );
  }

  /** Resolves once the agent has pinged `count` times, or rejects after `timeoutMs`. */
  pingedTimes(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.pings >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.pings} of ${count} pings within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#pingWaiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** The agent's connection id, from its Register. */
  get connId(): string {
    return (this.register.message as { conn: { conn_id: string } }).conn.conn_id;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Records a frame; `onFrame` is the server's hook for pids. */
  receive(frame: RecordedFrame): void {
    this.frames.push(frame);
    const waiter = this.#waiters.find((w) => w.test(frame));
    if (waiter !== undefined) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    } else this.#pending.push(frame);
  }

  /** Sends a request (any object: tests also send malformed ones). */
  send(message: object): void {
    this.ws.send(encodeMessage(message));
  }

  sendBytes(bytes: Uint8Array, binary = true): void {
    this.ws.send(bytes, { binary });
  }

  /**
   * The first frame not yet taken that satisfies `test`, waiting up to
   * `timeoutMs`. Frames that do not match stay for later calls.
   */
  nextFrame(
    test: (f: RecordedFrame) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<RecordedFrame> {
    const index = this.#pending.findIndex(test);
    if (index >= 0) return Promise.resolve(this.#pending.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (f: RecordedFrame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        const seen = this.frames.map((f) => f.message?.type ?? `invalid(${f.error})`).join(', ');
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}; frames so far: ${seen}`),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** The next message of `type` (optionally also matching `test`). */
  async next<T extends AgentMessage['type']>(
    type: T,
    test: (m: Msg<T>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Msg<T>> {
    const frame = await this.nextFrame(
      (f) => f.message?.type === type && test(f.message as Msg<T>),
      type,
      timeoutMs,
    );
    return frame.message as Msg<T>;
  }

  /** The next message for `procId` of any of `types`. */
  async nextFor(
    procId: string,
    types: AgentMessage['type'][],
    timeoutMs = 10_000,
  ): Promise<AgentMessage> {
    const frame = await this.nextFrame(
      (f) =>
        f.message !== null &&
        types.includes(f.message.type) &&
        (f.message.type === 'RequestError'
          ? f.message.msg.proc_id === procId
          : (f.message as { proc_id?: string }).proc_id === procId),
      `${types.join('/')} for ${procId}`,
      timeoutMs,
    );
    return frame.message!;
  }

  /** The next result for `procId` whose state is not `running`. */
  async finalResult(procId: string, timeoutMs = 10_000): Promise<Msg<'ProcResult'>> {
    return this.next(
      'ProcResult',
      (m) => m.proc_id === procId && m.res.state !== 'running',
      timeoutMs,
    );
  }

  /** Frames of the given type not yet taken. */
  pendingOf(type: AgentMessage['type']): RecordedFrame[] {
    return this.#pending.filter((f) => f.message?.type === type);
  }

  close(code = 1000): void {
    this.ws.close(code);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export interface ScriptedServerOptions {
  /** The token agents must send; anything else is closed without a reason. Default: accept any. */
  readonly accessToken?: string;
  /** Plain ws:// instead of TLS. */
  readonly plain?: boolean;
  /** Where the certificate and key go (a temp dir). */
  readonly certDir: string;
  /** Answer Register with Registered (default true). */
  readonly registered?: boolean;
  /** Listen on this port (for a restart on the same port). */
  readonly port?: number;
  /** Requests sent in the same tick as Registered, as the Python server does after a reconnect. */
  readonly afterRegistered?: readonly object[];
}

/** An unmasked binary websocket frame, as a server sends it (payloads under 64 KiB). */
function serverFrame(payload: Buffer): Buffer {
  const header =
    payload.length < 126
      ? Buffer.from([0x82, payload.length])
      : Buffer.from([0x82, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

export class ScriptedServer {
  readonly connections: ScriptedConnection[] = [];
  /** Registrations refused for a bad token, and attempts that never registered. */
  rejected = 0;
  /** When each websocket connection was accepted (ms). */
  readonly attemptTimes: number[] = [];
  /** Every pid seen in a result with its command name, so tests can kill leftovers. */
  readonly pids = new Map<number, string>();
  readonly #waiters: { connId?: string; resolve: (c: ScriptedConnection) => void }[] = [];
  readonly #unclaimed: ScriptedConnection[] = [];

  private constructor(
    readonly http: Server,
    readonly wss: WebSocketServer,
    readonly url: string,
    readonly port: number,
    readonly certPath: string,
    readonly options: ScriptedServerOptions,
  ) {}

  static async start(options: ScriptedServerOptions): Promise<ScriptedServer> {
    const certPath = join(options.certDir, 'agent-server.crt');
    const keyPath = join(options.certDir, 'agent-server.key');
    const http = options.plain
      ? createHttpServer()
      : createHttpsServer(
          await selfSignedCertificate(certPath, keyPath, ['localhost', '127.0.0.1']),
        );
    // Unlimited inbound size, as the protocol needs (§1.1).
    const wss = new WebSocketServer({ server: http, maxPayload: 0, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    const url = `${options.plain ? 'ws' : 'wss'}://127.0.0.1:${port}`;
    const server = new ScriptedServer(http, wss, url, port, certPath, options);
    wss.on('connection', (ws) => server.#accept(ws));
    return server;
  }

  static record(bytes: Buffer): RecordedFrame {
    let raw: unknown = undefined;
    let message: AgentMessage | null = null;
    let error: string | null = null;
    try {
      raw = decodeFrame(bytes);
      message = decodeAgentMessage(bytes);
    } catch (err) {
      error = err instanceof ProtocolError || err instanceof Error ? err.message : String(err);
    }
    return { bytes, raw, message, error, at: Date.now() };
  }

  #accept(ws: WebSocket): void {
    this.attemptTimes.push(Date.now());
    let connection: ScriptedConnection | null = null;
    ws.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      const frame = ScriptedServer.record(
        isBinary ? bytes : Buffer.from(`TEXT:${bytes.toString()}`),
      );
      if (frame.message?.type === 'ProcResult' && frame.message.res.pid > 0) {
        const comm = frame.message.res.proc_stat?.comm;
        if (typeof comm === 'string') this.pids.set(frame.message.res.pid, comm);
      }
      if (connection !== null) return connection.receive(frame);
      if (frame.message?.type !== 'Register') return ws.close(1000);
      if (
        this.options.accessToken !== undefined &&
        frame.message.access_token !== this.options.accessToken
      ) {
        this.rejected += 1;
        return ws.close(1000);
      }
      connection = new ScriptedConnection(ws, frame);
      this.connections.push(connection);
      if (this.options.registered !== false) {
        const after = this.options.afterRegistered ?? [];
        if (after.length === 0) ws.send(encodeMessage({ type: 'Registered' }));
        else {
          // One write, so the agent reads Registered and the requests in one
          // chunk: ws has no public way to coalesce frames, hence the raw socket.
          const frames = [{ type: 'Registered' }, ...after].map((m) =>
            serverFrame(encodeMessage(m)),
          );
          (ws as unknown as { _socket: Socket })._socket.write(Buffer.concat(frames));
        }
      }
      const connId = (frame.message as { conn: { conn_id: string } }).conn.conn_id;
      const waiter = this.#waiters.find((w) => w.connId === undefined || w.connId === connId);
      if (waiter !== undefined) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(connection);
      } else this.#unclaimed.push(connection);
    });
    ws.on('error', () => {
      // A test may cut connections roughly; the agent's side is what is under test.
    });
  }

  /**
   * The next registered connection not yet taken (in arrival order), of
   * agent `connId` if given, waiting up to `timeoutMs`.
   */
  nextConnection(connId?: string, timeoutMs = 10_000): Promise<ScriptedConnection> {
    const index = this.#unclaimed.findIndex((c) => connId === undefined || c.connId === connId);
    if (index >= 0) return Promise.resolve(this.#unclaimed.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        connId,
        resolve: (c: ScriptedConnection) => {
          clearTimeout(timer);
          resolve(c);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for agent ${connId ?? ''} to register`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /**
   * Kills every process a result named that still runs the same command
   * (agents' children run in their own sessions and outlive a killed agent).
   */
  killRecordedPids(): void {
    for (const [pid, comm] of this.pids) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone already
      }
      if (!stat.includes(`(${comm})`)) continue; // the pid was reused
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Ended meanwhile: nothing to clean up.
      }
    }
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
