import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import {
  ScriptedServer,
  type ScriptedServerOptions,
} from '../../support/procstar-scripted-server.js';
import { repoRoot, tempDir } from '../../support/temp-dir.js';

export const TOKEN = 'test-token';

/** A scripted TLS server for this test file, closed (and its agents' leftovers killed) after it. */
export async function scriptedServer(
  options: Partial<ScriptedServerOptions> = {},
): Promise<ScriptedServer> {
  const server = await ScriptedServer.start({ certDir: tempDir('agent-cert-'), ...options });
  after(async () => {
    server.killRecordedPids();
    await server.close();
  });
  return server;
}

export interface AgentLine {
  level: number;
  msg: string;
}

/** `apsis agent` as a real child process, dialling a scripted server. */
export class AgentChild {
  readonly child: ChildProcess;
  readonly connId: string;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    server: { url: string; certPath: string },
    args: string[] = [],
    options: { env?: NodeJS.ProcessEnv; connId?: string; cwd?: string } = {},
  ) {
    this.connId = options.connId ?? randomUUID();
    const bin = join(repoRoot, 'dist', 'src', 'cli', 'apsis.js');
    this.child = spawn(
      process.execPath,
      [
        bin,
        'agent',
        '--server',
        server.url,
        '--conn-id',
        this.connId,
        '--group-id',
        'test-group',
        '--connect-interval-start',
        '0.05',
        '--connect-interval-max',
        '0.2',
        '--log-level',
        'info',
        ...args,
      ],
      {
        cwd: options.cwd ?? repoRoot,
        env: {
          ...process.env,
          PROCSTAR_AGENT_CERT: server.certPath,
          PROCSTAR_AGENT_TOKEN: TOKEN,
          ...options.env,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    after(() => this.stop());
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The agent's log lines (JSON on a non-terminal stderr). */
  get lines(): AgentLine[] {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AgentLine);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves with the exit, or rejects after `timeoutMs`. */
  async exit(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`agent did not exit within ${timeoutMs} ms; log:\n${this.stderr}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The agent's resident set size now, from /proc/PID/status (bytes). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? NaN) * 1024;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Keys of a decoded msgpack map, in wire order. */
export function keysOf(value: unknown): string[] {
  return Object.keys(value as object);
}
