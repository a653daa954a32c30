import { CalendarFileError, CalendarRangeError, UnknownCalendarError } from '../errors.js';
import {
  formatDate,
  MAX_DATE,
  MIN_DATE,
  parseDate,
  WEEKDAY_NAMES,
  weekdayOf,
  type LocalDate,
  type Weekday,
} from './date.js';

/**
 * A set of dates, with ora's operations. Names follow ora's `str(calendar)`:
 * `all days`, `no days`, the weekday expression as written, or the file's
 * name, because schedules pass that name to runs as the `calendar` arg.
 */
export interface Calendar {
  readonly name: string;
  /** True when the calendar contains no date at all: schedules on it generate nothing. */
  readonly isEmpty: boolean;
  contains(date: LocalDate): boolean;
  /** The first calendar date on or after `date`. */
  after(date: LocalDate): LocalDate;
  /** The last calendar date on or before `date`. */
  before(date: LocalDate): LocalDate;
  /** `n` calendar dates forward (n > 0) or back (n < 0) from `date`; `date` itself when n = 0. */
  shift(date: LocalDate, n: number): LocalDate;
}

function checkDate(name: string, date: LocalDate, start: LocalDate, stop: LocalDate): void {
  if (!(date >= start && date < stop)) {
    throw new CalendarRangeError(name, formatDate(date), formatDate(start), formatDate(stop));
  }
}

class WeekdayCalendar implements Calendar {
  readonly isEmpty: boolean;
  private readonly mask: boolean[];

  constructor(
    readonly name: string,
    weekdays: Iterable<Weekday>,
  ) {
    this.mask = [false, false, false, false, false, false, false];
    for (const w of weekdays) this.mask[w] = true;
    this.isEmpty = !this.mask.includes(true);
  }

  contains(date: LocalDate): boolean {
    checkDate(this.name, date, MIN_DATE, MAX_DATE + 1);
    return this.mask[weekdayOf(date)] === true;
  }

  after(date: LocalDate): LocalDate {
    this.assertNotEmpty(date);
    while (!this.contains(date)) date++;
    return date;
  }

  before(date: LocalDate): LocalDate {
    this.assertNotEmpty(date);
    while (!this.contains(date)) date--;
    return date;
  }

  shift(date: LocalDate, n: number): LocalDate {
    if (n !== 0) this.assertNotEmpty(date);
    // Whole weeks first: a week always holds the same number of calendar days.
    const perWeek = this.mask.filter(Boolean).length;
    if (perWeek > 0 && Math.abs(n) > 7 * perWeek) {
      const weeks = Math.trunc(n / perWeek) - Math.sign(n);
      date += weeks * 7;
      n -= weeks * perWeek;
    }
    while (n > 0) if (this.contains(++date)) n--;
    while (n < 0) if (this.contains(--date)) n++;
    return date;
  }

  private assertNotEmpty(date: LocalDate): void {
    // ora walks off the end of time; we say why instead.
    if (this.isEmpty)
      throw new CalendarRangeError(
        this.name,
        formatDate(date),
        formatDate(MIN_DATE),
        formatDate(MAX_DATE + 1),
      );
  }

  toString(): string {
    return this.name;
  }
}

/** A calendar given by a sorted list of dates within a half-open range. */
export class DateListCalendar implements Calendar {
  readonly isEmpty: boolean;
  private readonly dates: LocalDate[];
  private readonly members: Set<LocalDate>;

  constructor(
    readonly name: string,
    readonly start: LocalDate,
    readonly stop: LocalDate,
    dates: Iterable<LocalDate>,
  ) {
    this.dates = [...new Set(dates)].sort((a, b) => a - b);
    this.members = new Set(this.dates);
    this.isEmpty = this.dates.length === 0;
  }

  contains(date: LocalDate): boolean {
    checkDate(this.name, date, this.start, this.stop);
    return this.members.has(date);
  }

  /** Index of the first listed date >= `date`. */
  private lowerBound(date: LocalDate): number {
    let lo = 0;
    let hi = this.dates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.dates[mid] as number) < date) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private at(index: number, from: LocalDate): LocalDate {
    const date = this.dates[index];
    if (date === undefined) {
      // Walking past the last (or first) listed date leaves the range, as ora's does.
      const beyond = index < 0 ? this.start - 1 : this.stop;
      throw new CalendarRangeError(
        this.name,
        formatDate(index < 0 ? beyond : Math.max(beyond, from)),
        formatDate(this.start),
        formatDate(this.stop),
      );
    }
    return date;
  }

  after(date: LocalDate): LocalDate {
    checkDate(this.name, date, this.start, this.stop);
    return this.at(this.lowerBound(date), date);
  }

  before(date: LocalDate): LocalDate {
    checkDate(this.name, date, this.start, this.stop);
    const i = this.lowerBound(date + 1) - 1;
    return this.at(i, date);
  }

  shift(date: LocalDate, n: number): LocalDate {
    if (n === 0) return date;
    checkDate(this.name, date, this.start, this.stop);
    if (n > 0) return this.at(this.lowerBound(date + 1) + n - 1, date);
    return this.at(this.lowerBound(date) + n, date);
  }

  toString(): string {
    return this.name;
  }
}

