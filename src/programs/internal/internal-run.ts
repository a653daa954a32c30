import { errorMessage } from '../../errors.js';
import { AsyncQueue } from '../async-queue.js';
import type { ProgramUpdate, RunningProgram } from '../running.js';

type Done = Extract<ProgramUpdate, { type: 'done' }>;

/**
 * The running form of an internal program: `work` runs once, reports
 * progress through `update`, and returns the result. `stop` cancels it (its
 * worker task is stopped, or an archive chunk stops after its slice) and the
 * run ends in error `program stopped` with the metadata of what was done;
 * `detach` cancels it without a result, for the scheduler's shutdown (the
 * run is resumed from its run state at the next start). Signals do nothing,
 * as in Apsis.
 */
export function internalRun(
  runState: Record<string, unknown> | null,
  work: (signal: AbortSignal, update: (u: ProgramUpdate) => void) => Promise<Done>,
  metaNow: () => Record<string, unknown> | undefined = () => undefined,
): RunningProgram {
  const updates = new AsyncQueue<ProgramUpdate>();
  const controller = new AbortController();
  let finished = false;
  const finish = (done: Done) => {
    if (finished) return;
    finished = true;
    updates.push(done);
    updates.close();
  };
  if (runState !== null) updates.push({ type: 'running', runState });
  let stopped = false;
  const stoppedDone = (): Done => ({
    type: 'done',
    outcome: 'error',
    message: 'program stopped',
    meta: metaNow(),
  });
  const settled = work(controller.signal, (u) => {
    if (!finished) updates.push(u);
  }).then(
    (done) => finish(stopped ? stoppedDone() : done),
    (err: unknown) =>
      finish(
        stopped
          ? stoppedDone()
          : { type: 'done', outcome: 'error', message: errorMessage(err), meta: metaNow() },
      ),
  );
  return {
    updates,
    // The run ends once the work has: its last step (an archive's slice)
    // is committed by then, and the metadata says so.
    stop: async () => {
      if (finished) return;
      stopped = true;
      controller.abort(new Error('program stopped'));
      await settled;
    },
    signal: async () => undefined,
    detach: () => {
      finished = true;
      updates.close();
      controller.abort(new Error('the scheduler is stopping'));
    },
  };
}
