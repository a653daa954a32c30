import { DurationError } from '../errors.js';

/** Seconds per unit. Apsis's spellings first (apsis-model.md §9.2), then ours. */
const UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  // Beyond Apsis: milliseconds, weeks, and common plurals/abbreviations.
  ms: 0.001,
  msec: 0.001,
  millisecond: 0.001,
  milliseconds: 0.001,
  secs: 1,
  mins: 60,
  hr: 3600,
  hrs: 3600,
  w: 604800,
  week: 604800,
  weeks: 604800,
};

// Python's float(): decimal or exponent forms, surrounding whitespace allowed.
const PLAIN_NUMBER_RE = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;
const PART_RE = /(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]+)\s*/y;

/**
 * Parses a duration to seconds: a number (`30`, `1e3`), a number with a unit
 * (`30s`, `10 min`, `1.5h`, `1 day`, `-10 d`), or a compound (`1h30m`,
 * `1h 30m 15s`, `500ms`). Units are case-sensitive, as in Apsis.
 */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DurationError(value, 'not a finite number');
    return value;
  }
  if (typeof value !== 'string')
    throw new DurationError(value, `expected a number or a string, got ${typeOf(value)}`);
  if (PLAIN_NUMBER_RE.test(value)) return Number(value);

  let text = value.trim();
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1 : 1;
    text = text.slice(1).trimStart();
  }
  if (text === '') throw new DurationError(value);
  PART_RE.lastIndex = 0;
  let total = 0;
  while (PART_RE.lastIndex < text.length) {
    const start = PART_RE.lastIndex;
    const m = PART_RE.exec(text);
    if (!m || m.index !== start) throw new DurationError(value);
    const unit = m[2] as string;
    const mult = UNITS[unit];
    if (mult === undefined) throw new DurationError(value, `unknown unit ${unit}`);
    total += Number(m[1]) * mult;
  }
  return sign * total;
}

/** A duration in whole milliseconds. */
export function parseDurationMs(value: unknown): number {
  return Math.round(parseDuration(value) * 1000);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** Formats seconds the way Python prints a float (`900.0`, `1.5`), as Apsis serializes durations. */
export function formatSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}.0` : String(seconds);
}
