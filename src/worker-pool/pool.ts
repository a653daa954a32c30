import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { errorMessage } from '../errors.js';
import { isErrorCode, replySchema, type WorkerTask } from '../worker-tasks/index.js';
import {
  WorkerAbortedError,
  WorkerCrashedError,
  WorkerTaskError,
  WorkerTimeoutError,
} from './errors.js';

export interface WorkerPoolOptions {
  /**
   * Threads at most (default 1). Housekeeping shares the machine with the
   * scheduler's own thread; one thread keeps a core for it on two cores.
   */
  readonly maxThreads?: number;
  /** How long an idle thread is kept, in ms (default 60 s); none is started before a task. */
  readonly idleTimeoutMs?: number;
}

export interface RunTaskOptions {
  /** Cancels the task: a running task's thread is stopped (and replaced). */
  readonly signal?: AbortSignal;
  /** Wall-time limit in ms (default: the task's). */
  readonly timeoutMs?: number;
}

/** Figures for the stats' `workers` section. */
export interface WorkerPoolStats {
  readonly max_threads: number;
  readonly threads: number;
  readonly queued: number;
  readonly running: number;
  readonly completed: number;
  /** Tasks that reported an error (or a malformed result). */
  readonly failed: number;
  /** Tasks whose thread exited or threw. */
  readonly crashed: number;
  readonly timed_out: number;
  readonly aborted: number;
  /** Share of the pool's thread time spent on tasks since it started (piscina). */
  readonly utilization: number;
}

/**
 * Worker threads for housekeeping (design.md, "Heavy work off the event
 * loop"), on piscina. Tasks are named `WorkerTask`s; what comes back is
 * checked against the task's schema, and a failure comes back as one of our
 * errors: the task's own (by code), a crash, a timeout or a cancellation.
 * A thread that dies takes only its task with it: piscina starts another.
 */
export class WorkerPool {
  private readonly piscina: Piscina;
  private readonly maxThreads: number;
  private closed = false;
  private running = 0;
  private readonly counts = { completed: 0, failed: 0, crashed: 0, timed_out: 0, aborted: 0 };

  constructor(options: WorkerPoolOptions = {}) {
    this.maxThreads = options.maxThreads ?? 1;
    this.piscina = new Piscina({
      minThreads: 0,
      maxThreads: this.maxThreads,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
    });
  }

  async run<I, O>(task: WorkerTask<I, O>, input: I, options: RunTaskOptions = {}): Promise<O> {
    if (this.closed) throw new WorkerAbortedError(task.name, 'the worker pool is closed');
    const timeoutMs = options.timeoutMs ?? task.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    // Wall time, not the scheduler's clock: a thread that hangs must be
    // stopped whatever the clock does (a manual one in tests).
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timed out'));
    }, timeoutMs);
    timer.unref();
    const { signal } = options;
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    this.running++;
    try {
      const raw: unknown = await this.piscina.run(input, {
        filename: fileURLToPath(task.file),
        name: task.exportName,
        signal: controller.signal,
      });
      return this.unpack(task, raw);
    } catch (err) {
      if (err instanceof WorkerTaskError) throw err;
      if (timedOut) {
        this.counts.timed_out++;
        throw new WorkerTimeoutError(task.name, timeoutMs);
      }
      if (controller.signal.aborted || this.closed) {
        this.counts.aborted++;
        const reason = controller.signal.aborted
          ? reasonText(controller.signal.reason)
          : 'the worker pool was closed';
        throw new WorkerAbortedError(task.name, reason);
      }
      this.counts.crashed++;
      throw new WorkerCrashedError(task.name, errorMessage(err), { cause: err });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.running--;
    }
  }

  private unpack<I, O>(task: WorkerTask<I, O>, raw: unknown): O {
    const reply = replySchema(task.result).safeParse(raw);
    if (!reply.success) {
      this.counts.failed++;
      throw new WorkerTaskError(
        task.name,
        'worker_failed',
        `worker task ${task.name} returned a malformed result: ${reply.error.issues
          .map((i) => `${i.path.join('.') || 'result'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    if (!reply.data.ok) {
      this.counts.failed++;
      const { code, message } = reply.data.error;
      throw new WorkerTaskError(task.name, isErrorCode(code) ? code : 'worker_failed', message);
    }
    this.counts.completed++;
    return reply.data.value as O;
  }

  stats(): WorkerPoolStats {
    return {
      max_threads: this.maxThreads,
      threads: this.piscina.threads.length,
      queued: this.piscina.queueSize,
      running: this.running,
      ...this.counts,
      utilization: this.piscina.utilization,
    };
  }

  /** Stops every thread; tasks in flight fail as cancelled. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina.destroy();
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'cancelled';
}
