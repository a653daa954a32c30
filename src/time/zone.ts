import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { UnknownTimeZoneError } from '../errors.js';
import { MS_PER_DAY, type LocalDate } from './date.js';
import type { Daytime } from './daytime.js';
import type { Time } from './time.js';

/** A named time zone; luxon supplies the IANA rules. */
export interface TimeZone {
  readonly name: string;
  /** Offset from UTC in minutes at an instant. */
  offsetAt(time: Time): number;
}

class LuxonTimeZone implements TimeZone {
  constructor(
    readonly name: string,
    private readonly zone: Zone,
  ) {}

  offsetAt(time: Time): number {
    return this.zone.offset(time);
  }

  toString(): string {
    return this.name;
  }
}

const zones = new Map<string, TimeZone>();

export const UTC: TimeZone = new LuxonTimeZone('UTC', FixedOffsetZone.utcInstance);
zones.set('UTC', UTC);

/** Looks up a time zone by IANA name (or `UTC`); throws `UnknownTimeZoneError`. */
export function getTimeZone(name: string): TimeZone {
  const cached = zones.get(name);
  if (cached) return cached;
  if (typeof name !== 'string' || name.trim() === '' || !IANAZone.isValidZone(name)) {
    throw new UnknownTimeZoneError(String(name));
  }
  const zone = new LuxonTimeZone(name, IANAZone.create(name));
  zones.set(name, zone);
  return zone;
}

export interface LocalTime {
  date: LocalDate;
  daytime: Daytime;
}

/** The local date and daytime of an instant in a zone. */
export function toLocal(time: Time, zone: TimeZone): LocalTime {
  const local = time + zone.offsetAt(time) * 60_000;
  const date = Math.floor(local / MS_PER_DAY);
  return { date, daytime: local - date * MS_PER_DAY };
}

/**
 * Every instant whose local time in `zone` is `date daytime`, ascending: one
 * normally, none in a spring-forward gap, two in a fall-back overlap.
 */
export function localInstants(date: LocalDate, daytime: Daytime, zone: TimeZone): Time[] {
  const wall = date * MS_PER_DAY + daytime;
  // A local time can only carry an offset in force within a day of it; real
  // zones change offset at most once in any two days.
  const offsets = new Set([
    zone.offsetAt(wall - MS_PER_DAY),
    zone.offsetAt(wall),
    zone.offsetAt(wall + MS_PER_DAY),
  ]);
  const instants: Time[] = [];
  for (const offset of offsets) {
    const candidate = wall - offset * 60_000;
    if (zone.offsetAt(candidate) === offset && !instants.includes(candidate))
      instants.push(candidate);
  }
  return instants.sort((a, b) => a - b);
}

/**
 * The instant of a local time, as ora resolves it: the earlier instant when
 * the local time is ambiguous, `undefined` when it does not exist.
 */
export function fromLocal(date: LocalDate, daytime: Daytime, zone: TimeZone): Time | undefined {
  return localInstants(date, daytime, zone)[0];
}

/**
 * For a local time inside a spring-forward gap, the instant the gap ends: the
 * first instant at which the wall clock reads later than the missing time.
 */
export function gapEnd(date: LocalDate, daytime: Daytime, zone: TimeZone): Time {
  const wall = date * MS_PER_DAY + daytime;
  const before = zone.offsetAt(wall - MS_PER_DAY);
  const after = zone.offsetAt(wall + MS_PER_DAY);
  // The transition lies between the two readings of the wall time; find the
  // first instant carrying the later offset by bisection (to the millisecond).
  let lo = wall - Math.max(before, after) * 60_000;
  let hi = wall - Math.min(before, after) * 60_000;
  if (zone.offsetAt(lo) === after) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offsetAt(mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}
