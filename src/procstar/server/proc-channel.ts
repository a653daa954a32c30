import type { Clock, TimerHandle } from '../../time/index.js';
import type { ProcResult } from '../messages.js';

/** What the agent server routes to one process (procstar-protocol.md §5.3). */
export type ProcEvent =
  | { type: 'result'; res: ProcResult }
  | {
      type: 'fd-data';
      fd: string;
      start: number;
      stop: number;
      data: Uint8Array;
      /**
       * Frees the frame `data` came in, now: call once `data` is stored and
       * no longer read (it reads as empty afterwards). Skipping it only
       * leaves the frame to the collector.
       */
      release(): void;
    }
  /** The agent deleted the process: no more events. */
  | { type: 'deleted' }
  /** The agent does not know the process (it restarted, or it was deleted). */
  | { type: 'unknown' }
  /** The agent refused a request about the process. */
  | { type: 'request-error'; request: string; message: string }
  /** The agent's connection did not come back within `reconnect_timeout`. */
  | { type: 'connection-gone'; connId: string; hostname: string; groupId: string };

/** `next` ran out of time. */
export const TIMED_OUT = Symbol('timed out');

/**
 * The events of one process, in arrival order, for one consumer (a program
 * driver). Unbounded like procstar's own queues, but small in practice: the
 * driver asks for output a chunk at a time and waits for each.
 */
export class ProcChannel {
  private readonly items: ProcEvent[] = [];
  private waiter: ((event: ProcEvent | typeof TIMED_OUT) => void) | undefined;
  private closed = false;

  constructor(
    readonly procId: string,
    /** The agent connection the process runs on. */
    readonly connId: string,
    private readonly clock: Clock,
  ) {}

  push(event: ProcEvent): void {
    if (this.closed) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(event);
    } else this.items.push(event);
  }

  /** Stops routing: later events are dropped. */
  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The next event; `TIMED_OUT` if none arrives within `timeoutMs`. */
  next(timeoutMs?: number): Promise<ProcEvent | typeof TIMED_OUT> {
    const queued = this.items.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.waiter) throw new Error(`process ${this.procId}: two consumers`);
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      this.waiter = (event) => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        resolve(event);
      };
      if (timeoutMs !== undefined)
        timer = this.clock.setTimeout(() => {
          this.waiter = undefined;
          resolve(TIMED_OUT);
        }, timeoutMs);
    });
  }
}
