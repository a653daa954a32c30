import { SchedulerError } from '../errors.js';
import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  MS_PER_DAY,
  weekdayOf,
  type LocalDate,
} from '../time/index.js';

/** A cron expression that could not be parsed; the message names the field and value. */
export class CronError extends SchedulerError {
  constructor(
    readonly expr: string,
    readonly detail: string,
  ) {
    super('bad_cron', `cron expression ${JSON.stringify(expr)}: ${detail}`);
  }
}

export const MS_PER_MINUTE = 60_000;

/**
 * The Gregorian calendar repeats exactly every 400 years (146 097 days, a
 * whole number of weeks), so a day pattern of months, days of month and
 * weekdays that matches no day in 400 years matches none ever.
 */
export const CALENDAR_CYCLE_DAYS = 146_097;

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  /** The largest value written; `*` covers `min`..`starMax`. */
  readonly max: number;
  readonly starMax: number;
  /** Three-letter names, lower case, for values `min`, `min + 1`, … */
  readonly names?: readonly string[];
  readonly namesHint?: string;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59, starMax: 59 },
  { name: 'hour', min: 0, max: 23, starMax: 23 },
  { name: 'day-of-month', min: 1, max: 31, starMax: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    starMax: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
    namesHint: 'a number 1-12 or a month name Jan-Dec',
  },
  {
    // Standard cron numbering: 0 and 7 are both Sunday (ora counts Mon = 0).
    name: 'day-of-week',
    min: 0,
    max: 7,
    starMax: 6,
    names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
    namesHint: 'a number 0-7 or a weekday name Sun-Sat',
  },
];

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELD_LIST = 'minute hour day-of-month month day-of-week';

interface ParsedField {
  readonly values: readonly number[];
  /** Written starting with `*` (`*` or `*`/n): Vixie cron's test for the day rule. */
  readonly star: boolean;
}

function parseField(expr: string, spec: FieldSpec, text: string): ParsedField {
  function fail(detail: string): never {
    throw new CronError(expr, `${spec.name} ${detail}`);
  }
  const q = JSON.stringify;

  function value(token: string): number {
    if (/^\d+$/.test(token)) {
      const n = Number(token);
      if (n < spec.min || n > spec.max) fail(`${n} is out of range ${spec.min}-${spec.max}`);
      return n;
    }
    const index = spec.names?.indexOf(token.toLowerCase()) ?? -1;
    if (index >= 0) return spec.min + index;
    if (token === '') fail(`${q(text)} has a range with no start or end`);
    if (/[?#]/.test(token)) fail(`${q(token)}: Quartz syntax (?, L, W, #) is not supported`);
    return fail(`${q(token)} is not ${spec.namesHint ?? 'a number'}`);
  }

  const mask = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(',')) {
    if (item === '') fail(`${q(text)} has an empty list item`);
    const [range = '', stepText, ...extra] = item.split('/');
    if (extra.length > 0) fail(`${q(item)} has more than one "/"`);
    if (range === '') fail(`${q(item)} has no value before the "/"`);

    let lo = spec.min;
    let hi = spec.starMax;
    if (range !== '*') {
      const [startText = '', endText, ...more] = range.split('-');
      if (more.length > 0) fail(`${q(item)} has more than one "-"`);
      lo = value(startText);
      if (endText === undefined) {
        // `a/n` runs from a to the end of the field.
        if (stepText === undefined) hi = lo;
      } else {
        hi = value(endText);
        // `Fri-Sun`, `5-0`: a weekday range may end on Sunday written as 0.
        if (spec.name === 'day-of-week' && hi === 0 && lo > 0) hi = 7;
        if (lo > hi) {
          fail(
            `range ${range} is backwards; write it as a list, ` +
              `e.g. ${startText}-${spec.max},${spec.min}-${endText}`,
          );
        }
      }
    }

    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) fail(`step ${q(stepText)} in ${q(item)} is not a number`);
      step = Number(stepText);
      if (step < 1 || step > spec.max) {
        fail(`step ${step} in ${q(item)} is out of range 1-${spec.max}`);
      }
    }
    for (let n = lo; n <= hi; n += step) mask[n] = true;
  }

  if (spec.name === 'day-of-week' && mask[7] === true) {
    // Day-of-week 7 is Sunday, like 0.
    mask[0] = true;
    mask[7] = false;
  }
  const values: number[] = [];
  mask.forEach((set, n) => {
    if (set) values.push(n);
  });
  return { values, star: text.startsWith('*') };
}

