import {
  type CalendarResolver,
  daysFromCivil,
  type Daytime,
  formatDate,
  formatDaytime,
  getTimeZone,
  isValidYmd,
  type LocalDate,
  localInstants,
  parseDate,
  parseDaytime,
  parseTime,
  type Time,
  type TimeZone,
  toLocal,
} from '../time/index.js';
import { TimeFormatError } from '../errors.js';
import { formatValue } from './format.js';
import { PyDate, PyDaytime } from './ora-objects.js';
import { PyCalendar, PyLocalTime, PyTime, PyTimeZone } from './ora-time.js';
import {
  asInt,
  asNumeric,
  iterate,
  isDict,
  type Kwargs,
  makeDict,
  PyCallable,
  PyError,
  PyObject,
  pyRepr,
  pyStr,
  table,
  truthy,
  typeName,
} from './values.js';

/**
 * The names spec §3.4 puts in every run's template context (ora's `Date`,
 * `Daytime`, `Time`, `TimeZone`, `to_local`, `from_local`, `get_calendar` and
 * Python's `format`), and the Jinja globals (`range`, `dict`, `joiner`).
 * Conversions accept what ora accepts: objects of the type, or strings.
 */

/** Jinja's sandbox refuses ranges longer than this; so do we. */
export const MAX_RANGE = 100_000;

function reparse<T>(parse: () => T, what: string, value: string, expected: string): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof TimeFormatError)
      throw new PyError(`can't parse as ${what}: ${pyRepr(value)} (expected ${expected})`);
    throw err;
  }
}

function intArg(value: unknown, what: string): number {
  const n = asInt(value);
  if (n === undefined) throw new PyError(`${what} must be an int, not ${typeName(value)}`);
  return Number(n);
}

function ymd(year: unknown, month: unknown, day: unknown): LocalDate {
  const [y, m, d] = [intArg(year, 'year'), intArg(month, 'month'), intArg(day, 'day')];
  if (!isValidYmd(y, m, d)) throw new PyError(`invalid date: ${y}-${m}-${d}`);
  return daysFromCivil(y, m, d);
}

