import type { Args } from '../runs/index.js';
import type { Time } from '../time/index.js';

export type { Args };

/** One time a schedule produces, with the args it generates for the run. */
export interface ScheduledTime {
  readonly time: Time;
  readonly args: Args;
}

/**
 * A start schedule. `times(from)` is a pure, lazy generator of the schedule's
 * times at or after `from`, in ascending order, with the generated args
 * (`date`, `time`, …) merged under the user's `args`. It reads no clock and
 * does no I/O, and resuming from any instant costs about as much as one step,
 * so the scheduler can keep a cursor per schedule instead of a list of runs.
 */
export interface StartSchedule {
  readonly type: string;
  readonly enabled: boolean;
  /** Fixed args from the job file, stringified; they override generated args. */
  readonly args: Args;
  /** How the run is stopped, if the job file gave `{start, stop}`. */
  readonly stop: StopSchedule | undefined;
  times(from: Time): Generator<ScheduledTime, void, undefined>;
  /** The serialized form, as Apsis writes it in the job JSON. */
  toJso(): Record<string, unknown>;
  /** One line for people: `Mon-Fri at 07:00:00 Europe/London`. */
  toString(): string;
}

/** Computes a run's absolute stop time from its schedule time. */
export interface StopSchedule {
  readonly type: string;
  stopTime(scheduleTime: Time): Time;
  toJso(): Record<string, unknown>;
  toString(): string;
}

/**
 * A scheduled time whose args are computed on first use: the scheduler
 * generates millions of times ahead and needs the args of only those it
 * creates runs for. A class, so every instance shares one shape and the
 * getter lives on the prototype (an object literal with its own getter costs
 * a hidden class per time).
 */
class LazyScheduledTime implements ScheduledTime {
  private computed: Args | undefined;

  constructor(
    readonly time: Time,
    private compute: (() => Args) | undefined,
  ) {}

  get args(): Args {
    if (this.computed === undefined) {
      this.computed = (this.compute as () => Args)();
      this.compute = undefined;
    }
    return this.computed;
  }
}

export function scheduledTime(time: Time, args: () => Args): ScheduledTime {
  return new LazyScheduledTime(time, args);
}

/** Merges generated args with the schedule's fixed args; fixed args win (§2.1). */
export function withArgs(generated: Args, fixed: Args): Args {
  return { ...generated, ...fixed };
}

/** Formats args as Apsis prints them in schedule strings: `(a=1, b=2) `. */
export function argsPrefix(args: Args): string {
  const entries = Object.entries(args);
  return entries.length === 0 ? '' : `(${entries.map(([k, v]) => `${k}=${v}`).join(', ')}) `;
}
