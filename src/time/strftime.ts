import { IANAZone } from 'luxon';
import { SchedulerError } from '../errors.js';
import { civilFromDays, daysFromCivil, formatDate, weekdayOf, type LocalDate } from './date.js';
import { daytimeParts, formatDaytime, type Daytime } from './daytime.js';
import type { Time } from './time.js';
import { getTimeZone, toLocal, UTC, type TimeZone } from './zone.js';

/**
 * ora's strftime-style formatting (`format(date, '%Y%m%d')`), the superset
 * of Python's codes that Apsis job templates use. Modifiers between `%` and
 * the code follow ora: a width (`%3H`), a precision for seconds and ISO codes
 * (`%.3S`, `%.6i`), a pad character (`%#*4H`), `^`/`_` for upper/lower-case
 * names and `~` for abbreviated names or compact ISO forms.
 *
 * A time pattern may end in `@ZONE` to format the time in that zone; without
 * one a time formats in UTC, as ora does.
 */

/** A format pattern ora would reject: an unknown code or a dangling `%`. */
export class TimePatternError extends SchedulerError {
  constructor(
    readonly pattern: string,
    detail: string,
  ) {
    super('bad_time_pattern', `bad time format pattern ${JSON.stringify(pattern)}: ${detail}`);
  }
}

export type PatternKind = 'date' | 'daytime' | 'time';

interface Zone {
  /** Offset from UTC in seconds. */
  offset: number;
  abbreviation: string;
}

interface Parts {
  date: LocalDate;
  daytime: Daytime;
  zone: Zone;
}

