import type { Time } from '../time/index.js';
import { CommitError, StoreClosedError } from './errors.js';

/** One queued write: runs a prepared statement with parameters encoded at queue time. */
export type Write = () => void;

export interface WriteQueueOptions {
  /**
   * Runs every write of a batch in one transaction, in order; throws to roll
   * back. Returns false, having written nothing, when another connection
   * holds the write lock and the batch is to be tried again later (see
   * `RunStore.shareWriteLock`).
   */
  commit: (writes: readonly Write[]) => boolean;
  maxBatchOps: number;
  scheduleFlush: (fn: () => void) => void;
  /** Schedules the next try of a batch that found the write lock taken. */
  scheduleRetry: (fn: () => void) => void;
  onError: (err: unknown) => void;
  now: () => Time;
}

export interface WriteQueueStats {
  /** Batches committed. */
  readonly commits: number;
  /** Writes committed. */
  readonly writes: number;
  /** Batches rolled back. */
  readonly failedCommits: number;
  /** Writes waiting for the next flush. */
  readonly pending: number;
  /** Commits are deferred (see `hold`). */
  readonly held: boolean;
  /** Commits that found the write lock taken and waited to be tried again. */
  readonly lockedRetries: number;
  /** When the last batch committed, by the store's clock. */
  readonly lastCommitAt: Time | undefined;
}

interface Listener {
  readonly ok: () => void;
  readonly fail?: (err: unknown) => void;
}

/**
 * Group commit (design.md, "Data flow"): writes accumulate in a batch that
 * commits as one transaction when the scheduled flush runs (by default at
 * the end of the event-loop turn), or at once when it reaches `maxBatchOps`.
 * Callbacks registered with `afterCommit` wait for the batch that holds every
 * write made before them; that is how the runtime publishes a transition or
 * starts a program only once it is durable.
 *
 * Callbacks run in registration order across batches: committed batches feed
 * one ready queue, drained synchronously after each commit. A callback that
 * writes or flushes (even reaching `maxBatchOps`) only appends to that queue.
 */
export class WriteQueue {
  private batch: Write[] = [];
  private listeners: Listener[] = [];
  private ready: (() => void)[] = [];
  private draining = false;
  private drainQueued = false;
  private flushScheduled = false;
  private closed = false;
  private holds = 0;
  private retryScheduled = false;
  private counts = { commits: 0, writes: 0, failedCommits: 0, lockedRetries: 0 };
  private lastCommitAt: Time | undefined;
  private batchCommitted: Promise<void> | undefined;
  private batchCommittedFor: Write[] | undefined;

  constructor(private readonly options: WriteQueueOptions) {}

  /** Queues a write; `operation` names it in the error if the queue is closed. */
  enqueue(operation: string, write: Write): void {
    if (this.closed) throw new StoreClosedError(operation);
    this.batch.push(write);
    if (this.batch.length === 1 && !this.flushScheduled) {
      // One scheduled flush is enough: if a full batch is flushed early, the
      // writes after it ride on the flush already scheduled.
      this.flushScheduled = true;
      this.options.scheduleFlush(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    if (this.batch.length >= this.options.maxBatchOps) this.flush();
  }

  /**
   * Commits the pending batch in one transaction. On failure the batch is
   * rolled back whole and dropped: its callbacks never run, its `committed()`
   * promises reject, the error goes to `onError`, and the next batch starts
   * clean. A batch that finds the write lock taken stays pending (later
   * writes join it) and is tried again when `scheduleRetry` says.
   */
  flush(): void {
    if (this.batch.length === 0 || this.holds > 0 || this.retryScheduled) return;
    const writes = this.batch;
    const listeners = this.listeners;
    this.batch = [];
    this.listeners = [];
    try {
      if (!this.options.commit(writes)) {
        // The same arrays: `committed()` promises made for this batch still hold.
        this.batch = writes;
        this.listeners = listeners;
        this.counts.lockedRetries++;
        this.retryScheduled = true;
        this.options.scheduleRetry(() => {
          this.retryScheduled = false;
          this.flush();
        });
        return;
      }
    } catch (cause) {
      this.forgetBatch(writes);
      const err = new CommitError(writes.length, cause);
      this.counts.failedCommits++;
      for (const l of listeners) l.fail?.(err);
      this.options.onError(err);
      return;
    }
    this.forgetBatch(writes);
    this.counts.commits++;
    this.counts.writes += writes.length;
    this.lastCommitAt = this.options.now();
    for (const l of listeners) this.ready.push(l.ok);
    this.drain();
  }

  /**
   * Runs `fn` once every write queued so far is committed. With nothing
   * pending it is queued behind callbacks already waiting and runs on a
   * microtask (or in the current drain if called from a callback): never
   * synchronously inside this call, so callers see one behaviour. A write
   * whose batch failed to commit does not count as pending.
   */
  afterCommit(fn: () => void): void {
    if (this.batch.length > 0) {
      this.listeners.push({ ok: fn });
      return;
    }
    this.ready.push(fn);
    if (!this.draining && !this.drainQueued) {
      this.drainQueued = true;
      queueMicrotask(() => {
        this.drainQueued = false;
        this.drain();
      });
    }
  }

  /** Resolves like `afterCommit`; rejects with the `CommitError` if that batch fails. */
  committed(): Promise<void> {
    if (this.batch.length === 0) return new Promise((resolve) => this.afterCommit(resolve));
    // One promise per batch: a burst has thousands of waiters on each.
    if (this.batchCommitted === undefined || this.batchCommittedFor !== this.batch) {
      const promise = new Promise<void>((resolve, reject) =>
        this.listeners.push({ ok: resolve, fail: reject }),
      );
      // A rejection is the waiters' to handle; an unobserved one must not crash the process.
      promise.catch(() => undefined);
      this.batchCommitted = promise;
      this.batchCommittedFor = this.batch;
    }
    return this.batchCommitted;
  }

  /**
   * Defers every commit until the returned function is called: writes queue
   * up (past `maxBatchOps` too) and commit together then. For a worker that
   * holds the database's write lock for long (VACUUM): a commit attempted
   * meanwhile would sit in SQLite's busy wait, stalling the event loop, and
   * fail once the busy timeout passed.
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0 && this.batch.length > 0 && !this.flushScheduled) {
        this.flushScheduled = true;
        this.options.scheduleFlush(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    };
  }

  /** Flushes (whatever holds there are), then refuses further writes. */
  close(): void {
    this.holds = 0;
    // The pending retry's turn is now (its timer then finds nothing to do);
    // the store's commit waits for the lock at close.
    this.retryScheduled = false;
    this.flush();
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): WriteQueueStats {
    return {
      ...this.counts,
      pending: this.batch.length,
      held: this.holds > 0,
      lastCommitAt: this.lastCommitAt,
    };
  }

  /** Drops the reference `committed()` keeps to a batch that is gone: its writes hold their data (an output chunk). */
  private forgetBatch(writes: Write[]): void {
    if (this.batchCommittedFor !== writes) return;
    this.batchCommittedFor = undefined;
    this.batchCommitted = undefined;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    let done = 0;
    try {
      // Index loop: callbacks may append to `ready` while it is drained.
      while (done < this.ready.length) {
        const fn = this.ready[done++] as () => void;
        try {
          fn();
        } catch (err) {
          this.options.onError(err);
        }
      }
    } finally {
      // Only a throwing onError leaves callbacks behind; the next drain runs them.
      this.ready = this.ready.slice(done);
      this.draining = false;
    }
  }
}
