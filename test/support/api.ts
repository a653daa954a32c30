import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import {
  createApi,
  type ApiOptions,
  type ApiServer,
  type LoadedJobs,
} from '../../src/api/index.js';
import { builtinCalendars } from '../../src/time/index.js';
import { jobsFrom, TestRuntime, type TestRuntimeOptions } from './runtime.js';

export interface TestApiOptions extends TestRuntimeOptions {
  readonly token?: string | null;
  readonly lookbackMs?: number | null;
  /** What the next reload finds; default: the jobs the runtime started with. */
  reload?: () => LoadedJobs;
  readonly apiOptions?: Partial<ApiOptions>;
}

/**
 * The API in-process around a TestRuntime (manual clock, real SQLite):
 * `inject` for HTTP, `listen` then `socket` for websockets on 127.0.0.1.
 */
export class TestApi {
  app!: FastifyInstance;
  /** The summary stream's publisher, for tests that publish or inspect it directly. */
  summary!: ApiServer['summary'];
  url = '';
  shutDowns: boolean[] = [];
  private readonly sockets: WebSocket[] = [];

  private constructor(
    readonly t: TestRuntime,
    private readonly options: TestApiOptions,
    private files: Record<string, string>,
  ) {}

  static async start(
    files: Record<string, string>,
    options: TestApiOptions = {},
    start?: string,
  ): Promise<TestApi> {
    const t = await TestRuntime.start(files, options, start);
    const api = new TestApi(t, options, files);
    await api.build();
    return api;
  }

  /** Jobs the next `reload_jobs` reads. */
  setJobFiles(files: Record<string, string>): void {
    this.files = files;
  }

  private async build(): Promise<void> {
    const { app, summary } = await createApi({
      runtime: this.t.runtime,
      calendars: builtinCalendars,
      agents: null,
      version: '9.9.9',
      startedAt: this.t.now,
      lookbackMs: this.options.lookbackMs ?? null,
      token: this.options.token ?? null,
      jobDir: '/jobs',
      loadJobs: async () => this.options.reload?.() ?? { ok: true, jobs: jobsFrom(this.files) },
      shutDown: (restart) => this.shutDowns.push(restart),
      ready: Promise.resolve(),
      logger: this.t.logs,
      ...this.options.apiOptions,
    });
    this.app = app;
    this.summary = summary;
  }

  async inject(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: any; text: string; headers: Record<string, unknown> }> {
    const res = await this.app.inject({
      method,
      url,
      headers,
      ...(body !== undefined && { payload: body as object }),
    });
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, text: res.body, headers: res.headers };
  }

  async listen(): Promise<void> {
    await this.app.listen({ host: '127.0.0.1', port: 0 });
    const address = this.app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    this.url = `127.0.0.1:${address.port}`;
  }

  /** Opens a websocket; messages are collected as they come. */
  async socket(path: string): Promise<TestSocket> {
    const ws = new WebSocket(`ws://${this.url}${path}`);
    this.sockets.push(ws);
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return socket;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await this.app.close();
    await this.t.stop();
  }
}

/** A websocket client that keeps every message and lets a test wait for one. */
export class TestSocket {
  readonly messages: (string | Buffer)[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      this.messages.push(isBinary ? (data as Buffer) : data.toString());
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** JSON messages so far. */
  get json(): any[] {
    return this.messages.filter((m) => typeof m === 'string').map((m) => JSON.parse(m as string));
  }

  /** Resolves once `test` holds (checked on each message and on close), or fails after `ms`. */
  async until(test: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline)
        throw new Error(`timed out; messages: ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