export function toLocalDate(value: unknown): LocalDate {
  if (value instanceof PyDate) return value.date;
  if (value instanceof PyLocalTime) return value.date.date;
  if (typeof value === 'string') {
    const text = /^\d{8}$/.test(value)
      ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`
      : value;
    return reparse(() => parseDate(text), 'date', value, 'YYYY-MM-DD');
  }
  const n = asInt(value);
  if (n !== undefined && n >= 10_000_000n && n <= 99_999_999n) {
    const i = Number(n);
    return ymd(BigInt(Math.floor(i / 10000)), BigInt(Math.floor(i / 100) % 100), BigInt(i % 100));
  }
  if (Array.isArray(value) && value.length === 3) return ymd(value[0], value[1], value[2]);
  throw new PyError(`can't convert to a date: ${pyRepr(value)}`);
}

export function toDaytime(value: unknown): Daytime {
  if (value instanceof PyDaytime) return value.daytime;
  if (value instanceof PyLocalTime) return value.daytime.daytime;
  if (typeof value === 'string')
    return reparse(() => parseDaytime(value), 'daytime', value, 'HH:MM:SS');
  if (Array.isArray(value) && (value.length === 2 || value.length === 3)) {
    const [h, m, s = 0n] = value as unknown[];
    const secs = Number(asNumeric(s) ?? NaN);
    const [hour, minute] = [intArg(h, 'hour'), intArg(m, 'minute')];
    if (hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && secs >= 0 && secs < 60)
      return (hour * 60 + minute) * 60_000 + Math.round(secs * 1000);
    throw new PyError(`invalid daytime: ${pyRepr(value)}`);
  }
  throw new PyError(`can't convert to a daytime: ${pyRepr(value)}`);
}

export function toZone(value: unknown): TimeZone {
  if (value instanceof PyTimeZone) return value.zone;
  if (typeof value === 'string') return getTimeZone(value);
  throw new PyError(`not a time zone: ${pyRepr(value)}`);
}

export function toTime(value: unknown): Time {
  if (value instanceof PyTime) return value.time;
  if (typeof value === 'string')
    return reparse(
      () => parseTime(value),
      'time',
      value,
      'ISO 8601 with a UTC offset, e.g. 2026-03-08T07:00:00Z',
    );
  throw new PyError(`can't convert to a time: ${pyRepr(value)}`);
}

export const makeTime = (time: Time): PyTime => new PyTime(time, toZone);

function localToTime(date: LocalDate, daytime: Daytime, zone: TimeZone, first = true): PyTime {
  const instants = localInstants(date, daytime, zone);
  const time = first ? instants[0] : instants[instants.length - 1];
  if (time === undefined)
    throw new PyError(
      `local time ${formatDate(date)}T${formatDaytime(daytime)} does not exist in ${zone.name}` +
        ' (it falls in a daylight-saving gap)',
    );
  return makeTime(time);
}

type Body = (args: readonly unknown[], kwargs: Kwargs) => unknown;

/** A callable with Python's argument-count and keyword checks. */
function fn(
  name: string,
  min: number,
  max: number,
  body: Body,
  keywords: readonly string[] | 'any' = [],
): PyCallable {
  return new PyCallable(name, (args, kwargs) => {
    for (const key of Object.keys(kwargs)) {
      if (keywords !== 'any' && !keywords.includes(key))
        throw new PyError(`${name}() got an unexpected keyword argument '${key}'`);
    }
    if (args.length < min || args.length > max) {
      const takes =
        min === max ? `exactly ${min}` : args.length < min ? `at least ${min}` : `at most ${max}`;
      throw new PyError(`${name}() takes ${takes} arguments (${args.length} given)`);
    }
    return body(args, kwargs);
  });
}

const oraHelpers = {
  Date: fn('Date', 1, 3, (a) => {
    if (a.length === 2) throw new PyError('Date() takes 1 or 3 arguments (2 given)');
    return new PyDate(a.length === 3 ? ymd(a[0], a[1], a[2]) : toLocalDate(a[0]));
  }),
  Daytime: fn('Daytime', 1, 3, (a) => new PyDaytime(toDaytime(a.length === 1 ? a[0] : a))),
  Time: fn('Time', 1, 7, (a) => {
    if (a.length === 1) return makeTime(toTime(a[0]));
    if (a.length === 3) return localToTime(toLocalDate(a[0]), toDaytime(a[1]), toZone(a[2]));
    if (a.length === 7)
      return localToTime(ymd(a[0], a[1], a[2]), toDaytime([a[3], a[4], a[5]]), toZone(a[6]));
    throw new PyError(`Time() takes 1, 3 or 7 arguments (${a.length} given)`);
  }),
  TimeZone: fn('TimeZone', 1, 1, ([z]) => new PyTimeZone(toZone(z))),
  to_local: fn('to_local', 2, 2, ([time, zone]) => {
    const { date, daytime } = toLocal(toTime(time), toZone(zone));
    return new PyLocalTime(new PyDate(date), new PyDaytime(daytime));
  }),
  from_local: fn(
    'from_local',
    2,
    3,
    ([local, zone, first], kw) => {
      const pair = local instanceof PyLocalTime ? local.items() : local;
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new PyError(`from_local() needs a (date, daytime) pair, not ${typeName(local)}`);
      const useFirst = truthy('first' in kw ? kw['first'] : (first ?? true));
      return localToTime(toLocalDate(pair[0]), toDaytime(pair[1]), toZone(zone), useFirst);
    },
    ['first'],
  ),
  format: fn('format', 1, 2, ([value, spec = '']) => {
    if (typeof spec !== 'string')
      throw new PyError(`format() argument 2 must be str, not ${typeName(spec)}`);
    return formatValue(value, spec);
  }),
};

const byResolver = new WeakMap<CalendarResolver, Readonly<Record<string, PyCallable>>>();

/** Spec §3.4 item 1, with `get_calendar` bound to the daemon's calendar resolver. */
export function oraNames(calendars: CalendarResolver): Readonly<Record<string, PyCallable>> {
  let names = byResolver.get(calendars);
  if (names === undefined) {
    const getCalendar = fn('get_calendar', 1, 1, ([name]) => {
      if (typeof name !== 'string')
        throw new PyError(`calendar name must be a str, not ${typeName(name)}`);
      return new PyCalendar(calendars.get(name), toLocalDate);
    });
    names = table<PyCallable>({ ...oraHelpers, get_calendar: getCalendar });
    byResolver.set(calendars, names);
  }
  return names;
}

/** Python's range: iterates like a list of ints, prints as `range(0, 3)`. */
class PyRange extends PyObject {
  readonly typeName = 'range';
  constructor(
    private readonly bounds: readonly [bigint, bigint, bigint],
    private readonly values: readonly bigint[],
  ) {
    super();
  }
  str(): string {
    const [start, stop, step] = this.bounds;
    return step === 1n ? `range(${start}, ${stop})` : `range(${start}, ${stop}, ${step})`;
  }
  override items(): readonly unknown[] {
    return this.values;
  }
  override truthy(): boolean {
    return this.values.length > 0;
  }
  override equals(other: unknown): boolean {
    return (
      other instanceof PyRange &&
      other.values.length === this.values.length &&
      other.values.every((v, i) => v === this.values[i])
    );
  }
}

function range(args: readonly unknown[]): PyRange {
  const ints = args.map((a) => {
    const n = asInt(a);
    if (n === undefined)
      throw new PyError(`'${typeName(a)}' object cannot be interpreted as an integer`);
    return n;
  });
  const [start, stop, step] =
    ints.length === 1 ? [0n, ints[0]!, 1n] : [ints[0]!, ints[1]!, ints[2] ?? 1n];
  if (step === 0n) throw new PyError('range() arg 3 must not be zero');
  const length = step > 0n ? (stop - start + step - 1n) / step : (start - stop - step - 1n) / -step;
  if (length > BigInt(MAX_RANGE))
    throw new PyError(`range too big: at most ${MAX_RANGE} items may be generated`);
  const out: bigint[] = [];
  for (let i = start; step > 0n ? i < stop : i > stop; i += step) out.push(i);
  return new PyRange([start, stop, step], out);
}

/**
 * Jinja's default globals, looked up after the context as Jinja does. Only
 * the side-effect-free ones: `cycler` and `lipsum` are left out, and
 * `namespace` is useless without `{% set ns.x %}`, which is not supported.
 */
export const jinjaGlobals: Readonly<Record<string, PyCallable>> = table<PyCallable>({
  range: fn('range', 1, 3, (args) => range(args)),
  dict: fn(
    'dict',
    0,
    1,
    ([from], kwargs) => {
      const dict = makeDict();
      if (isDict(from)) Object.assign(dict, from);
      else if (from !== undefined) {
        for (const pair of iterate(from)) {
          const [k, v] = iterate(pair);
          dict[pyStr(k)] = v;
        }
      }
      return Object.assign(dict, kwargs);
    },
    'any',
  ),
  joiner: fn('joiner', 0, 1, ([sep = ', ']) => {
    let used = false;
    return new PyCallable('joiner', () => {
      if (!used) {
        used = true;
        return '';
      }
      return sep;
    });
  }),
});