interface Modifiers {
  width: number | undefined;
  precision: number | undefined;
  pad: string | undefined;
  strCase: '^' | '_' | undefined;
  abbreviate: boolean;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
// Military zone letters for UTC-12:00 … UTC+12:00 in whole hours.
const MILITARY = 'YXWVUTSRQPONZABCDEFGHIKLM';

function num(value: number, width: number, pad = '0'): string {
  const text = String(Math.abs(value));
  const padded = text.length >= width ? text : pad.repeat(width - text.length) + text;
  return value < 0 ? `-${padded}` : padded;
}

function named(text: string, mods: Modifiers): string {
  const cased =
    mods.strCase === '^' ? text.toUpperCase() : mods.strCase === '_' ? text.toLowerCase() : text;
  const width = mods.width ?? 0;
  return cased.length >= width ? cased : (mods.pad ?? ' ').repeat(width - cased.length) + cased;
}

/** Seconds with `precision` fractional digits, truncated as ora truncates. */
function seconds(daytime: Daytime, precision: number | undefined, width: number, pad: string) {
  const { second, ms } = daytimeParts(daytime);
  if (precision === undefined) return num(second, width, pad);
  if (precision === 0) return `${num(second, width, pad)}.`;
  const frac = precision <= 3 ? Math.floor(ms / 10 ** (3 - precision)) : ms * 10 ** (precision - 3);
  return `${num(second, width, pad)}.${num(frac, precision)}`;
}

function isoWeek(date: LocalDate): { weekYear: number; week: number } {
  const thursday = date - weekdayOf(date) + 3;
  const weekYear = civilFromDays(thursday).year;
  return { weekYear, week: Math.floor((thursday - daysFromCivil(weekYear, 1, 1)) / 7) + 1 };
}

function isoDate(date: LocalDate, compact: boolean): string {
  const { year, month, day } = civilFromDays(date);
  const sep = compact ? '' : '-';
  return `${num(year, 4)}${sep}${num(month, 2)}${sep}${num(day, 2)}`;
}

function isoDaytime(daytime: Daytime, precision: number | undefined, compact: boolean): string {
  const { hour, minute } = daytimeParts(daytime);
  const sep = compact ? '' : ':';
  return `${num(hour, 2)}${sep}${num(minute, 2)}${sep}${seconds(daytime, precision, 2, '0')}`;
}

function isoOffset(zone: Zone, colon: boolean, width = 2): string {
  const off = Math.abs(zone.offset);
  const sign = zone.offset < 0 ? '-' : '+';
  return `${sign}${num(Math.floor(off / 3600), width)}${colon ? ':' : ''}${num(Math.floor((off % 3600) / 60), width)}`;
}

function dateCode(code: string, mods: Modifiers, date: LocalDate): string | undefined {
  const { year, month, day } = civilFromDays(date);
  const w = (d: number): number => mods.width ?? d;
  const p = mods.pad ?? '0';
  const weekday = weekdayOf(date);
  switch (code) {
    case 'A':
      return named(mods.abbreviate ? WEEKDAYS[weekday]!.slice(0, 3) : WEEKDAYS[weekday]!, mods);
    case 'a':
      return named(WEEKDAYS[weekday]!.slice(0, 3), mods);
    case 'B':
      return named(mods.abbreviate ? MONTHS[month - 1]!.slice(0, 3) : MONTHS[month - 1]!, mods);
    case 'b':
      return named(MONTHS[month - 1]!.slice(0, 3), mods);
    case 'D':
      return isoDate(date, mods.abbreviate);
    case 'd':
      return num(day, w(2), p);
    case 'G':
      return num(isoWeek(date).weekYear, w(4), p);
    case 'g':
      return num(isoWeek(date).weekYear % 100, w(2), p);
    case 'j':
      return num(date - daysFromCivil(year, 1, 1) + 1, w(3), p);
    case 'm':
      return num(month, w(2), p);
    case 'u':
      return num(weekday + 1, w(1), p);
    case 'V':
      return num(isoWeek(date).week, w(2), p);
    case 'w':
      return num((weekday + 1) % 7, w(1), p);
    case 'y':
      return num(year % 100, w(2), p);
    case 'Y':
      return num(year, w(4), p);
  }
  return undefined;
}

function daytimeCode(code: string, mods: Modifiers, daytime: Daytime): string | undefined {
  const { hour, minute, ms } = daytimeParts(daytime);
  const w = (d: number): number => mods.width ?? d;
  const p = mods.pad ?? '0';
  switch (code) {
    case 'C':
      return isoDaytime(daytime, mods.precision, mods.abbreviate);
    case 'f':
      return num(ms * 1000, 6, p);
    case 'H':
      return num(hour, w(2), p);
    case 'I':
      return num(hour % 12 === 0 ? 12 : hour % 12, w(2), p);
    case 'M':
      return num(minute, w(2), p);
    case 'p':
      return named(hour < 12 ? 'AM' : 'PM', mods);
    case 'S':
      return seconds(daytime, mods.precision, w(2), p);
  }
  return undefined;
}

function zoneCode(code: string, mods: Modifiers, zone: Zone): string | undefined {
  switch (code) {
    case 'E':
    case 'z':
      return isoOffset(zone, code === 'E', mods.width ?? 2);
    case 'e': {
      const hours = zone.offset / 3600;
      return Number.isInteger(hours) && Math.abs(hours) <= 12 ? MILITARY[hours + 12]! : '?';
    }
    case 'o':
      return (
        (zone.offset < 0 ? '-' : '+') + num(Math.abs(zone.offset), mods.width ?? 5, mods.pad ?? '0')
      );
    case 'Z':
      // ora insists on `%~Z`; plain `%Z` prints the same abbreviation here.
      return zone.abbreviation;
  }
  return undefined;
}

function timeCode(code: string, mods: Modifiers, parts: Parts): string | undefined {
  if (code !== 'i' && code !== 'T') return undefined;
  const date = isoDate(parts.date, mods.abbreviate);
  const t = mods.strCase === '_' ? 't' : 'T';
  const daytime = isoDaytime(parts.daytime, mods.precision, mods.abbreviate);
  const zone =
    code === 'T'
      ? (zoneCode('e', mods, parts.zone) ?? '')
      : isoOffset(parts.zone, !mods.abbreviate);
  return `${date}${t}${daytime}${zone}`;
}

function parseModifiers(pattern: string, start: number): { mods: Modifiers; pos: number } {
  const mods: Modifiers = {
    width: undefined,
    precision: undefined,
    pad: undefined,
    strCase: undefined,
    abbreviate: false,
  };
  let pos = start;
  let decimal = false;
  for (;;) {
    const ch = pattern[pos];
    if (ch === '.') {
      if (decimal) throw new TimePatternError(pattern, 'second decimal point in escape');
      decimal = true;
      pos++;
    } else if (ch !== undefined && ch >= '0' && ch <= '9') {
      const m = /^\d+/.exec(pattern.slice(pos))![0];
      if (decimal) mods.precision = Number(m);
      else mods.width = Number(m);
      pos += m.length;
    } else if (ch === '#') {
      mods.pad = pattern[pos + 1];
      if (mods.pad === undefined) throw new TimePatternError(pattern, 'unterminated escape');
      pos += 2;
    } else if (ch === '^' || ch === '_') {
      mods.strCase = ch;
      pos++;
    } else if (ch === '~') {
      mods.abbreviate = true;
      pos++;
    } else {
      if (decimal && mods.precision === undefined) mods.precision = 0;
      return { mods, pos };
    }
  }
}

/** Formats the parts that `kind` has with an ora pattern (no `@ZONE` suffix here). */
export function strftime(pattern: string, kind: PatternKind, parts: Parts): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const next = pattern.indexOf('%', pos);
    if (next < 0) return out + pattern.slice(pos);
    out += pattern.slice(pos, next);
    if (next + 1 >= pattern.length) throw new TimePatternError(pattern, 'unterminated escape');
    if (pattern[next + 1] === '%') {
      out += '%';
      pos = next + 2;
      continue;
    }
    const { mods, pos: at } = parseModifiers(pattern, next + 1);
    const code = pattern[at] ?? '';
    const text =
      kind === 'date'
        ? dateCode(code, mods, parts.date)
        : kind === 'daytime'
          ? daytimeCode(code, mods, parts.daytime)
          : (timeCode(code, mods, parts) ??
            dateCode(code, mods, parts.date) ??
            daytimeCode(code, mods, parts.daytime) ??
            zoneCode(code, mods, parts.zone));
    if (text === undefined) {
      if (code === '') throw new TimePatternError(pattern, 'unterminated escape');
      throw new TimePatternError(pattern, `unknown ${kind} escape '%${code}'`);
    }
    out += text;
    pos = at + 1;
  }
}

