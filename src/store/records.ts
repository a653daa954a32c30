import type { ActionSpec } from '../actions/index.js';
import type { BoundCondition } from '../conditions/index.js';
import type { BoundProgram } from '../programs/index.js';
import type { Time } from '../time/index.js';
import type { Args, State } from '../runs/index.js';

export type { RunOutput } from '../runs/index.js';

/**
 * A run as the scheduler keeps and stores it (apsis-model.md §7). Plain data,
 * so it crosses to the store, the API and worker threads unchanged.
 */
export interface RunRecord {
  /** `r` + a positive integer, never reused. */
  readonly runId: string;
  readonly jobId: string;
  /** Sorted by name. */
  readonly args: Args;
  readonly state: State;
  /** When the run entered each state it has been in, plus `schedule` and `stop`. */
  readonly times: Readonly<Record<string, Time>>;
  /** `job.labels`, `program` (the program's metadata), `elapsed`, …. */
  readonly meta: Readonly<Record<string, unknown>>;
  /** Null until bound. */
  readonly program: BoundProgram | null;
  readonly conds: readonly BoundCondition[] | null;
  readonly actions: readonly ActionSpec[] | null;
  /** What the program needs to reconnect; set only while starting, running and stopping. */
  readonly runState: Readonly<Record<string, unknown>> | null;
  /** When the run last changed state. */
  readonly timestamp: Time;
  /** Created by the scheduler from a job schedule (as opposed to the API, a rerun or an action). */
  readonly expected: boolean;
}

export interface RunLogEntry {
  readonly timestamp: Time;
  readonly message: string;
}
