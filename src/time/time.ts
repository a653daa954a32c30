import { TimeFormatError } from '../errors.js';
import { civilFromDays, daysFromCivil, isValidYmd, MS_PER_DAY } from './date.js';
import { daytimeParts, formatDaytime } from './daytime.js';

/**
 * An instant, as milliseconds since 1970-01-01T00:00:00Z. ora's resolution is
 * finer (~30 ns), but every time Apsis writes is at most millisecond precise
 * (the API format has three digits), so nothing a user sees is lost.
 */
export type Time = number;

/**
 * Seconds between ora's epoch, 0001-01-01T00:00:00Z, and the Unix epoch.
 * Interval schedules align to ora's epoch (apsis-model.md §2.2).
 */
export const ORA_EPOCH_OFFSET_MS = -daysFromCivil(1, 1, 1) * MS_PER_DAY;

function splitTime(time: Time): { date: number; daytime: number } {
  const date = Math.floor(time / MS_PER_DAY);
  return { date, daytime: time - date * MS_PER_DAY };
}

function formatUtc(time: Time, fraction: 'trim' | 'millis'): string {
  const { date, daytime } = splitTime(time);
  const { year, month, day } = civilFromDays(date);
  const ymd = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (fraction === 'trim') return `${ymd}T${formatDaytime(daytime)}+00:00`;
  const { hour, minute, second, ms } = daytimeParts(daytime);
  const hms = [hour, minute, second].map((n) => String(n).padStart(2, '0')).join(':');
  return `${ymd}T${hms}.${String(ms).padStart(3, '0')}+00:00`;
}

/** ora's `str(Time)`: `2024-01-02T14:30:00+00:00`, a fraction only when non-zero. */
export function formatTime(time: Time): string {
  return formatUtc(time, 'trim');
}

/** The API's time format (`time_to_jso`): always three fractional digits. */
export function formatTimeJso(time: Time): string {
  return formatUtc(time, 'millis');
}

const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * Parses an ISO 8601 time with a UTC offset (`Z`, `+00:00`, `-0500`). A time
 * without an offset is refused: it would mean different instants in different
 * zones.
 */
export function parseTime(value: string): Time {
  const m = TIME_RE.exec(value.trim());
  if (m) {
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    const hour = Number(h);
    const minute = Number(mi);
    const second = s === undefined ? 0 : Number(s);
    if (isValidYmd(year, month, day) && hour < 24 && minute < 60 && second < 60) {
      const ms = frac === undefined ? 0 : Math.round(Number(`0.${frac}`) * 1000);
      let offsetMin = 0;
      if (zone !== undefined && zone !== 'Z' && zone !== 'UTC') {
        const sign = zone.startsWith('-') ? -1 : 1;
        const digits = zone.slice(1).replace(':', '');
        offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
      }
      return (
        daysFromCivil(year, month, day) * MS_PER_DAY +
        ((hour * 60 + minute) * 60 + second) * 1000 +
        ms -
        offsetMin * 60_000
      );
    }
  }
  throw new TimeFormatError(
    'bad_time',
    value,
    'time (ISO 8601 with a UTC offset, e.g. 2026-03-08T07:00:00Z)',
  );
}

/** The UTC date and daytime of an instant. */
export function utcParts(time: Time): { date: number; daytime: number } {
  return splitTime(time);
}
