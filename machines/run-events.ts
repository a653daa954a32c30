import type { State } from '../src/runs/states.js';
import type { RunOutput, RunRecord } from '../src/store/records.js';
import type { Time } from '../src/time/time.js';

/**
 * Every event carries `time`: the machine reads no clock, so whoever sends an
 * event stamps it, and the record's times come from the events.
 */
interface Timed {
  time: Time;
}

/** A program's result. */
export interface ProgramResult {
  outcome: 'success' | 'failure' | 'error';
  message?: string;
  meta?: Record<string, unknown>;
  times?: Record<string, Time>;
  outputs?: RunOutput[];
}

/** Operations (apsis-model.md §7.4) and the runtime's own events. */
export type RunEvent =
  /** `due`: the run is due as it is scheduled, so it goes on at once, in the same step. */
  | ({ type: 'run.schedule'; due?: boolean } & Timed)
  | ({ type: 'run.due' } & Timed)
  | ({ type: 'run.start' } & Timed)
  | ({ type: 'run.skip' } & Timed)
  | ({ type: 'run.stop' } & Timed)
  | ({ type: 'run.signal'; signal: string } & Timed)
  | ({ type: 'run.mark'; state: State } & Timed)
  /** An internal error: the run is forced to error with this message (and output). */
  | ({ type: 'run.fail'; message: string; output?: string } & Timed)
  | ({ type: 'conditions.waiting'; condition: string } & Timed)
  | ({ type: 'conditions.ready' } & Timed)
  /** A condition forces the run to a finished state (skip_duplicate, dependency `exist`). */
  | ({ type: 'conditions.transition'; state: State; reason: string } & Timed)
  | ({ type: 'conditions.failed'; condition: string; message: string } & Timed)
  | ({
      type: 'program.running';
      runState: Record<string, unknown>;
      meta?: Record<string, unknown>;
      times?: Record<string, Time>;
      /**
       * The result, when the program had it as soon as it was running (a
       * no-op, a command that exits at once): both transitions in one step.
       */
      done?: ProgramResult;
    } & Timed)
  | ({
      type: 'program.update';
      meta?: Record<string, unknown>;
      outputs?: RunOutput[];
      /** Replaces the run state of a running run: what a reconnect needs now. */
      runState?: Record<string, unknown>;
    } & Timed)
  | ({ type: 'program.done' } & ProgramResult & Timed)
  /** A line for the run log from the program (a signal sent, a reconnect). */
  | ({ type: 'program.log'; message: string } & Timed);

export type RunEventType = RunEvent['type'];

export interface RunInput {
  run: RunRecord;
  /**
   * `new`: a run being created. `restore`: a run read back from the database
   * at start, resuming in its stored state as apsis-model.md §8.4 says (with
   * `restored` logged, a running program reconnected, starting and stopping
   * runs ended in error). `resume`: a scheduled or finished run the runtime
   * held as a record, entering its stored state silently to be operated on.
   */
  mode: 'new' | 'restore' | 'resume';
  /** When the machine starts; the time of the restore transitions. */
  now: Time;
  /** `waiting.max_time` in ms, measured from `times.waiting`; null: no limit. */
  waitingMaxTimeMs: number | null;
}

export interface RunContext {
  run: RunRecord;
  /** Time of the last event: delays count from it. */
  now: Time;
  /** The stored state a restored or resumed run enters; null for a new run. */
  restoredFrom: State | null;
  /** Restored from the database at start (as opposed to resumed): announce it in the run log. */
  restored: boolean;
  /** True for a run restored in `running`: its program reconnects rather than starts. */
  reconnect: boolean;
  /** Scheduled with `due`: leave scheduled at once. */
  dueNow: boolean;
  /** The condition being waited for, for the timeout message. */
  waitingFor: string | null;
  waitingMaxTimeMs: number | null;
}

/** What the program actor receives when the run enters starting (or is restored running). */
export interface ProgramInput {
  run: RunRecord;
  mode: 'start' | 'reconnect';
}

/** Events the program actor accepts from the run. */
export type ProgramCommand = { type: 'program.stop' };

/** What the conditions actor receives when the run enters waiting. */
export interface ConditionsInput {
  run: RunRecord;
}