function toMask(values: readonly number[], size: number): readonly boolean[] {
  const mask = new Array<boolean>(size).fill(false);
  for (const v of values) mask[v] = true;
  return mask;
}

/**
 * A parsed five-field cron expression. It knows nothing of time zones: it
 * answers questions about local wall-clock times, written as milliseconds
 * since 1970-01-01 00:00 on the local clock (`date * MS_PER_DAY + daytime`).
 */
export class CronExpression {
  /** True when the hour field matches every hour: the expression repeats hourly. */
  readonly everyHour: boolean;
  private readonly minuteMask: readonly boolean[];
  private readonly hourMask: readonly boolean[];
  private readonly domMask: readonly boolean[];
  private readonly monthMask: readonly boolean[];
  private readonly dowMask: readonly boolean[];

  constructor(
    /** The expression as written (trimmed), macros included. */
    readonly source: string,
    readonly minutes: readonly number[],
    readonly hours: readonly number[],
    readonly daysOfMonth: readonly number[],
    readonly months: readonly number[],
    /** 0 = Sunday … 6 = Saturday (7 is folded into 0). */
    readonly daysOfWeek: readonly number[],
    /**
     * Vixie cron's day rule: when both day fields are restricted (neither
     * starts with `*`) a day matches if either does; otherwise both must.
     */
    readonly daysEither: boolean,
  ) {
    this.minuteMask = toMask(minutes, 60);
    this.hourMask = toMask(hours, 24);
    this.domMask = toMask(daysOfMonth, 32);
    this.monthMask = toMask(months, 13);
    this.dowMask = toMask(daysOfWeek, 7);
    this.everyHour = hours.length === 24;
  }

  /**
   * False when no day can ever match (`0 0 31 2 *`): with both day fields
   * required, no listed month has any listed day. Otherwise some day matches
   * in every 400-year cycle.
   */
  matchesSomeDay(): boolean {
    if (this.daysEither) return true;
    return this.months.some((month) =>
      this.daysOfMonth.some((day) => day <= (month === 2 ? 29 : daysInMonth(2001, month))),
    );
  }

  /** Whether a local date matches the month and day fields. */
  matchesDate(date: LocalDate): boolean {
    const { month, day } = civilFromDays(date);
    return this.monthMask[month] === true && this.matchesDay(date, day);
  }

  /** Whether a local wall time (minute-aligned or not) matches every field. */
  matchesWall(wall: number): boolean {
    const date = Math.floor(wall / MS_PER_DAY);
    const minuteOfDay = Math.floor((wall - date * MS_PER_DAY) / MS_PER_MINUTE);
    return (
      this.matchesDate(date) &&
      this.hourMask[Math.floor(minuteOfDay / 60)] === true &&
      this.minuteMask[minuteOfDay % 60] === true
    );
  }

