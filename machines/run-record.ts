import type { RunRecord } from '../src/store/records.js';
import type { State } from '../src/runs/states.js';
import type { Time } from '../src/time/time.js';

/** What a transition may change besides the state and its time (apsis-model.md §7.3). */
export interface TransitionUpdate {
  /** Replaces `run_state`; null unless the run is running or stopping. */
  runState?: Readonly<Record<string, unknown>> | null;
  /** Merged into `meta`. */
  meta?: Readonly<Record<string, unknown>>;
  /** Program-supplied times, merged into `times`. */
  times?: Readonly<Record<string, Time>>;
}

/**
 * The run after a transition to `state` at `time`: `times[state]` and the
 * timestamp set, program times merged, run state replaced, and `meta.elapsed`
 * (seconds from running to success or failure) computed when both are known.
 * Leaving `scheduled` makes an expected run an ordinary one.
 */
export function transitionRecord(
  run: RunRecord,
  state: State,
  time: Time,
  update: TransitionUpdate = {},
): RunRecord {
  const times = { ...run.times, [state]: time, ...update.times };
  const meta: Record<string, unknown> = { ...run.meta, ...update.meta };
  const start = times.running;
  const end = times.success ?? times.failure;
  if (start !== undefined && end !== undefined) meta.elapsed = (end - start) / 1000;
  return {
    ...run,
    state,
    timestamp: time,
    times,
    meta,
    runState: update.runState ?? null,
    expected: run.expected && (state === 'new' || state === 'scheduled'),
  };
}

/** The run with metadata merged, without a transition (a program's update). */
export function updateRecordMeta(
  run: RunRecord,
  meta: Readonly<Record<string, unknown>> | undefined,
): RunRecord {
  return meta === undefined || Object.keys(meta).length === 0
    ? run
    : { ...run, meta: { ...run.meta, ...meta } };
}
