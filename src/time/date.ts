import { TimeFormatError } from '../errors.js';

/**
 * A civil date, as a count of days since 1970-01-01. Plain numbers keep
 * calendar arithmetic (`date + 1`) and comparisons cheap: schedules compute
 * millions of these.
 */
export type LocalDate = number;

export const MS_PER_DAY = 86_400_000;

/** Monday = 0 … Sunday = 6, as ora counts weekdays. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export const MIN_DATE: LocalDate = daysFromCivil(1, 1, 1);
export const MAX_DATE: LocalDate = daysFromCivil(9999, 12, 31);

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic
// Gregorian calendar, no Date objects, no time zones.
export function daysFromCivil(year: number, month: number, day: number): LocalDate {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface Ymd {
  year: number;
  month: number;
  day: number;
}

export function civilFromDays(date: LocalDate): Ymd {
  const z = date + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

export function daysInMonth(year: number, month: number): number {
  return (
    daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    daysFromCivil(year, month, 1)
  );
}

export function weekdayOf(date: LocalDate): Weekday {
  // 1970-01-01 was a Thursday (3).
  return ((((date + 3) % 7) + 7) % 7) as Weekday;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidYmd(year: number, month: number, day: number): boolean {
  return (
    year >= 1 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** Parses `YYYY-MM-DD`. */
export function parseDate(value: string): LocalDate {
  const m = DATE_RE.exec(value.trim());
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (isValidYmd(year, month, day)) return daysFromCivil(year, month, day);
  }
  throw new TimeFormatError('bad_date', value, 'date (YYYY-MM-DD)');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function formatDate(date: LocalDate): string {
  const { year, month, day } = civilFromDays(date);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}
