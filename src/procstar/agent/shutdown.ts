import type { Logger } from 'pino';
import type { AgentClock } from './clock.js';
import type { ProcessTable } from './process-table.js';
import { SIGKILL, SIGTERM } from './signals.js';

/**
 * Shutdown by signal (procstar-protocol.md §4.4) and wait mode (§4.5).
 *
 * Unlike the original, which stays `active` while it terminates its
 * processes, the agent advertises `idling` at once on SIGTERM, SIGINT and
 * SIGQUIT, so a server stops choosing it for new work.
 */

export interface ShutdownTimings {
  /** How long SIGTERM'ed processes get before SIGKILL; 60 s. */
  readonly termGraceMs: number;
  /** How long to wait for the server to delete ended processes; 5 s. */
  readonly deleteWaitMs: number;
}

export const DEFAULT_SHUTDOWN_TIMINGS: ShutdownTimings = {
  termGraceMs: 60_000,
  deleteWaitMs: 5_000,
};

/** Resolves true when `promise` settles within `ms`, false otherwise. */
function within(clock: AgentClock, ms: number, promise: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clock.clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM every process, SIGKILL stragglers after the grace, wait for deletions, then `done`. */
export async function terminateAll(
  table: ProcessTable,
  log: Logger,
  clock: AgentClock,
  timings: ShutdownTimings,
): Promise<void> {
  table.setShutdown('idling');
  log.info('terminating processes');
  table.signalAll(SIGTERM);
  if (!(await within(clock, timings.termGraceMs, table.waitNotRunning()))) {
    log.warn('running processes remain; killing');
    table.signalAll(SIGKILL);
  }
  if (!(await within(clock, timings.deleteWaitMs, table.waitEmpty())))
    log.warn('undeleted processes remain');
  table.setShutdown('done');
}

/** SIGKILL every process, wait for deletions, then `done`. */
export async function killAll(
  table: ProcessTable,
  log: Logger,
  clock: AgentClock,
  timings: ShutdownTimings,
): Promise<void> {
  table.setShutdown('idling');
  log.info('killing processes');
  table.signalAll(SIGKILL);
  if (!(await within(clock, timings.deleteWaitMs, table.waitEmpty())))
    log.warn('undeleted processes remain');
  table.setShutdown('done');
}

/** A process-level signal source (the `process` object, or a fake in tests). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/**
 * Installs the agent's signal handlers; each behaviour runs once, and
 * repeating a signal has no further effect (SIGINT and SIGTERM are one).
 * Returns the uninstaller.
 */
export function installSignalHandlers(
  source: SignalSource,
  table: ProcessTable,
  log: Logger,
  clock: AgentClock,
  timings: ShutdownTimings = DEFAULT_SHUTDOWN_TIMINGS,
): () => void {
  const ran = new Set<string>();
  const once = (name: string, behaviour: () => void) => () => {
    log.info(`received: ${name}`);
    if (ran.has(name)) return;
    ran.add(name);
    behaviour();
  };
  const report = (err: unknown) => log.error({ err }, 'shutdown failed');
  const handlers: [NodeJS.Signals, () => void][] = [];
  const terminate = once(
    'terminate',
    () => void terminateAll(table, log, clock, timings).catch(report),
  );
  handlers.push(['SIGTERM', terminate], ['SIGINT', terminate]);
  handlers.push([
    'SIGQUIT',
    once('kill', () => void killAll(table, log, clock, timings).catch(report)),
  ]);
  handlers.push([
    'SIGUSR1',
    once('idle', () => {
      log.info('will shut down when idle');
      table.setShutdown('idling');
    }),
  ]);
  for (const [signal, handler] of handlers) source.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) source.off(signal, handler);
  };
}

/**
 * Wait mode: `done` once the table empties after work was assigned, or when
 * no process was started within `waitTimeoutMs` of the agent's start
 * (connected or not). Returns the canceller.
 */
export function startWaitMode(
  table: ProcessTable,
  log: Logger,
  clock: AgentClock,
  waitTimeoutMs: number,
): () => void {
  let assigned = table.size > 0;
  const timer = assigned
    ? null
    : clock.setTimeout(() => {
        if (assigned) return;
        log.warn(
          `agent timeout: no work assigned after ${waitTimeoutMs / 1000} seconds, shutting down`,
        );
        table.setShutdown('done');
      }, waitTimeoutMs);
  const unsubscribe = table.subscribe((event) => {
    if (event.type === 'start' && !assigned) {
      assigned = true;
      if (timer !== null) clock.clearTimeout(timer);
    }
    if (event.type === 'delete' && assigned && table.size === 0) table.setShutdown('done');
  });
  return () => {
    unsubscribe();
    if (timer !== null) clock.clearTimeout(timer);
  };
}
