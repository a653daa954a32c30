import {
  formatDate,
  formatDaytime,
  formatTime,
  fromLocal,
  toLocal,
  type Calendar,
  type Daytime,
  type LocalDate,
  type Time,
  type TimeZone,
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

export interface DailyOptions {
  tz: TimeZone;
  calendar: Calendar;
  /** Any order; sorted and de-duplicated here. */
  daytimes: readonly Daytime[];
  dateShift: number;
  calShift: number;
  args: Args;
  enabled: boolean;
  stop: StopSchedule | undefined;
}

/** Formats a signed shift the way Apsis prints it: ` +1 cal days`. */
export function shiftSuffix(n: number, unit: string): string {
  return n === 0 ? '' : ` ${n > 0 ? '+' : ''}${n} ${unit}`;
}

/**
 * For each nominal date D of the calendar and each daytime, a run at local
 * date `calendar.shift(D, cal_shift) + date_shift` (apsis-model.md §2.3). A
 * local time in a spring-forward gap is skipped; an ambiguous one takes the
 * earlier instant.
 */
export class DailySchedule implements StartSchedule {
  readonly type = 'daily';
  readonly enabled: boolean;
  readonly args: Args;
  readonly stop: StopSchedule | undefined;
  readonly tz: TimeZone;
  readonly calendar: Calendar;
  readonly daytimes: readonly Daytime[];
  readonly dateShift: number;
  readonly calShift: number;

  constructor(options: DailyOptions) {
    this.tz = options.tz;
    this.calendar = options.calendar;
    this.daytimes = [...new Set(options.daytimes)].sort((a, b) => a - b);
    this.dateShift = options.dateShift;
    this.calShift = options.calShift;
    this.args = options.args;
    this.enabled = options.enabled;
    this.stop = options.stop;
  }

  /** The local date on which nominal date `date` runs. */
  scheduledDate(date: LocalDate): LocalDate {
    return this.calendar.shift(date, this.calShift) + this.dateShift;
  }

  *times(from: Time): Generator<ScheduledTime, void, undefined> {
    if (this.calendar.isEmpty || this.daytimes.length === 0) return;
    // The first nominal date whose scheduled date is on or after from's local
    // date: shift() is a bijection on calendar dates, so undo the cal shift
    // from the first calendar date on or after (local date − date shift).
    const local = toLocal(from, this.tz).date;
    let date = this.calendar.shift(this.calendar.after(local - this.dateShift), -this.calShift);
    const common = { calendar: this.calendar.name, tz: this.tz.name };
    for (;;) {
      const day = this.scheduledDate(date);
      for (const daytime of this.daytimes) {
        const time = fromLocal(day, daytime, this.tz);
        // Undefined: the local time falls in a DST gap and is skipped. Times
        // before `from` occur only on from's own date.
        if (time === undefined || time < from) continue;
        const nominal = date;
        yield scheduledTime(time, () =>
          withArgs(
            {
              date: formatDate(nominal),
              time: formatTime(time),
              daytime: formatDaytime(daytime),
              ...common,
            },
            this.args,
          ),
        );
      }
      date = this.calendar.after(date + 1);
    }
  }

  toJso(): Record<string, unknown> {
    return {
      type: this.type,
      enabled: this.enabled,
      tz: this.tz.name,
      calendar: this.calendar.name,
      daytime: this.daytimes.map(formatDaytime),
      date_shift: this.dateShift,
      cal_shift: this.calShift,
      args: this.args,
    };
  }

  toString(): string {
    return (
      `${argsPrefix(this.args)}${this.calendar.name} at ${this.daytimes.map(formatDaytime).join(', ')} ${this.tz.name}` +
      shiftSuffix(this.calShift, 'cal days') +
      shiftSuffix(this.dateShift, 'days')
    );
  }
}
