import { ArgumentError } from '../errors.js';
import {
  daysFromCivil,
  fromLocal,
  gapEnd,
  parseDaytime,
  parseDuration,
  parseTime,
  toLocal,
  type Time,
  type TimeZone,
} from '../time/index.js';

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Reads a TIME argument: `now`; `+DURATION` or `-DURATION` from now; an ISO
 * time with an offset; a local date or date-time (`2026-03-08`,
 * `2026-03-08T09:30`) in `tz`; or a daytime (`HH:MM:SS`), meaning its next
 * occurrence in `tz`, as Apsis's client reads one.
 */
export function parseTimeArg(text: string, now: Time, tz: TimeZone): Time {
  const value = text.trim();
  if (value === 'now') return now;
  if (/^[+-]/.test(value)) {
    try {
      return now + Math.round(parseDuration(value) * 1000);
    } catch {
      throw new ArgumentError(`cannot interpret as time: ${text}`);
    }
  }
  try {
    return parseTime(value);
  } catch {
    // Not an absolute time; try the local forms next.
  }
  const m = LOCAL_RE.exec(value);
  if (m) {
    const date = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
    const daytime = ((Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0)) * 60 + Number(m[6] ?? 0)) * 1000;
    return fromLocal(date, daytime, tz) ?? gapEnd(date, daytime, tz);
  }
  try {
    const daytime = parseDaytime(value);
    const today = toLocal(now, tz).date;
    for (let date = today; date <= today + 2; date++) {
      const time = fromLocal(date, daytime, tz);
      if (time !== undefined && time > now) return time;
    }
  } catch {
    // Not a daytime either: fall through to the error.
  }
  throw new ArgumentError(`cannot interpret as time: ${text}`);
}
