import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Logger } from '../runtime/logger.js';

export interface BuiltinAgentOptions {
  /** `wss://localhost:PORT`: the daemon's own agent server. */
  serverUrl: string;
  groupId: string;
  accessToken: string;
  /** The server certificate the agent trusts (PROCSTAR_AGENT_CERT). */
  certPath: string;
  /** Where the agent's pid file and log live (beside the database). */
  pidPath: string;
  logPath: string;
  logger: Logger;
  /** Restart delay after the agent exits unexpectedly (default 1 s). */
  restartDelayMs?: number;
}

const pidFileSchema = z.object({ pid: z.number().int(), connId: z.string() });

/** The `apsis` client script beside this module in the build. */
const APSIS_JS = fileURLToPath(new URL('../cli/apsis.js', import.meta.url));

function isOurAgent(pid: number, connId: string): boolean {
  try {
    process.kill(pid, 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('agent') && cmdline.includes(connId);
  } catch {
    return false;
  }
}

/**
 * The agent the daemon runs for itself (`procstar.agent.builtin`), so
 * procstar programs work with no other setup. It runs in its own session and
 * outlives the daemon: a daemon that crashes or restarts finds it again by its
 * pid file and its runs reconnect to it, as with any remote agent. A clean
 * shutdown with no process running on it stops it.
 */
export class BuiltinAgent {
  private child: ChildProcess | undefined;
  private pid: number | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BuiltinAgentOptions) {}

  /** Adopts the agent a previous daemon left running, or starts one. */
  start(): void {
    const previous = this.readPidFile();
    if (previous && isOurAgent(previous.pid, previous.connId)) {
      this.pid = previous.pid;
      this.options.logger.info('built-in agent still running; adopting it', {
        agent_pid: previous.pid,
        conn_id: previous.connId,
      });
      return;
    }
    this.spawn(randomUUID());
  }

  private readPidFile(): z.infer<typeof pidFileSchema> | undefined {
    try {
      const parsed = pidFileSchema.safeParse(
        JSON.parse(readFileSync(this.options.pidPath, 'utf8')),
      );
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private spawn(connId: string): void {
    const { serverUrl, groupId, accessToken, certPath, logPath, logger } = this.options;
    const log = openSync(logPath, 'a');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PROCSTAR_AGENT_CERT: certPath,
      PROCSTAR_AGENT_TOKEN: accessToken,
    };
    const child = spawn(
      process.execPath,
      [APSIS_JS, 'agent', '--server', serverUrl, '--group-id', groupId, '--conn-id', connId],
      { detached: true, stdio: ['ignore', log, log], env },
    );
    closeSync(log);
    child.unref();
    this.child = child;
    this.pid = child.pid;
    if (child.pid !== undefined)
      writeFileSync(this.options.pidPath, JSON.stringify({ pid: child.pid, connId }) + '\n');
    logger.info('started the built-in agent', {
      agent_pid: child.pid,
      group_id: groupId,
      log: logPath,
    });
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopping) return;
      logger.error(
        `built-in agent exited (${signal ?? `code ${code}`}); restarting it, see ${logPath}`,
      );
      this.restartTimer = setTimeout(() => this.spawn(connId), this.options.restartDelayMs ?? 1000);
      this.restartTimer.unref();
    });
  }

  /**
   * At daemon shutdown: with no process running on the agent it is stopped;
   * otherwise it keeps them running and the next daemon adopts it.
   */
  stop(processesRunning: boolean): void {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (processesRunning) {
      this.options.logger.info('built-in agent keeps running for its processes', {
        agent_pid: this.pid,
      });
      return;
    }
    if (this.pid !== undefined) {
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.options.pidPath, { force: true });
  }
}
