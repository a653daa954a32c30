import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CronError,
  CronExpression,
  MS_PER_MINUTE,
  parseCronExpression,
} from '../../src/schedules/cron-expression.js';
import { SchedulerError } from '../../src/errors.js';
import { daysFromCivil, MS_PER_DAY } from '../../src/time/index.js';

function range(lo: number, hi: number, step = 1): number[] {
  const out: number[] = [];
  for (let n = lo; n <= hi; n += step) out.push(n);
  return out;
}

/** A local wall time as milliseconds on the local clock. */
function wall(year: number, month: number, day: number, hour = 0, minute = 0): number {
  return daysFromCivil(year, month, day) * MS_PER_DAY + (hour * 60 + minute) * MS_PER_MINUTE;
}

function wallString(w: number): string {
  return new Date(w).toISOString().slice(0, 16).replace('T', ' ');
}

function fails(expr: string, message: string): void {
  assert.throws(
    () => parseCronExpression(expr),
    (err: unknown) => {
      assert.ok(err instanceof CronError);
      assert.ok(err instanceof SchedulerError);
      assert.equal(err.code, 'bad_cron');
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe('parseCronExpression fields', () => {
  it('expands * to the whole range of each field, with day-of-week 0-6', () => {
    const e = parseCronExpression('* * * * *');
    assert.deepEqual(e.minutes, range(0, 59));
    assert.deepEqual(e.hours, range(0, 23));
    assert.deepEqual(e.daysOfMonth, range(1, 31));
    assert.deepEqual(e.months, range(1, 12));
    assert.deepEqual(e.daysOfWeek, range(0, 6));
  });

  it('reads numbers, ranges, lists and steps', () => {
    const e = parseCronExpression('5,10-12,50-59/3 */6 1/10 2-11/3 1-5');
    assert.deepEqual(e.minutes, [5, 10, 11, 12, 50, 53, 56, 59]);
    assert.deepEqual(e.hours, [0, 6, 12, 18]);
    assert.deepEqual(e.daysOfMonth, [1, 11, 21, 31]);
    assert.deepEqual(e.months, [2, 5, 8, 11]);
    assert.deepEqual(e.daysOfWeek, [1, 2, 3, 4, 5]);
  });

  it('keeps 7 as a minute, hour and day of the month', () => {
    const e = parseCronExpression('7 7 7 7 *');
    assert.deepEqual([e.minutes, e.hours, e.daysOfMonth, e.months], [[7], [7], [7], [7]]);
  });

  it('sorts and de-duplicates list items and accepts leading zeros', () => {
    assert.deepEqual(parseCronExpression('30,05,5,0-1 * * * *').minutes, [0, 1, 5, 30]);
  });

  it('reads month and weekday names in any case', () => {
    const e = parseCronExpression('0 0 * jan,MAR-may,Dec mon-FRI');
    assert.deepEqual(e.months, [1, 3, 4, 5, 12]);
    assert.deepEqual(e.daysOfWeek, [1, 2, 3, 4, 5]);
    assert.deepEqual(parseCronExpression('0 0 * Jan-Dec/3 *').months, [1, 4, 7, 10]);
  });

  it('counts day-of-week 0 and 7 as Sunday', () => {
    assert.deepEqual(parseCronExpression('0 0 * * 7').daysOfWeek, [0]);
    assert.deepEqual(parseCronExpression('0 0 * * 0,7').daysOfWeek, [0]);
    assert.deepEqual(parseCronExpression('0 0 * * 5-7').daysOfWeek, [0, 5, 6]);
    assert.deepEqual(parseCronExpression('0 0 * * Sun').daysOfWeek, [0]);
  });

  it('lets a weekday range end on Sunday written as Sun or 0', () => {
    assert.deepEqual(parseCronExpression('0 0 * * Fri-Sun').daysOfWeek, [0, 5, 6]);
    assert.deepEqual(parseCronExpression('0 0 * * Mon-Sun').daysOfWeek, range(0, 6));
    assert.deepEqual(parseCronExpression('0 0 * * 6-0').daysOfWeek, [0, 6]);
  });

  it('runs a/n from a to the end of the field', () => {
    assert.deepEqual(parseCronExpression('45/5 * * * *').minutes, [45, 50, 55]);
    assert.deepEqual(parseCronExpression('0 0 * * 1/2').daysOfWeek, [1, 3, 5]);
  });

  it('accepts surrounding and repeated whitespace, tabs included', () => {
    const e = parseCronExpression('  0\t7   * *  1 ');
    assert.equal(e.source, '0\t7   * *  1');
    assert.deepEqual(e.hours, [7]);
  });

  it('marks an expression as hourly only when its hour field matches every hour', () => {
    assert.equal(parseCronExpression('*/15 * * * *').everyHour, true);
    assert.equal(parseCronExpression('0 0-23 * * *').everyHour, true);
    assert.equal(parseCronExpression('0 */2 * * *').everyHour, false);
    assert.equal(parseCronExpression('30 7 * * *').everyHour, false);
  });
});

describe('parseCronExpression macros', () => {
  const cases: [string, string][] = [
    ['@yearly', '0 0 1 1 *'],
    ['@annually', '0 0 1 1 *'],
    ['@monthly', '0 0 1 * *'],
    ['@weekly', '0 0 * * 0'],
    ['@daily', '0 0 * * *'],
    ['@midnight', '0 0 * * *'],
    ['@hourly', '0 * * * *'],
  ];
  for (const [macro, fields] of cases) {
    it(`reads ${macro} as ${fields}`, () => {
      const got = parseCronExpression(macro);
      const want = parseCronExpression(fields);
      assert.equal(got.source, macro);
      assert.deepEqual(
        [got.minutes, got.hours, got.daysOfMonth, got.months, got.daysOfWeek, got.daysEither],
        [want.minutes, want.hours, want.daysOfMonth, want.months, want.daysOfWeek, want.daysEither],
      );
    });
  }

  it('reads macros in any case', () => {
    assert.deepEqual(parseCronExpression('@Daily').hours, [0]);
  });
});

describe('parseCronExpression errors', () => {
  const cases: [string, string][] = [
    [
      '',
      'cron expression "": expected 5 fields (minute hour day-of-month month day-of-week), got 0',
    ],
    [
      '* * * *',
      'cron expression "* * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 4',
    ],
    [
      '0 0 0 * * *',
      'cron expression "0 0 0 * * *": 6 fields given, but a seconds (or year) field is not supported; use 5 fields: minute hour day-of-month month day-of-week',
    ],
    [
      '0 0 0 * * * 2026',
      'cron expression "0 0 0 * * * 2026": 7 fields given, but a seconds (or year) field is not supported; use 5 fields: minute hour day-of-month month day-of-week',
    ],
    [
      '@reboot',
      'cron expression "@reboot": @reboot is not supported: a schedule gives times, and the scheduler has no boot to run at',
    ],
    [
      '@fortnightly',
      'cron expression "@fortnightly": unknown macro @fortnightly; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, or five fields',
    ],
    ['60 * * * *', 'cron expression "60 * * * *": minute 60 is out of range 0-59'],
    ['0 25 * * *', 'cron expression "0 25 * * *": hour 25 is out of range 0-23'],
    ['0 0 0 * *', 'cron expression "0 0 0 * *": day-of-month 0 is out of range 1-31'],
    ['0 0 32 * *', 'cron expression "0 0 32 * *": day-of-month 32 is out of range 1-31'],
    ['0 0 * 13 *', 'cron expression "0 0 * 13 *": month 13 is out of range 1-12'],
    ['0 0 * * 8', 'cron expression "0 0 * * 8": day-of-week 8 is out of range 0-7'],
    ['0 0-24 * * *', 'cron expression "0 0-24 * * *": hour 24 is out of range 0-23'],
    ['x * * * *', 'cron expression "x * * * *": minute "x" is not a number'],
    ['0 Mon * * *', 'cron expression "0 Mon * * *": hour "Mon" is not a number'],
    ['-1 * * * *', 'cron expression "-1 * * * *": minute "-1" has a range with no start or end'],
    ['1- * * * *', 'cron expression "1- * * * *": minute "1-" has a range with no start or end'],
    [
      '0 0 * Jnu *',
      'cron expression "0 0 * Jnu *": month "Jnu" is not a number 1-12 or a month name Jan-Dec',
    ],
    [
      '0 0 * January *',
      'cron expression "0 0 * January *": month "January" is not a number 1-12 or a month name Jan-Dec',
    ],
    [
      '0 0 * * Mo',
      'cron expression "0 0 * * Mo": day-of-week "Mo" is not a number 0-7 or a weekday name Sun-Sat',
    ],
    [
      '0 0 * * Jan',
      'cron expression "0 0 * * Jan": day-of-week "Jan" is not a number 0-7 or a weekday name Sun-Sat',
    ],
    [
      '0 0 ? * Mon',
      'cron expression "0 0 ? * Mon": day-of-month "?": Quartz syntax (?, L, W, #) is not supported',
    ],
    [
      '0 0 * * 1#2',
      'cron expression "0 0 * * 1#2": day-of-week "1#2": Quartz syntax (?, L, W, #) is not supported',
    ],
    [
      '0 17-9 * * *',
      'cron expression "0 17-9 * * *": hour range 17-9 is backwards; write it as a list, e.g. 17-23,0-9',
    ],
    [
      '0 0 * * Fri-Tue',
      'cron expression "0 0 * * Fri-Tue": day-of-week range Fri-Tue is backwards; write it as a list, e.g. Fri-7,0-Tue',
    ],
    ['1-2-3 * * * *', 'cron expression "1-2-3 * * * *": minute "1-2-3" has more than one "-"'],
    ['*/5/2 * * * *', 'cron expression "*/5/2 * * * *": minute "*/5/2" has more than one "/"'],
    ['/5 * * * *', 'cron expression "/5 * * * *": minute "/5" has no value before the "/"'],
    ['1,,2 * * * *', 'cron expression "1,,2 * * * *": minute "1,,2" has an empty list item'],
    ['1, * * * *', 'cron expression "1, * * * *": minute "1," has an empty list item'],
    ['*/0 * * * *', 'cron expression "*/0 * * * *": minute step 0 in "*/0" is out of range 1-59'],
    ['0 */24 * * *', 'cron expression "0 */24 * * *": hour step 24 in "*/24" is out of range 1-23'],
    ['*/ * * * *', 'cron expression "*/ * * * *": minute step "" in "*/" is not a number'],
    ['*/x * * * *', 'cron expression "*/x * * * *": minute step "x" in "*/x" is not a number'],
  ];
  for (const [expr, message] of cases) {
    it(`rejects ${JSON.stringify(expr)} naming the field and value`, () => fails(expr, message));
  }
});

describe('CronExpression day rule', () => {
  // 2026-03-01 is a Sunday.
  it('matches either day field when both are restricted (Vixie cron)', () => {
    const e = parseCronExpression('0 0 13 * Fri');
    assert.equal(e.daysEither, true);
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 13)), true); // Fri 13th
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 6)), true); // a Friday
    assert.equal(e.matchesDate(daysFromCivil(2026, 4, 13)), true); // a Monday, the 13th
    assert.equal(e.matchesDate(daysFromCivil(2026, 4, 14)), false);
  });

  it('uses only day-of-week when day-of-month is *', () => {
    const e = parseCronExpression('0 0 * * Fri');
    assert.equal(e.daysEither, false);
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 6)), true);
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 7)), false);
  });

  it('uses only day-of-month when day-of-week is *', () => {
    const e = parseCronExpression('0 0 13 * *');
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 13)), true);
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 6)), false);
  });

  it('treats a day field starting with * (such as */2) as unrestricted, requiring both', () => {
    const e = parseCronExpression('0 0 */2 * Mon');
    assert.equal(e.daysEither, false);
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 9)), true); // Mon 9th (odd)
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 16)), false); // Mon 16th (even)
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 11)), false); // Wed 11th
  });

  it('applies the month field to both day fields', () => {
    const e = parseCronExpression('0 0 1 Feb Sun');
    assert.equal(e.matchesDate(daysFromCivil(2026, 3, 1)), false); // Sunday 1 March
    assert.equal(e.matchesDate(daysFromCivil(2026, 2, 8)), true); // a Sunday in February
  });
});

