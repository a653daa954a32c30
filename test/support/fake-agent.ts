import { join } from 'node:path';
import { after } from 'node:test';
import WebSocket from 'ws';
import {
  AgentServer,
  decodeFrame,
  encodeMessage,
  selfSignedCertificate,
  type AgentServerOptions,
} from '../../src/procstar/index.js';
import type { Logger } from '../../src/runtime/index.js';
import { systemClock } from '../../src/runtime/index.js';
import { tempDir } from './temp-dir.js';

// Registered when this module loads, so it runs when the test file ends
// (an `after` called inside a running test would not run for the file).
const sockets = new Set<WebSocket>();
const servers = new Set<AgentServer>();
after(async () => {
  for (const ws of sockets) ws.terminate();
  for (const server of servers) await server.close();
});

/** A logger that keeps lines, for tests that check what was logged. */
export function recordingLogger(): Logger & {
  lines: { level: string; message: string; data?: Record<string, unknown> }[];
} {
  const lines: { level: string; message: string; data?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, data?: Record<string, unknown>) =>
    void lines.push({ level, message, data });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A self-signed certificate for localhost in a temp folder, made once per test file. */
let certificate: Promise<{ cert: string; key: string; certPath: string }> | undefined;
export function testCertificate() {
  certificate ??= (async () => {
    const dir = tempDir('apsis-cert-');
    return selfSignedCertificate(join(dir, 'agent.crt'), join(dir, 'agent.key'), [
      'localhost',
      '127.0.0.1',
    ]);
  })();
  return certificate;
}

/** An agent server on a free loopback port, closed when the test file ends. */
export async function startTestServer(
  options: Partial<AgentServerOptions> = {},
): Promise<{ server: AgentServer; url: string; logger: ReturnType<typeof recordingLogger> }> {
  const { cert, key } = await testCertificate();
  const logger = recordingLogger();
  const server = new AgentServer({
    host: '127.0.0.1',
    port: 0,
    accessToken: 'sekrit',
    cert,
    key,
    reconnectTimeoutMs: null,
    clock: systemClock,
    logger,
    ...options,
  });
  await server.listen();
  servers.add(server);
  return { server, url: `wss://localhost:${server.port}`, logger };
}

export interface RegisterFields {
  connId?: string;
  groupId?: string;
  token?: string;
  procIds?: string[];
  shutdownState?: 'active' | 'idling' | 'done';
}

/**
 * A scripted agent: a real websocket client speaking the codec, whose test
 * decides every frame it sends. Frames received are decoded and queued.
 */
export class FakeAgent {
  readonly received: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.received.push(decodeFrame(data) as Record<string, unknown>);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(url: string): Promise<FakeAgent> {
    const { cert } = await testCertificate();
    const ws = new WebSocket(url, { ca: cert });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const agent = new FakeAgent(ws);
    sockets.add(ws);
    return agent;
  }

  /** Connects and registers; resolves once `Registered` arrived. */
  static async register(url: string, fields: RegisterFields = {}): Promise<FakeAgent> {
    const agent = await FakeAgent.connect(url);
    agent.sendRegister(fields);
    await agent.nextOf('Registered');
    return agent;
  }

  sendRegister(fields: RegisterFields = {}): void {
    this.send({
      type: 'Register',
      conn: {
        conn_id: fields.connId ?? 'conn-1',
        group_id: fields.groupId ?? 'default',
        restricted_exe: null,
      },
      proc: {
        pid: 4242,
        ppid: 1,
        uid: 1000,
        euid: 1000,
        username: 'svc',
        gid: 1000,
        egid: 1000,
        groupname: 'svc',
        hostname: 'worker7',
      },
      proc_ids: fields.procIds ?? [],
      access_token: fields.token ?? 'sekrit',
      shutdown_state: fields.shutdownState ?? 'active',
    });
  }

  send(message: object): void {
    this.ws.send(encodeMessage(message), { binary: true });
  }

  sendRaw(data: Buffer | string): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  /** Waits (up to 5 s) for a frame of `type` not yet taken, and takes it. */
  nextOf(type: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return this.nextOfAny([type], timeoutMs);
  }

  /** Waits for the first frame of any of `types` not yet taken, and takes it. */
  async nextOfAny(types: string[], timeoutMs = 5000): Promise<Record<string, unknown>> {
    const type = types.join(' or ');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((m) => types.includes(m.type as string));
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      if (this.closed)
        throw new Error(`closed (${this.closed.code} ${this.closed.reason}) before ${type}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no ${type} within ${timeoutMs} ms; got ${this.received.map((m) => String(m.type)).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the server to close the socket. */
  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket not closed in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}

/** Polls `predicate` every few ms until it holds (up to `timeoutMs`). */
export async function eventually(
  predicate: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
