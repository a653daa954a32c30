import {
  formatDaytime,
  formatSeconds,
  gapEnd,
  localInstants,
  toLocal,
  type Daytime,
  type Time,
  type TimeZone,
} from '../time/index.js';
import type { StopSchedule } from './schedule.js';

/** Stops a run a fixed number of seconds after its schedule time. */
export class DurationStopSchedule implements StopSchedule {
  readonly type = 'duration';

  constructor(readonly durationSec: number) {}

  stopTime(scheduleTime: Time): Time {
    return scheduleTime + Math.round(this.durationSec * 1000);
  }

  toJso(): Record<string, unknown> {
    return { type: this.type, duration: this.durationSec };
  }

  toString(): string {
    return `stop ${formatSeconds(this.durationSec)} s after schedule time`;
  }
}

/**
 * Stops a run at the next occurrence of a local daytime after its schedule
 * time (apsis-model.md §2.6). Apsis leaves DST changes unhandled; here:
 *
 * - a daytime that does not exist on the stop date (spring forward) stops the
 *   run when the gap ends, the first instant the wall clock reads past it;
 * - an ambiguous daytime (fall back) stops at its earlier instant, unless
 *   that is not after the schedule time, in which case the later one;
 * - the stop time is always strictly after the schedule time.
 */
export class DaytimeStopSchedule implements StopSchedule {
  readonly type = 'daytime';

  constructor(
    readonly daytime: Daytime,
    readonly tz: TimeZone,
  ) {}

  stopTime(scheduleTime: Time): Time {
    const local = toLocal(scheduleTime, this.tz);
    let date = local.daytime < this.daytime ? local.date : local.date + 1;
    for (;;) {
      const instants = localInstants(date, this.daytime, this.tz);
      const candidates = instants.length > 0 ? instants : [gapEnd(date, this.daytime, this.tz)];
      const stop = candidates.find((t) => t > scheduleTime);
      if (stop !== undefined) return stop;
      date += 1;
    }
  }

  toJso(): Record<string, unknown> {
    return { type: this.type, daytime: formatDaytime(this.daytime), tz: this.tz.name };
  }

  toString(): string {
    return `stop at ${formatDaytime(this.daytime)} ${this.tz.name} after schedule time`;
  }
}
