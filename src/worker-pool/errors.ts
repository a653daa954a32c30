import { SchedulerError, type ErrorCode } from '../errors.js';

/** A worker thread exited or threw during a task; piscina starts a new thread in its place. */
export class WorkerCrashedError extends SchedulerError {
  constructor(
    readonly task: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('worker_crashed', `worker task ${task} crashed: ${detail}`, options);
  }
}

export class WorkerTimeoutError extends SchedulerError {
  constructor(
    readonly task: string,
    readonly timeoutMs: number,
  ) {
    super(
      'worker_timeout',
      `worker task ${task} timed out after ${timeoutMs / 1000} s; its thread was stopped`,
    );
  }
}

export class WorkerAbortedError extends SchedulerError {
  constructor(
    readonly task: string,
    reason: string,
  ) {
    super('worker_aborted', `worker task ${task} was cancelled: ${reason}`);
  }
}

/**
 * An error a task reported as `{ ok: false, error: { code, message } }`,
 * rebuilt on this side with the code it had in the worker (style.md rule 10);
 * a code this side does not know becomes `worker_failed`.
 */
export class WorkerTaskError extends SchedulerError {
  constructor(
    readonly task: string,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
