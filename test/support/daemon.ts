import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './temp-dir.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * `apsisctl serve` as a real child process. Its log is JSON lines on stdout
 * (not a terminal), which tests wait on.
 */
export class Daemon {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: {
    test: (line: LogLine) => boolean;
    resolve: (line: LogLine) => void;
  }[] = [];

  constructor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    const bin = join(repoRoot, 'dist', 'src', 'cli', 'apsisctl.js');
    // Tests run daemons side by side: each API takes a free port unless told one.
    const port = args.includes('--port') ? [] : ['--port', '0'];
    this.child = spawn(process.execPath, [bin, 'serve', ...port, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { level: 0, msg: text };
        }
        this.lines.push(line);
        for (const waiter of [...this.waiters]) {
          if (waiter.test(line)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Resolves with the first log line (past or future) whose message matches. */
  waitFor(msg: string | RegExp, timeoutMs = 15_000): Promise<LogLine> {
    const test = (line: LogLine) =>
      typeof msg === 'string' ? line.msg === msg : msg.test(line.msg);
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no log line ${String(msg)} within ${timeoutMs} ms; stderr: ${this.stderr}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`daemon exited before ${String(msg)}; stderr: ${this.stderr}`));
      });
    });
  }

  /** The API's base URL (`http://127.0.0.1:PORT`), once it listens. */
  async apiUrl(): Promise<string> {
    const line = await this.waitFor(/^API listening on /);
    return `http://127.0.0.1:${String(line.port)}`;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