describe('CronExpression.nextWall', () => {
  const far = wall(9999, 12, 31);

  function nexts(expr: string, from: number, count: number): string[] {
    const e = parseCronExpression(expr);
    const out: string[] = [];
    let w: number | undefined = from;
    while (out.length < count) {
      w = e.nextWall(w, far);
      if (w === undefined) break;
      out.push(wallString(w));
      w += MS_PER_MINUTE;
    }
    return out;
  }

  it('includes the starting wall time when it matches', () => {
    assert.deepEqual(nexts('30 7 * * *', wall(2026, 3, 2, 7, 30), 1), ['2026-03-02 07:30']);
  });

  it('rounds a starting wall time up to the next whole minute', () => {
    const e = parseCronExpression('* * * * *');
    assert.equal(e.nextWall(wall(2026, 3, 2, 7, 30) + 1, far), wall(2026, 3, 2, 7, 31));
  });

  it('jumps over hours, days and months that do not match', () => {
    assert.deepEqual(nexts('30 7 * * Mon-Fri', wall(2026, 3, 6, 8, 0), 3), [
      '2026-03-09 07:30',
      '2026-03-10 07:30',
      '2026-03-11 07:30',
    ]);
    assert.deepEqual(nexts('0 0 1 Jan,Jul *', wall(2026, 1, 1, 0, 1), 2), [
      '2026-07-01 00:00',
      '2027-01-01 00:00',
    ]);
  });

  it('finds 29 February only in leap years, skipping 2100', () => {
    assert.deepEqual(nexts('0 0 29 2 *', wall(2026, 1, 1), 3), [
      '2028-02-29 00:00',
      '2032-02-29 00:00',
      '2036-02-29 00:00',
    ]);
    assert.deepEqual(nexts('0 0 29 2 *', wall(2097, 1, 1), 2), [
      '2104-02-29 00:00',
      '2108-02-29 00:00',
    ]);
  });

  it('finds 29 February on a Sunday 40 years apart across 2100', () => {
    assert.deepEqual(nexts('0 0 29 2 */7', wall(2089, 1, 1), 1), ['2128-02-29 00:00']);
  });

  it('returns nothing past the given limit', () => {
    const e = parseCronExpression('0 0 1 1 *');
    assert.equal(e.nextWall(wall(2026, 1, 2), wall(2026, 12, 31, 23, 59)), undefined);
    assert.equal(e.nextWall(wall(2026, 1, 2), wall(2027, 1, 1)), wall(2027, 1, 1));
  });

  it('reports that no day can match an expression such as 0 0 31 2 *', () => {
    for (const expr of ['0 0 31 2 *', '0 0 30,31 Feb *', '0 0 31 4,6,9,11 *']) {
      const e = parseCronExpression(expr);
      assert.equal(e.matchesSomeDay(), false, expr);
      assert.equal(e.nextWall(wall(2026, 1, 1), far), undefined, expr);
    }
    assert.equal(parseCronExpression('0 0 29 2 *').matchesSomeDay(), true);
    assert.equal(parseCronExpression('0 0 31 2 Mon').matchesSomeDay(), true);
  });

  it('agrees with matchesWall minute by minute over a month', () => {
    for (const expr of ['*/7 9-17 * * Mon-Fri', '0 0 13 * Fri', '15 3 */2 * Sun', '0 12 * 3 *']) {
      const e = parseCronExpression(expr);
      const start = wall(2026, 2, 20);
      const end = wall(2026, 3, 20);
      let next = e.nextWall(start, far);
      for (let w = start; w < end; w += MS_PER_MINUTE) {
        if (e.matchesWall(w)) {
          assert.equal(next, w, `${expr} at ${wallString(w)}`);
          next = e.nextWall(w + MS_PER_MINUTE, far);
        }
      }
      assert.ok(next === undefined || next >= end, expr);
    }
  });

  it('is a CronExpression with its source as its string form', () => {
    const e = parseCronExpression('@daily');
    assert.ok(e instanceof CronExpression);
    assert.equal(String(e), '@daily');
  });
});
