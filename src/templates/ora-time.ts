import {
  type Calendar,
  civilFromDays,
  daytimeParts,
  formatTime,
  type LocalDate,
  MAX_DATE,
  MIN_DATE,
  MS_PER_DAY,
  type Time,
  type TimeZone,
  utcParts,
} from '../time/index.js';
import { formatTimeInZone, formatTimePattern } from '../time/strftime.js';
import { dateAttr, daytimeAttr, PyDate, type PyDaytime, sign, validity } from './ora-objects.js';
import {
  asInt,
  asNumeric,
  type BinaryOp,
  MISSING,
  NOT_IMPLEMENTED,
  PyError,
  PyObject,
  pyStr,
} from './values.js';
import { method } from './signature.js';

/**
 * ora's instants and what goes with them: `Time`, `TimeZone`, the
 * `LocalTime` pair `to_local` returns, and calendars.
 */

const MIN_TIME: Time = MIN_DATE * MS_PER_DAY;
const MAX_TIME: Time = (MAX_DATE + 1) * MS_PER_DAY - 1;

export class PyTimeZone extends PyObject {
  readonly typeName = 'TimeZone';
  constructor(readonly zone: TimeZone) {
    super();
  }
  str(): string {
    return this.zone.name;
  }
  override repr(): string {
    return `TimeZone('${this.zone.name}')`;
  }
  override getAttr(name: string): unknown {
    return name === 'name' ? this.zone.name : MISSING;
  }
  override equals(other: unknown): boolean {
    return other instanceof PyTimeZone && other.zone.name === this.zone.name;
  }
}

/** Resolves a zone argument (a TimeZone or a name); supplied by the helpers module. */
export type ZoneResolver = (value: unknown) => TimeZone;

export class PyTime extends PyObject {
  readonly typeName = 'Time';
  constructor(
    readonly time: Time,
    private readonly resolveZone: ZoneResolver,
  ) {
    super();
    if (!(time >= MIN_TIME && time <= MAX_TIME)) throw new PyError('time out of range');
  }
  str(): string {
    return formatTime(this.time);
  }
  override repr(): string {
    const { date, daytime } = utcParts(this.time);
    const { year, month: m, day } = civilFromDays(date);
    const { hour, minute, second, ms } = daytimeParts(daytime);
    const secs = (second + ms / 1000).toFixed(8).padStart(11, '0');
    return `Time(${year}, ${m}, ${day}, ${hour}, ${minute}, ${secs}, UTC)`;
  }
  override getAttr(name: string): unknown {
    if (name === 'format')
      // Our addition: `Time(t).format('%H:%M', 'Europe/London')`, since Jinja has no `@`.
      return method('format', 0, 2, ([pattern = '', zone]) =>
        zone === undefined || zone === null
          ? this.format(pyStr(pattern))
          : formatTimeInZone(this.time, pyStr(pattern), this.resolveZone(zone)),
      );
    return validity(name);
  }
  override binop(op: BinaryOp, other: unknown, reflected: boolean): unknown {
    const secs = asNumeric(other);
    if (op === '+' && secs !== undefined)
      return new PyTime(this.time + Math.round(Number(secs) * 1000), this.resolveZone);
    if (op === '-' && !reflected) {
      if (secs !== undefined)
        return new PyTime(this.time - Math.round(Number(secs) * 1000), this.resolveZone);
      if (other instanceof PyTime) return (this.time - other.time) / 1000;
    }
    return NOT_IMPLEMENTED;
  }
  override compareTo(other: unknown): number | undefined {
    return other instanceof PyTime ? sign(this.time - other.time) : undefined;
  }
  override equals(other: unknown): boolean {
    return other instanceof PyTime && other.time === this.time;
  }
  override format(spec: string): string {
    return formatTimePattern(this.time, spec);
  }
}

/** ora's `LocalTime`: a (date, daytime) pair with the parts of both as attributes. */
export class PyLocalTime extends PyObject {
  readonly typeName = 'LocalTime';
  constructor(
    readonly date: PyDate,
    readonly daytime: PyDaytime,
  ) {
    super();
  }
  str(): string {
    return `${this.date.str()}T${this.daytime.str()}`;
  }
  override repr(): string {
    return `LocalTime(${this.date.repr()}, ${this.daytime.repr()})`;
  }
  override getAttr(name: string): unknown {
    if (name === 'date') return this.date;
    if (name === 'daytime') return this.daytime;
    const attr = dateAttr(this.date.date, name);
    return attr === MISSING ? daytimeAttr(this.daytime.daytime, name) : attr;
  }
  override items(): readonly unknown[] {
    return [this.date, this.daytime];
  }
  override equals(other: unknown): boolean {
    const pair = other instanceof PyLocalTime ? other.items() : other;
    if (!Array.isArray(pair) || pair.length !== 2) return false;
    return this.date.equals(pair[0]) && this.daytime.equals(pair[1]);
  }
  override compareTo(other: unknown): number | undefined {
    const pair = other instanceof PyLocalTime ? other.items() : other;
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const [d, t] = pair as unknown[];
    const byDate = this.date.compareTo(d);
    if (byDate === undefined || byDate !== 0) return byDate;
    return this.daytime.compareTo(t);
  }
}

/** Converts a date argument (a Date or `YYYY-MM-DD`); supplied by the helpers module. */
export type DateResolver = (value: unknown) => LocalDate;

export class PyCalendar extends PyObject {
  readonly typeName = 'Calendar';
  constructor(
    readonly calendar: Calendar,
    private readonly toDate: DateResolver,
  ) {
    super();
  }
  str(): string {
    return this.calendar.name;
  }
  override repr(): string {
    return `Calendar(${this.calendar.name})`;
  }
  override getAttr(name: string): unknown {
    const cal = this.calendar;
    switch (name) {
      case 'name':
        return cal.name;
      case 'after':
        return method('after', 1, 1, ([d]) => new PyDate(cal.after(this.toDate(d))));
      case 'before':
        return method('before', 1, 1, ([d]) => new PyDate(cal.before(this.toDate(d))));
      case 'contains':
        return method('contains', 1, 1, ([d]) => cal.contains(this.toDate(d)));
      case 'shift':
        return method('shift', 2, 2, ([d, n]) => {
          const count = asInt(n);
          if (count === undefined) throw new PyError(`shift must be an int, not ${pyStr(n)}`);
          return new PyDate(cal.shift(this.toDate(d), Number(count)));
        });
    }
    return MISSING;
  }
  override contains(item: unknown): boolean {
    return this.calendar.contains(this.toDate(item));
  }
}
