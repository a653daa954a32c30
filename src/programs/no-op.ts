import { InvalidValueError } from '../errors.js';
import { formatTime, parseTime, type TimerHandle } from '../time/index.js';
import { AsyncQueue } from './async-queue.js';
import type { BoundProgram } from './bind.js';
import type { ProgramContext, ProgramDriver, ProgramUpdate, RunningProgram } from './running.js';

type NoOpProgram = Extract<BoundProgram, { type: 'no-op' }>;

function outcomeOf(program: NoOpProgram): ProgramUpdate {
  if (program.success === true) return { type: 'done', outcome: 'success' };
  if (program.success === false) return { type: 'done', outcome: 'failure', message: 'failed' };
  return { type: 'done', outcome: 'error', message: 'error' };
}

/**
 * Does nothing for `duration` seconds, then succeeds, fails or errs as
 * `success` says (apsis-model.md §6.1). The start time is its run state, so
 * a run restored mid-duration finishes at the original end time.
 */
function run(
  program: NoOpProgram,
  start: number,
  announce: boolean,
  context: ProgramContext,
): RunningProgram {
  const updates = new AsyncQueue<ProgramUpdate>();
  let timer: TimerHandle | undefined;
  let finished = false;
  const finish = (update: ProgramUpdate) => {
    if (finished) return;
    finished = true;
    if (timer !== undefined) context.clock.clearTimeout(timer);
    updates.push(update);
    updates.close();
  };
  if (announce) updates.push({ type: 'running', runState: { start: formatTime(start) } });
  const remaining = start + Math.round((program.duration ?? 0) * 1000) - context.clock.now();
  if (remaining <= 0) finish(outcomeOf(program));
  else timer = context.clock.setTimeout(() => finish(outcomeOf(program)), remaining);
  return {
    updates,
    // One result, unlike Apsis's no-op, which reports a second after a stop.
    stop: async () => finish({ type: 'done', outcome: 'error', message: 'program stopped' }),
    signal: async () => {
      throw new InvalidValueError('no-op programs cannot be signalled');
    },
    detach: () => {
      if (timer !== undefined) context.clock.clearTimeout(timer);
      finished = true;
      updates.close();
    },
  };
}

export const noOpDriver: ProgramDriver<NoOpProgram> = {
  start: (program, context) => run(program, context.clock.now(), true, context),
  reconnect: (program, runState, context) => {
    const start =
      typeof runState.start === 'string' ? parseTime(runState.start) : context.clock.now();
    return run(program, start, false, context);
  },
};