const NO_ZONE: Zone = { offset: 0, abbreviation: 'UTC' };

/** `format(date, pattern)`; the empty pattern gives `YYYY-MM-DD`. */
export function formatDatePattern(date: LocalDate, pattern: string): string {
  if (pattern === '') return formatDate(date);
  return strftime(pattern, 'date', { date, daytime: 0, zone: NO_ZONE });
}

/** `format(daytime, pattern)`; the empty pattern gives ora's `str()`. */
export function formatDaytimePattern(daytime: Daytime, pattern: string): string {
  if (pattern === '') return formatDaytime(daytime);
  return strftime(pattern, 'daytime', { date: 0, daytime, zone: NO_ZONE });
}

function abbreviation(time: Time, zone: TimeZone): string {
  if (zone.name === 'UTC') return 'UTC';
  return (
    IANAZone.create(zone.name).offsetName(time, { format: 'short', locale: 'en-US' }) ?? zone.name
  );
}

/** Formats a time in `zone` with a pattern that has no `@ZONE` suffix. */
export function formatTimeInZone(time: Time, pattern: string, zone: TimeZone): string {
  const { date, daytime } = toLocal(time, zone);
  const offset = zone.offsetAt(time) * 60;
  return strftime(pattern === '' ? '%i' : pattern, 'time', {
    date,
    daytime,
    zone: { offset, abbreviation: abbreviation(time, zone) },
  });
}

/**
 * `format(time, pattern)` as ora does it: a trailing `@ZONE` picks the zone
 * (`@` alone, `@display` and `@system` mean UTC here: the daemon has no
 * display zone), and no suffix means UTC.
 */
export function formatTimePattern(time: Time, pattern: string): string {
  // ora's empty pattern is `%i` in UTC: whole seconds, unlike `str(time)`.
  if (pattern === '') return formatTimeInZone(time, '%i', UTC);
  const at = pattern.lastIndexOf('@');
  if (at < 0) return formatTimeInZone(time, pattern, UTC);
  const name = pattern.slice(at + 1);
  const zone = name === '' || name === 'display' || name === 'system' ? UTC : getTimeZone(name);
  return formatTimeInZone(time, pattern.slice(0, at), zone);
}