const ALL = new WeekdayCalendar('all days', [0, 1, 2, 3, 4, 5, 6]);
const NONE = new WeekdayCalendar('no days', []);

function toWeekday(part: string): Weekday {
  const byName = WEEKDAY_NAMES.indexOf(part as (typeof WEEKDAY_NAMES)[number]);
  if (byName >= 0) return byName as Weekday;
  if (/^[0-6]$/.test(part)) return Number(part) as Weekday;
  throw new Error(`not a weekday: ${part}`);
}

/**
 * Parses ora's weekday expression: `Mon`, `Mon-Fri`, `Fri-Mon` (wraps),
 * `Mon,Wed-Fri`, or numbers 0–6 with Monday = 0. Returns undefined when the
 * string is not one.
 */
export function parseWeekdays(expr: string): Weekday[] | undefined {
  const days = new Set<Weekday>();
  try {
    for (const part of expr.split(',')) {
      if (part === '') continue;
      const dash = part.indexOf('-');
      if (dash >= 0) {
        const w0 = toWeekday(part.slice(0, dash));
        const w1 = toWeekday(part.slice(dash + 1));
        const end = w0 <= w1 ? w1 : w1 + 7;
        for (let w = w0; w <= end; w++) days.add((w % 7) as Weekday);
      } else {
        days.add(toWeekday(part));
      }
    }
  } catch {
    // Not a weekday expression: the caller tries calendar files next.
    return undefined;
  }
  return [...days].sort((a, b) => a - b);
}

/** The calendars that need no file: `all`, `none` and weekday expressions. */
export function builtinCalendar(name: string): Calendar | undefined {
  if (name === 'all') return ALL;
  if (name === 'none') return NONE;
  if (name === '') return undefined;
  const weekdays = parseWeekdays(name);
  return weekdays === undefined ? undefined : new WeekdayCalendar(name, weekdays);
}

/**
 * Parses a calendar file (ora's format): `START date` and `STOP date` (a
 * half-open range, inferred from the dates when absent), one date per line
 * with any text after it ignored, blank lines and `#` comments ignored.
 */
export function parseCalendarFile(name: string, text: string, file = `${name}.cal`): Calendar {
  let start: LocalDate | undefined;
  let stop: LocalDate | undefined;
  const dates: LocalDate[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [first = '', rest = ''] = line.split(/\s+(.*)/s, 2);
    const readDate = (s: string): LocalDate => {
      try {
        return parseDate(s);
      } catch {
        throw new CalendarFileError(file, i + 1, `not a date (YYYY-MM-DD): ${JSON.stringify(s)}`);
      }
    };
    if (first === 'START') start = readDate(rest.trim());
    else if (first === 'STOP') stop = readDate(rest.trim());
    else dates.push(readDate(first));
  });
  const lo = start ?? (dates.length ? Math.min(...dates) : MIN_DATE);
  const hi = stop ?? (dates.length ? Math.max(...dates) + 1 : MAX_DATE + 1);
  if (lo > hi)
    throw new CalendarFileError(file, 1, `START ${formatDate(lo)} is after STOP ${formatDate(hi)}`);
  const outside = dates.find((d) => d < lo || d >= hi);
  if (outside !== undefined) {
    throw new CalendarFileError(
      file,
      lines.findIndex((l) => l.trim().startsWith(formatDate(outside))) + 1,
      `date ${formatDate(outside)} is outside START ${formatDate(lo)} / STOP ${formatDate(hi)}`,
    );
  }
  return new DateListCalendar(name, lo, hi, dates);
}

/** Reads the text of calendar file `NAME.cal`, or returns undefined if there is none. */
export type CalendarFileReader = (name: string) => string | undefined;

/**
 * Resolves calendar names: built-ins first, then files through `readFile`.
 * Calendars are cached for the resolver's lifetime, as ora caches them for
 * the process: a changed file takes effect when the jobs are reloaded.
 */
export class CalendarResolver {
  private readonly cache = new Map<string, Calendar>();

  constructor(
    private readonly readFile?: CalendarFileReader,
    private readonly describeDir?: string,
  ) {}

  get(name: string): Calendar {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const calendar = builtinCalendar(name) ?? this.fromFile(name);
    this.cache.set(name, calendar);
    return calendar;
  }

  private fromFile(name: string): Calendar {
    // A name is a file stem, never a path.
    if (!this.readFile || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new UnknownCalendarError(name, this.describeDir);
    }
    const text = this.readFile(name);
    if (text === undefined) throw new UnknownCalendarError(name, this.describeDir);
    return parseCalendarFile(name, text);
  }
}

/** A resolver that knows only the built-in calendars. */
export const builtinCalendars = new CalendarResolver();
