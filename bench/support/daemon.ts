/**
 * The real daemon for the API benchmarks: `apsisctl serve` from dist/, in a
 * child process of its own, on a config the bench writes, listening on
 * 127.0.0.1. `daemon-probe.js` is preloaded into it so the bench can read
 * the daemon's loop lag, CPU and memory over a window (see there); nothing
 * else about the daemon differs from production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { ProbeCommand, ProbeFigures } from './daemon-probe.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const APSISCTL = join(REPO_ROOT, 'dist', 'src', 'cli', 'apsisctl.js');
const PROBE = pathToFileURL(join(import.meta.dirname, 'daemon-probe.js')).href;
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 60_000;

/** A TCP port nobody listens on now (the daemon takes it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

export interface DaemonOptions {
  /** Folder for the config and the daemon's log. */
  readonly dir: string;
  readonly jobDir: string;
  readonly dbPath: string;
  /** Extra config lines (YAML, top level). */
  readonly config?: string;
  /** Node flags for the daemon's process (`--cpu-prof`, …), before the script. */
  readonly nodeArgs?: readonly string[];
}

export class Daemon {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly logPath: string,
    /** Spawn → `GET /api/v1/running` answered, ms. */
    readonly readyMs: number,
  ) {}

  /** Starts `apsisctl serve` and resolves once `/api/v1/running` answers (runs restored, scheduling). */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const port = await freePort();
    const configPath = join(options.dir, 'config.yaml');
    writeFileSync(
      configPath,
      [
        `job_dir: ${JSON.stringify(options.jobDir)}`,
        `database: ${JSON.stringify(options.dbPath)}`,
        // The bench's own `procstar` section, if any, replaces this one.
        /^procstar:/m.test(options.config ?? '') ? '' : 'procstar: {agent: {enable: false}}',
        `api: {host: 127.0.0.1, port: ${port}}`,
        options.config ?? '',
      ].join('\n'),
    );
    const logPath = join(options.dir, 'daemon.log');
    const log = openSync(logPath, 'a');
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), '--import', PROBE, APSISCTL, 'serve', '--config', configPath],
      { stdio: ['ignore', log, log, 'ipc'] },
    );
    closeSync(log);
    const url = `http://127.0.0.1:${port}`;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`daemon exited (${code ?? signal}); log: ${logPath}\n${tail(logPath)}`)),
      ),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      try {
        const res = await Promise.race([fetch(`${url}/api/v1/running`), exited]);
        await res.arrayBuffer();
        if (res.ok) break;
      } catch (err) {
        // Refused connections until the daemon listens; an exit ends the wait.
        if (child.exitCode !== null || child.signalCode !== null) throw err;
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`daemon not ready in ${READY_TIMEOUT_MS / 1000} s; log: ${logPath}`, {
            cause: err,
          });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return new Daemon(child, url, logPath, performance.now() - started);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Opens a measurement window in the daemon. */
  mark(): void {
    this.send({ type: 'mark' });
  }

  /**
   * Opens a window after two full garbage collections in the daemon, so its
   * peak RSS is measured from what is live; resolves once it is open.
   */
  markSettled(): Promise<void> {
    return new Promise((resolve, reject) => {
      const exited = () =>
        reject(new Error(`daemon exited; log: ${this.logPath}\n${tail(this.logPath)}`));
      this.child.once('exit', exited);
      this.child.once('message', () => {
        this.child.off('exit', exited);
        resolve();
      });
      this.send({ type: 'mark', settle: true });
    });
  }

  private send(command: ProbeCommand): void {
    this.child.send(command);
  }

  /** Closes the window and returns its figures (rejects if the daemon exits first). */
  read(): Promise<ProbeFigures> {
    return new Promise((resolve, reject) => {
      const exited = () =>
        reject(new Error(`daemon exited; log: ${this.logPath}\n${tail(this.logPath)}`));
      if (this.child.exitCode !== null || this.child.signalCode !== null) return exited();
      this.child.once('exit', exited);
      this.child.once('message', (message) => {
        this.child.off('exit', exited);
        resolve(message as ProbeFigures);
      });
      this.send({ type: 'read' });
    });
  }

  /**
   * The daemon's resident memory now, bytes, from /proc (zeros once it is
   * gone): `file` is mostly the database pages SQLite has mapped (mmap_size,
   * 256 MB at most), which the kernel can drop at will; `anon` is the heap and
   * SQLite's own page cache.
   */
  memory(): { rss: number; anon: number; file: number; hwm: number } {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (key: string) =>
        Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
      return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), hwm: kb('VmHWM') };
    } catch {
      return { rss: 0, anon: 0, file: 0, hwm: 0 };
    }
  }

  /** VmRSS of the daemon now, bytes. */
  rss(): number {
    return this.memory().rss;
  }

  /** SIGTERM, as an operator stops it; SIGKILL if it has not exited in a minute. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  /** Kills it at once (an interrupted bench). */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}
