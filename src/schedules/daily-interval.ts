import {
  formatDate,
  formatDaytime,
  formatSeconds,
  formatTime,
  gapEnd,
  localInstants,
  toLocal,
  type Calendar,
  type Daytime,
  type LocalDate,
  type Time,
  type TimeZone,
} from '../time/index.js';
import { shiftSuffix } from './daily.js';
import {
  argsPrefix,
  withArgs,
  type Args,
  scheduledTime,
  type ScheduledTime,
  type StartSchedule,
  type StopSchedule,
} from './schedule.js';

/** A daytime on a date derived from the nominal date (apsis-model.md §2.4). */
export interface DaytimeSpec {
  daytime: Daytime;
  dateShift: number;
  calShift: number;
}

export function daytimeSpecToJso(spec: DaytimeSpec): unknown {
  return spec.dateShift === 0 && spec.calShift === 0
    ? formatDaytime(spec.daytime)
    : {
        daytime: formatDaytime(spec.daytime),
        date_shift: spec.dateShift,
        cal_shift: spec.calShift,
      };
}

function daytimeSpecToString(spec: DaytimeSpec): string {
  return (
    formatDaytime(spec.daytime) +
    shiftSuffix(spec.calShift, 'cal days') +
    shiftSuffix(spec.dateShift, 'days')
  );
}

export interface DailyIntervalOptions {
  tz: TimeZone;
  calendar: Calendar;
  start: DaytimeSpec;
  stop: DaytimeSpec;
  /** Seconds; 0 < interval < 86400. */
  intervalSec: number;
  args: Args;
  enabled: boolean;
  stopSchedule: StopSchedule | undefined;
}

interface Window {
  date: LocalDate;
  next: Time;
  end: Time;
}

// A run of this many calendar dates with empty windows means every window is
// empty (stop ≤ start): the generator ends instead of searching forever.
const MAX_EMPTY_WINDOWS = 800;

/**
 * For each nominal date, runs every `interval` real seconds from the window's
 * start (inclusive) to its stop (exclusive), so wall-clock daytimes drift by
 * the DST change inside a window, as in Apsis.
 *
 * Two deliberate differences from Apsis: a window edge that falls in a DST gap
 * moves to the end of the gap (Apsis skips the whole date), and overlapping
 * windows (stop shifted past the next start) are merged so times still come
 * out in ascending order.
 */
export class DailyIntervalSchedule implements StartSchedule {
  readonly type = 'daily-interval';
  readonly enabled: boolean;
  readonly args: Args;
  readonly stop: StopSchedule | undefined;
  readonly tz: TimeZone;
  readonly calendar: Calendar;
  readonly windowStart: DaytimeSpec;
  readonly windowStop: DaytimeSpec;
  readonly intervalSec: number;
  private readonly intervalMs: number;

  constructor(options: DailyIntervalOptions) {
    if (!(options.intervalSec > 0 && options.intervalSec < 86400)) {
      throw new RangeError(`invalid interval: ${options.intervalSec}`);
    }
    this.tz = options.tz;
    this.calendar = options.calendar;
    this.windowStart = options.start;
    this.windowStop = options.stop;
    this.intervalSec = options.intervalSec;
    this.intervalMs = Math.round(options.intervalSec * 1000);
    this.args = options.args;
    this.enabled = options.enabled;
    this.stop = options.stopSchedule;
  }

  /** The instant of a window edge for nominal date `date`. */
  private edge(date: LocalDate, spec: DaytimeSpec): Time {
    const day = this.calendar.shift(date, spec.calShift) + spec.dateShift;
    return localInstants(day, spec.daytime, this.tz)[0] ?? gapEnd(day, spec.daytime, this.tz);
  }

  /** The earliest nominal date whose window could contain `from` (Apsis's `get_start_date`). */
  private firstDate(from: Time): LocalDate {
    const local = toLocal(from, this.tz).date;
    const forSpec = (spec: DaytimeSpec) =>
      this.calendar.shift(this.calendar.after(local - spec.dateShift), -spec.calShift);
    return Math.min(forSpec(this.windowStart), forSpec(this.windowStop));
  }

  private openWindow(date: LocalDate, from: Time): Window {
    const start = this.edge(date, this.windowStart);
    const end = this.edge(date, this.windowStop);
    const skip = from > start ? Math.ceil((from - start) / this.intervalMs) : 0;
    return { date, next: start + skip * this.intervalMs, end };
  }

  *times(from: Time): Generator<ScheduledTime, void, undefined> {
    if (this.calendar.isEmpty) return;
    const open: Window[] = [];
    let nextDate = this.firstDate(from);
    let pending = this.openWindow(nextDate, from);
    let emptyRun = 0;
    for (;;) {
      // Open every window that starts no later than the earliest open time,
      // so overlapping windows interleave in time order.
      let earliest = open.reduce<Window | undefined>(
        (a, w) => (a === undefined || w.next < a.next ? w : a),
        undefined,
      );
      while (earliest === undefined || pending.next <= earliest.next) {
        if (pending.next < pending.end) {
          open.push(pending);
          emptyRun = 0;
        } else if (++emptyRun > MAX_EMPTY_WINDOWS && open.length === 0) {
          return;
        }
        nextDate = this.calendar.after(nextDate + 1);
        pending = this.openWindow(nextDate, from);
        earliest = open.reduce<Window | undefined>(
          (a, w) => (a === undefined || w.next < a.next ? w : a),
          undefined,
        );
      }
      const time = earliest.next;
      const nominal = earliest.date;
      yield scheduledTime(time, () => {
        const local = toLocal(time, this.tz);
        return withArgs(
          {
            date: formatDate(nominal),
            sched_date: formatDate(local.date),
            time: formatTime(time),
            daytime: formatDaytime(local.daytime),
            calendar: this.calendar.name,
            tz: this.tz.name,
          },
          this.args,
        );
      });
      earliest.next += this.intervalMs;
      if (earliest.next >= earliest.end) open.splice(open.indexOf(earliest), 1);
    }
  }

  toJso(): Record<string, unknown> {
    return {
      type: this.type,
      enabled: this.enabled,
      tz: this.tz.name,
      calendar: this.calendar.name,
      start: daytimeSpecToJso(this.windowStart),
      stop: daytimeSpecToJso(this.windowStop),
      interval: this.intervalSec,
      args: this.args,
    };
  }

  toString(): string {
    return (
      `${argsPrefix(this.args)}${this.calendar.name} every ${formatSeconds(this.intervalSec)} sec` +
      ` from ${daytimeSpecToString(this.windowStart)} to ${daytimeSpecToString(this.windowStop)} ${this.tz.name}`
    );
  }
}
