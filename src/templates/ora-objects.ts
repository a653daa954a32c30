import {
  civilFromDays,
  daysFromCivil,
  daytimeParts,
  formatDate,
  formatDaytime,
  type LocalDate,
  MAX_DATE,
  MIN_DATE,
  MS_PER_DAY,
  type Daytime,
  WEEKDAY_NAMES,
  weekdayOf,
} from '../time/index.js';
import { formatDatePattern, formatDaytimePattern } from '../time/strftime.js';
import {
  asInt,
  asNumeric,
  type BinaryOp,
  MISSING,
  NOT_IMPLEMENTED,
  PyError,
  PyIntEnum,
  PyObject,
  pyStr,
} from './values.js';
import { method } from './signature.js';

/**
 * Template-side stand-ins for ora's objects (spec §3.4), with the attributes,
 * arithmetic and `format()` behaviour job templates rely on. Each lists the
 * members a template may read; nothing else of the object is reachable.
 */

const MONTH_NAMES = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];

export function month(m: number): PyIntEnum {
  return new PyIntEnum('Month', BigInt(m), MONTH_NAMES[m - 1] ?? String(m));
}

export function weekday(w: number): PyIntEnum {
  return new PyIntEnum('Weekday', BigInt(w), WEEKDAY_NAMES[w] ?? String(w));
}

/** Attributes ora gives dates and local times alike. */
export function dateAttr(date: LocalDate, name: string): unknown {
  const { year, month: m, day } = civilFromDays(date);
  switch (name) {
    case 'year':
      return BigInt(year);
    case 'month':
      return month(m);
    case 'day':
      return BigInt(day);
    case 'weekday':
      return weekday(weekdayOf(date));
    case 'ordinal':
      return BigInt(date - daysFromCivil(year, 1, 1) + 1);
    case 'ymdi':
      return BigInt(year * 10000 + m * 100 + day);
    case 'datenum':
      return BigInt(date - MIN_DATE);
    case 'week':
    case 'week_year': {
      const thursday = date - weekdayOf(date) + 3;
      const weekYear = civilFromDays(thursday).year;
      if (name === 'week_year') return BigInt(weekYear);
      return BigInt(Math.floor((thursday - daysFromCivil(weekYear, 1, 1)) / 7) + 1);
    }
  }
  return MISSING;
}

export function daytimeAttr(daytime: Daytime, name: string): unknown {
  const { hour, minute, second, ms } = daytimeParts(daytime);
  switch (name) {
    case 'hour':
      return BigInt(hour);
    case 'minute':
      return BigInt(minute);
    case 'second':
      // ora's second is a float, so `{{ d.second }}` prints `0.0`.
      return second + ms / 1000;
    case 'ssm':
      return daytime / 1000;
  }
  return MISSING;
}

export function validity(name: string): unknown {
  if (name === 'valid') return true;
  if (name === 'invalid' || name === 'missing') return false;
  return MISSING;
}

export function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export class PyDate extends PyObject {
  readonly typeName = 'Date';
  constructor(readonly date: LocalDate) {
    super();
    if (!(date >= MIN_DATE && date <= MAX_DATE)) throw new PyError('date not in range');
  }
  str(): string {
    return formatDate(this.date);
  }
  override repr(): string {
    const { year, month: m, day } = civilFromDays(this.date);
    return `Date(${year}, ${MONTH_NAMES[m - 1]}, ${day})`;
  }
  override getAttr(name: string): unknown {
    if (name === 'format') return method('format', 0, 1, ([p = '']) => this.format(pyStr(p)));
    const attr = dateAttr(this.date, name);
    return attr === MISSING ? validity(name) : attr;
  }
  override binop(op: BinaryOp, other: unknown, reflected: boolean): unknown {
    const days = asInt(other);
    if (op === '+' && days !== undefined) return new PyDate(this.date + Number(days));
    if (op === '-' && !reflected) {
      if (days !== undefined) return new PyDate(this.date - Number(days));
      if (other instanceof PyDate) return BigInt(this.date - other.date);
    }
    return NOT_IMPLEMENTED;
  }
  override compareTo(other: unknown): number | undefined {
    return other instanceof PyDate ? sign(this.date - other.date) : undefined;
  }
  override equals(other: unknown): boolean {
    return other instanceof PyDate && other.date === this.date;
  }
  override format(spec: string): string {
    return formatDatePattern(this.date, spec);
  }
}

export class PyDaytime extends PyObject {
  readonly typeName = 'Daytime';
  constructor(readonly daytime: Daytime) {
    super();
  }
  str(): string {
    return formatDaytime(this.daytime);
  }
  override repr(): string {
    const { hour, minute } = daytimeParts(this.daytime);
    return `Daytime(${hour}, ${minute}, ${pyStr(daytimeAttr(this.daytime, 'second'))})`;
  }
  override getAttr(name: string): unknown {
    if (name === 'format') return method('format', 0, 1, ([p = '']) => this.format(pyStr(p)));
    const attr = daytimeAttr(this.daytime, name);
    return attr === MISSING ? validity(name) : attr;
  }
  override binop(op: BinaryOp, other: unknown, reflected: boolean): unknown {
    const secs = asNumeric(other);
    if (secs === undefined || (op !== '+' && op !== '-') || (op === '-' && reflected))
      return NOT_IMPLEMENTED;
    // ora wraps daytime arithmetic around midnight.
    const shift = Math.round(Number(secs) * 1000) * (op === '-' ? -1 : 1);
    return new PyDaytime((((this.daytime + shift) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
  }
  override compareTo(other: unknown): number | undefined {
    return other instanceof PyDaytime ? sign(this.daytime - other.daytime) : undefined;
  }
  override equals(other: unknown): boolean {
    return other instanceof PyDaytime && other.daytime === this.daytime;
  }
  override format(spec: string): string {
    return formatDaytimePattern(this.daytime, spec);
  }
}
