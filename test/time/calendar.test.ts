import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CalendarResolver,
  builtinCalendars,
  formatDate,
  parseCalendarFile,
  parseDate,
  parseWeekdays,
} from '../../src/time/index.js';

const d = parseDate;
const f = formatDate;

describe('weekday calendars', () => {
  it('parses ranges, wrapping ranges, lists and numbers', () => {
    assert.deepEqual(parseWeekdays('Mon-Fri'), [0, 1, 2, 3, 4]);
    assert.deepEqual(parseWeekdays('Fri-Mon'), [0, 4, 5, 6]);
    assert.deepEqual(parseWeekdays('Mon,Wed-Fri'), [0, 2, 3, 4]);
    assert.deepEqual(parseWeekdays('0,6'), [0, 6]);
    assert.equal(parseWeekdays('Monday'), undefined);
    assert.equal(parseWeekdays('mon'), undefined);
  });

  it('keeps the expression as the calendar name', () => {
    assert.equal(builtinCalendars.get('Mon-Fri').name, 'Mon-Fri');
    assert.equal(builtinCalendars.get('all').name, 'all days');
    assert.equal(builtinCalendars.get('none').name, 'no days');
  });

  it('implements after, before and shift over weekends', () => {
    const cal = builtinCalendars.get('Mon-Fri');
    assert.equal(f(cal.after(d('2026-03-07'))), '2026-03-09');
    assert.equal(f(cal.before(d('2026-03-08'))), '2026-03-06');
    assert.equal(f(cal.shift(d('2026-03-06'), 1)), '2026-03-09');
    assert.equal(f(cal.shift(d('2026-03-09'), -1)), '2026-03-06');
    assert.equal(f(cal.shift(d('2026-03-09'), 0)), '2026-03-09');
    assert.equal(f(cal.shift(d('2026-03-09'), 50)), '2026-05-18');
    assert.equal(f(cal.shift(d('2026-05-18'), -50)), '2026-03-09');
  });

  it('shifts from a date outside the calendar by calendar dates strictly beyond it', () => {
    const cal = builtinCalendars.get('Mon-Fri');
    assert.equal(f(cal.shift(d('2026-03-08'), 1)), '2026-03-09');
    assert.equal(f(cal.shift(d('2026-03-08'), -1)), '2026-03-06');
  });

  it('reports an empty calendar instead of searching forever', () => {
    assert.equal(builtinCalendars.get('none').isEmpty, true);
    assert.throws(() => builtinCalendars.get('none').after(d('2026-01-01')), {
      name: 'CalendarRangeError',
    });
  });
});

describe('calendar files', () => {
  const text = [
    '# US holidays, 2026',
    'START 2026-01-01',
    'STOP  2027-01-01',
    '',
    '2026-01-01 New Year',
    '2026-07-03 Independence Day (observed)',
    '2026-12-25 Christmas',
  ].join('\n');

  it('reads START/STOP, dates with trailing text, blanks and comments', () => {
    const cal = parseCalendarFile('holidays', text);
    assert.equal(cal.name, 'holidays');
    assert.equal(cal.contains(d('2026-07-03')), true);
    assert.equal(cal.contains(d('2026-07-04')), false);
    assert.equal(f(cal.after(d('2026-07-04'))), '2026-12-25');
    assert.equal(f(cal.before(d('2026-07-04'))), '2026-07-03');
    assert.equal(f(cal.shift(d('2026-01-01'), 2)), '2026-12-25');
  });

  it('names the calendar, the date and its range when a query falls outside it', () => {
    const cal = parseCalendarFile('holidays', text);
    assert.throws(
      () => cal.contains(d('2027-01-01')),
      /date 2027-01-01 is outside calendar holidays, which covers 2026-01-01 up to 2027-01-01/,
    );
    assert.throws(() => cal.after(d('2026-12-26')), { name: 'CalendarRangeError' });
  });

  it('infers the range from the dates when START and STOP are absent', () => {
    const cal = parseCalendarFile('x', '2026-01-05\n2026-01-07\n');
    assert.equal(cal.contains(d('2026-01-06')), false);
    assert.throws(() => cal.contains(d('2026-01-08')), { name: 'CalendarRangeError' });
  });

  it('names the file and line of a bad date', () => {
    assert.throws(
      () => parseCalendarFile('x', 'START 2026-01-01\n2026-02-31\n'),
      /x\.cal:2: not a date/,
    );
  });

  it('resolves names through a reader and caches the result', () => {
    let reads = 0;
    const resolver = new CalendarResolver((name) => {
      reads++;
      return name === 'holidays' ? text : undefined;
    }, '/etc/cal');
    assert.equal(resolver.get('holidays').name, 'holidays');
    resolver.get('holidays');
    assert.equal(reads, 1);
    assert.equal(resolver.get('Mon-Fri').name, 'Mon-Fri');
    assert.throws(
      () => resolver.get('nope'),
      /no such calendar: nope .*no file nope\.cal in \/etc\/cal/,
    );
    assert.throws(() => resolver.get('../etc/passwd'), { name: 'UnknownCalendarError' });
  });

  it('says no calendar directory is configured when there is none', () => {
    assert.throws(() => builtinCalendars.get('holidays'), /no calendar directory is configured/);
  });
});
