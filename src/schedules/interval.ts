import {
  formatDate,
  formatDaytime,
  formatSeconds,
  formatTime,
  ORA_EPOCH_OFFSET_MS,
  utcParts,
  type Time,
} from '../time/index.js';
import {
  argsPrefix,
  withArgs,
  type Args,
  scheduledTime,
  type ScheduledTime,
  type StartSchedule,
  type StopSchedule,
} from './schedule.js';

export interface IntervalOptions {
  /** Seconds between runs; > 0. */
  intervalSec: number;
  /** Seconds after each aligned boundary; 0 ≤ phase < interval. */
  phaseSec: number;
  args: Args;
  enabled: boolean;
  stop: StopSchedule | undefined;
}

/**
 * Times `EPOCH + phase + n·interval`, where EPOCH is ora's
 * 0001-01-01T00:00:00Z rather than the Unix epoch (apsis-model.md §2.2): the
 * two agree for intervals that divide a day, but a 7-day interval lands on
 * Mondays, as it does in Apsis.
 */
export class IntervalSchedule implements StartSchedule {
  readonly type = 'interval';
  readonly enabled: boolean;
  readonly args: Args;
  readonly stop: StopSchedule | undefined;
  readonly intervalSec: number;
  readonly phaseSec: number;
  private readonly intervalMs: number;
  private readonly baseMs: number;

  constructor(options: IntervalOptions) {
    this.intervalSec = options.intervalSec;
    this.phaseSec = options.phaseSec;
    this.args = options.args;
    this.enabled = options.enabled;
    this.stop = options.stop;
    this.intervalMs = Math.round(options.intervalSec * 1000);
    this.baseMs = -ORA_EPOCH_OFFSET_MS + Math.round(options.phaseSec * 1000);
    if (!(this.intervalMs > 0 && options.phaseSec >= 0 && options.phaseSec < options.intervalSec)) {
      throw new RangeError('phase not between 0 and interval');
    }
  }

  /** The first aligned time at or after `from`. */
  firstAtOrAfter(from: Time): Time {
    const start = Math.ceil(from);
    // Integer milliseconds keep the modulus exact at year-1 offsets (~6e13 ms).
    const r = (((start - this.baseMs) % this.intervalMs) + this.intervalMs) % this.intervalMs;
    return r === 0 ? start : start + (this.intervalMs - r);
  }

  *times(from: Time): Generator<ScheduledTime, void, undefined> {
    for (let time = this.firstAtOrAfter(from); ; time += this.intervalMs) {
      yield scheduledTime(time, () => {
        const { date, daytime } = utcParts(time);
        return withArgs(
          { time: formatTime(time), date: formatDate(date), daytime: formatDaytime(daytime) },
          this.args,
        );
      });
    }
  }

  toJso(): Record<string, unknown> {
    return {
      type: this.type,
      enabled: this.enabled,
      interval: this.intervalSec,
      phase: this.phaseSec,
      args: this.args,
    };
  }

  toString(): string {
    return `${argsPrefix(this.args)}every ${formatSeconds(this.intervalSec)} sec`;
  }
}
