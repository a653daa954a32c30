import { TimeFormatError } from '../errors.js';

/** A time of day, as milliseconds since midnight: 0 ≤ daytime < 86 400 000. */
export type Daytime = number;

// ora accepts `H:MM:SS` and `HH:MM:SS`, seconds possibly fractional; `HH:MM`
// is not a daytime (apsis-model.md, conventions).
const DAYTIME_RE = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

export function parseDaytime(value: string): Daytime {
  const m = DAYTIME_RE.exec(value.trim());
  if (m) {
    const h = Number(m[1]);
    const min = Number(m[2]);
    const s = Number(m[3]);
    const frac = m[4] === undefined ? 0 : Math.round(Number(`0.${m[4]}`) * 1000);
    if (h < 24 && min < 60 && s < 60) return ((h * 60 + min) * 60 + s) * 1000 + Math.min(frac, 999);
  }
  throw new TimeFormatError('bad_daytime', value, 'time of day (HH:MM:SS)');
}

export function daytimeParts(daytime: Daytime): {
  hour: number;
  minute: number;
  second: number;
  ms: number;
} {
  const ms = daytime % 1000;
  const totalSeconds = Math.floor(daytime / 1000);
  return {
    hour: Math.floor(totalSeconds / 3600),
    minute: Math.floor(totalSeconds / 60) % 60,
    second: totalSeconds % 60,
    ms,
  };
}

/** ora's `str(Daytime)`: `HH:MM:SS`, a fraction only when non-zero, trailing zeros trimmed. */
export function formatDaytime(daytime: Daytime): string {
  const { hour, minute, second, ms } = daytimeParts(daytime);
  const base = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}`;
  return ms === 0 ? base : `${base}.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
}