  /**
   * The first matching wall time at or after `wall` (rounded up to a whole
   * minute), if there is one no later than `until`. Jumps field by field: a
   * call costs at most one pass over the days of the months it crosses.
   */
  nextWall(wall: number, until: number): number | undefined {
    const start = Math.ceil(wall / MS_PER_MINUTE) * MS_PER_MINUTE;
    const date = Math.floor(start / MS_PER_DAY);
    if (this.matchesDate(date)) {
      const minuteOfDay = this.nextMinuteOfDay((start - date * MS_PER_DAY) / MS_PER_MINUTE);
      if (minuteOfDay !== undefined) {
        const next = date * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE;
        return next <= until ? next : undefined;
      }
    }
    const lastDate = Math.floor(until / MS_PER_DAY);
    const next = this.nextDate(date + 1, Math.min(lastDate, date + CALENDAR_CYCLE_DAYS));
    if (next === undefined) return undefined;
    const first = next * MS_PER_DAY + this.firstMinuteOfDay() * MS_PER_MINUTE;
    return first <= until ? first : undefined;
  }

  toString(): string {
    return this.source;
  }

  private matchesDay(date: LocalDate, dayOfMonth: number): boolean {
    const dom = this.domMask[dayOfMonth] === true;
    const dow = this.dowMask[(weekdayOf(date) + 1) % 7] === true;
    return this.daysEither ? dom || dow : dom && dow;
  }

  private firstMinuteOfDay(): number {
    return (this.hours[0] ?? 0) * 60 + (this.minutes[0] ?? 0);
  }

  private nextMinuteOfDay(from: number): number | undefined {
    const fromHour = Math.floor(from / 60);
    const fromMinute = from % 60;
    for (const hour of this.hours) {
      if (hour < fromHour) continue;
      const minute =
        hour === fromHour ? this.minutes.find((m) => m >= fromMinute) : this.minutes[0];
      if (minute !== undefined) return hour * 60 + minute;
    }
    return undefined;
  }

  /** The first matching date in `from`..`last`, skipping whole months that do not match. */
  private nextDate(from: LocalDate, last: LocalDate): LocalDate | undefined {
    let { year, month, day } = civilFromDays(from);
    for (;;) {
      const monthStart = daysFromCivil(year, month, 1);
      if (monthStart + day - 1 > last) return undefined;
      if (this.monthMask[month] === true) {
        const end = Math.min(daysInMonth(year, month), last - monthStart + 1);
        for (; day <= end; day++) {
          if (this.matchesDay(monthStart + day - 1, day)) return monthStart + day - 1;
        }
      }
      day = 1;
      month += 1;
      if (month > 12) {
        month = 1;
        year += 1;
      }
    }
  }
}

/**
 * Parses a five-field crontab expression (`minute hour day-of-month month
 * day-of-week`) or one of the macros `@yearly`, `@annually`, `@monthly`,
 * `@weekly`, `@daily`, `@midnight`, `@hourly`. Throws `CronError` naming the
 * field and value at fault.
 */
export function parseCronExpression(expr: string): CronExpression {
  const source = expr.trim();
  let text = source;
  if (source.startsWith('@')) {
    const macro = source.toLowerCase();
    if (macro === '@reboot') {
      throw new CronError(
        expr,
        '@reboot is not supported: a schedule gives times, and the scheduler has no boot to run at',
      );
    }
    const expansion = MACROS[macro];
    if (expansion === undefined) {
      throw new CronError(
        expr,
        `unknown macro ${source}; use one of ${Object.keys(MACROS).join(', ')}, or five fields`,
      );
    }
    text = expansion;
  }

  const parts = text === '' ? [] : text.split(/\s+/);
  if (parts.length === 6 || parts.length === 7) {
    throw new CronError(
      expr,
      `${parts.length} fields given, but a seconds (or year) field is not supported; ` +
        `use 5 fields: ${FIELD_LIST}`,
    );
  }
  if (parts.length !== 5) {
    throw new CronError(expr, `expected 5 fields (${FIELD_LIST}), got ${parts.length}`);
  }

  const fields = FIELDS.map((spec, i) => parseField(expr, spec, parts[i] ?? ''));
  const [minute, hour, dom, month, dow] = fields as [
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
  ];
  return new CronExpression(
    source,
    minute.values,
    hour.values,
    dom.values,
    month.values,
    dow.values,
    !dom.star && !dow.star,
  );
}
