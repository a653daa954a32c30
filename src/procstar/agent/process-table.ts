import type { ShutdownState } from '../messages.js';
import type { AgentProcess } from './process.js';

/** What happens in the table; the connection turns each into a push (§4.1). */
export type TableEvent =
  | { readonly type: 'start'; readonly procId: string }
  | { readonly type: 'not-running'; readonly procId: string }
  | { readonly type: 'delete'; readonly procId: string }
  | { readonly type: 'shutdown'; readonly state: ShutdownState };

export type DeleteOutcome = 'deleted' | 'running' | 'unknown';

/** Byte order, as the original's BTreeMap<String, _> sorts proc ids. */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The agent's processes by proc id, and its shutdown state (§4.4). It lives
 * for the agent process and survives reconnects (§4.3). Listeners hear every
 * change synchronously, in order.
 */
export class ProcessTable {
  readonly #procs = new Map<string, AgentProcess>();
  readonly #listeners = new Set<(event: TableEvent) => void>();
  #shutdown: ShutdownState = 'active';

  /** `onListenerError`: where a failing listener is reported; it never reaches the emitter. */
  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  subscribe(listener: (event: TableEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: TableEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  get size(): number {
    return this.#procs.size;
  }

  /** Proc ids, sorted. */
  ids(): string[] {
    return [...this.#procs.keys()].sort(compareIds);
  }

  has(procId: string): boolean {
    return this.#procs.has(procId);
  }

  get(procId: string): AgentProcess | undefined {
    return this.#procs.get(procId);
  }

  processes(): AgentProcess[] {
    return [...this.#procs.values()];
  }

  /** Adds a started process: a `start` event now, `not-running` when it ends. */
  add(proc: AgentProcess): void {
    this.#procs.set(proc.procId, proc);
    this.#emit({ type: 'start', procId: proc.procId });
    void proc.ended.then(() => {
      // Deleted meanwhile: nothing to report (the original skips it too).
      if (this.#procs.get(proc.procId) === proc)
        this.#emit({ type: 'not-running', procId: proc.procId });
    });
  }

  /** Deletes a process that is not running, with its output. */
  delete(procId: string): DeleteOutcome {
    const proc = this.#procs.get(procId);
    if (proc === undefined) return 'unknown';
    if (proc.running) return 'running';
    this.#procs.delete(procId);
    proc.dispose();
    this.#emit({ type: 'delete', procId });
    this.#checkIdling();
    return 'deleted';
  }

  get shutdownState(): ShutdownState {
    return this.#shutdown;
  }

  /** Moves the shutdown state forward (never back); an idle `idling` agent is `done` at once. */
  setShutdown(state: ShutdownState): void {
    const order: ShutdownState[] = ['active', 'idling', 'done'];
    if (order.indexOf(state) <= order.indexOf(this.#shutdown)) return;
    this.#shutdown = state;
    this.#emit({ type: 'shutdown', state });
    this.#checkIdling();
  }

  #checkIdling(): void {
    if (this.#shutdown === 'idling' && this.#procs.size === 0) this.setShutdown('done');
  }

  /** Signals every running process; errors (a process that just ended) are ignored. */
  signalAll(signum: number): void {
    for (const proc of this.#procs.values()) if (proc.running) proc.signal(signum);
  }

  /** Samples every running process's /proc entries. */
  sampleAll(): void {
    for (const proc of this.#procs.values()) proc.sample();
  }

  /** Resolves when no process runs. */
  async waitNotRunning(): Promise<void> {
    await Promise.all(this.processes().map((p) => p.ended));
  }

  /** Resolves when the table is empty (every process deleted). */
  waitEmpty(): Promise<void> {
    if (this.#procs.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const unsubscribe = this.subscribe(() => {
        if (this.#procs.size === 0) {
          unsubscribe();
          resolve();
        }
      });
    });
  }
}
