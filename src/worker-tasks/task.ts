import { z } from 'zod';
import { errorCodes, errorMessage, SchedulerError, type ErrorCode } from '../errors.js';

/**
 * Where the compiled worker entry points are: `workers/` beside `src/` in
 * `dist/` (this module is `dist/src/worker-tasks/task.js`).
 */
export const WORKERS_DIR = new URL('../../workers/', import.meta.url);

/**
 * One kind of task a worker thread runs: the exported function `exportName`
 * of the module at `file` (compiled JavaScript), its input and its result.
 * Input and result are plain data (structured clone); the result is checked
 * on arrival (style.md rule 10).
 */
export interface WorkerTask<I, O> {
  /** Names the task in errors and stats. */
  readonly name: string;
  readonly file: URL;
  readonly exportName: string;
  readonly input: z.ZodType<I>;
  readonly result: z.ZodType<O>;
  /** Default time limit, in ms of wall time. */
  readonly timeoutMs: number;
}

/** What crosses back from the thread. */
export type WorkerReply<O> =
  | { readonly ok: true; readonly value: O }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

export function replySchema<O>(value: z.ZodType<O>) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
  ]);
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCodes, code);
}

/**
 * The worker side of a task: checks its input, runs `fn`, and replies with
 * plain data whatever happens. An error keeps its code when it is ours
 * (`db_missing`, …), else becomes `worker_failed`; the stack stays in the
 * thread, the message crosses.
 */
export function workerEntry<I, O>(
  task: Pick<WorkerTask<I, O>, 'name' | 'input'>,
  fn: (input: I) => O,
): (input: unknown) => WorkerReply<O> {
  return (raw) => {
    const parsed = task.input.safeParse(raw);
    if (!parsed.success)
      return {
        ok: false,
        error: {
          code: 'worker_failed',
          message: `worker task ${task.name}: bad input: ${z.prettifyError(parsed.error)}`,
        },
      };
    try {
      return { ok: true, value: fn(parsed.data) };
    } catch (err) {
      return {
        ok: false,
        error: {
          code: err instanceof SchedulerError ? err.code : 'worker_failed',
          message: `worker task ${task.name} failed: ${errorMessage(err)}`,
        },
      };
    }
  };
}
