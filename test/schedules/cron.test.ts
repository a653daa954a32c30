import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { CronError, CronSchedule } from '../../src/schedules/cron.js';
import type { Args, StopSchedule } from '../../src/schedules/schedule.js';
import { getTimeZone, parseTime, type Time } from '../../src/time/index.js';

const MINUTE = 60_000;

function cron(expr: string, tz = 'UTC', args: Args = {}, enabled = true): CronSchedule {
  return new CronSchedule({ expr, tz: getTimeZone(tz), args, enabled, stop: undefined });
}

function iso(time: Time): string {
  return new Date(time).toISOString();
}

/** The schedule's times in [from, until), as UTC ISO strings. */
function between(schedule: CronSchedule, from: string, until: string): string[] {
  const end = parseTime(until);
  const out: string[] = [];
  for (const { time } of schedule.times(parseTime(from))) {
    if (time >= end) break;
    out.push(iso(time));
  }
  return out;
}

function take(schedule: CronSchedule, from: Time, count: number): Time[] {
  const out: Time[] = [];
  if (count <= 0) return out;
  for (const { time } of schedule.times(from)) {
    out.push(time);
    if (out.length >= count) break;
  }
  return out;
}

describe('CronSchedule in UTC', () => {
  it('yields weekday mornings from an inclusive start', () => {
    // 2026-03-06 is a Friday.
    assert.deepEqual(between(cron('30 7 * * Mon-Fri'), '2026-03-06T07:30Z', '2026-03-11T00:00Z'), [
      '2026-03-06T07:30:00.000Z',
      '2026-03-09T07:30:00.000Z',
      '2026-03-10T07:30:00.000Z',
    ]);
  });

  it('skips a time just passed when starting mid-minute', () => {
    assert.deepEqual(take(cron('* * * * *'), parseTime('2026-03-06T07:30:00.001Z'), 1).map(iso), [
      '2026-03-06T07:31:00.000Z',
    ]);
  });

  it('runs 29 February only in leap years', () => {
    assert.deepEqual(take(cron('0 0 29 2 *'), parseTime('2026-01-01T00:00Z'), 3).map(iso), [
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
      '2036-02-29T00:00:00.000Z',
    ]);
  });

  it('runs Friday the 13th and every Friday under the either-day rule', () => {
    assert.deepEqual(between(cron('0 9 13 * Fri'), '2026-02-01T00:00Z', '2026-02-28T00:00Z'), [
      '2026-02-06T09:00:00.000Z',
      '2026-02-13T09:00:00.000Z',
      '2026-02-20T09:00:00.000Z',
      '2026-02-27T09:00:00.000Z',
    ]);
    assert.deepEqual(between(cron('0 9 13 * Fri'), '2026-04-01T00:00Z', '2026-04-15T00:00Z'), [
      '2026-04-03T09:00:00.000Z',
      '2026-04-10T09:00:00.000Z',
      '2026-04-13T09:00:00.000Z',
    ]);
  });

  it('yields nothing, at once, for expressions that never match', () => {
    for (const expr of ['0 0 31 2 *', '0 0 30 Feb *', '0 0 31 Apr,Jun,Sep,Nov *']) {
      const started = performance.now();
      assert.deepEqual(take(cron(expr), parseTime('2026-01-01T00:00Z'), 1), [], expr);
      assert.ok(performance.now() - started < 1000, expr);
    }
  });

  it('ends after the last minute of 9999-12-31', () => {
    const times = take(cron('59 23 31 12 *'), parseTime('9998-06-01T00:00Z'), 5).map(iso);
    assert.deepEqual(times, ['9998-12-31T23:59:00.000Z', '9999-12-31T23:59:00.000Z']);
  });
});

describe('CronSchedule across DST in America/New_York', () => {
  const ny = (expr: string) => cron(expr, 'America/New_York');

  it('skips 02:30 on the March 2026 spring-forward day in New York', () => {
    assert.deepEqual(between(ny('30 2 * * *'), '2026-03-07T00:00Z', '2026-03-11T00:00Z'), [
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('runs 02:30 once a day around the November 2026 fall-back in New York', () => {
    assert.deepEqual(between(ny('30 2 * * *'), '2026-10-31T00:00Z', '2026-11-03T00:00Z'), [
      '2026-10-31T06:30:00.000Z',
      '2026-11-01T07:30:00.000Z',
      '2026-11-02T07:30:00.000Z',
    ]);
  });

  it('runs the ambiguous 01:30 once, at its earlier (EDT) instant', () => {
    assert.deepEqual(between(ny('30 1 * * *'), '2026-10-31T00:00Z', '2026-11-03T00:00Z'), [
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('runs an hourly entry every physical hour through both changes', () => {
    assert.deepEqual(between(ny('0 * * * *'), '2026-03-08T04:00Z', '2026-03-08T09:00Z'), [
      '2026-03-08T04:00:00.000Z', // 23:00 EST
      '2026-03-08T05:00:00.000Z', // 00:00 EST
      '2026-03-08T06:00:00.000Z', // 01:00 EST; 02:00 does not exist
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-08T08:00:00.000Z', // 04:00 EDT
    ]);
    assert.deepEqual(between(ny('0 * * * *'), '2026-11-01T03:00Z', '2026-11-01T09:00Z'), [
      '2026-11-01T03:00:00.000Z', // 23:00 EDT
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T08:00:00.000Z', // 03:00 EST
    ]);
  });

  it('runs */15 through both passes of the repeated hour', () => {
    assert.deepEqual(between(ny('*/15 * * * *'), '2026-11-01T05:30Z', '2026-11-01T07:01Z'), [
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T05:45:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:15:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T06:45:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ]);
  });

  it('runs */15 at a fixed hour only in the first pass of the repeated hour', () => {
    assert.deepEqual(between(ny('*/15 1 * * *'), '2026-11-01T00:00Z', '2026-11-02T00:00Z'), [
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:15:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T05:45:00.000Z',
    ]);
  });

  it('generates date, time, daytime and tz args from the local time', () => {
    const args = [];
    for (const st of ny('*/30 * * * *').times(parseTime('2026-11-01T05:30Z'))) {
      args.push(st.args);
      if (args.length === 3) break;
    }
    assert.deepEqual(args, [
      {
        date: '2026-11-01',
        time: '2026-11-01T05:30:00+00:00',
        daytime: '01:30:00',
        tz: 'America/New_York',
      },
      {
        date: '2026-11-01',
        time: '2026-11-01T06:00:00+00:00',
        daytime: '01:00:00',
        tz: 'America/New_York',
      },
      {
        date: '2026-11-01',
        time: '2026-11-01T06:30:00+00:00',
        daytime: '01:30:00',
        tz: 'America/New_York',
      },
    ]);
  });
});

describe('CronSchedule across DST in Europe/London', () => {
  const london = (expr: string) => cron(expr, 'Europe/London');

  it('runs */30 every 30 physical minutes across the March 2026 change', () => {
    assert.deepEqual(between(london('*/30 * * * *'), '2026-03-28T23:30Z', '2026-03-29T02:01Z'), [
      '2026-03-28T23:30:00.000Z', // 23:30 GMT
      '2026-03-29T00:00:00.000Z', // 00:00 GMT
      '2026-03-29T00:30:00.000Z', // 00:30 GMT
      '2026-03-29T01:00:00.000Z', // 02:00 BST; 01:00 and 01:30 do not exist
      '2026-03-29T01:30:00.000Z', // 02:30 BST
      '2026-03-29T02:00:00.000Z', // 03:00 BST
    ]);
  });

  it('runs */30 every 30 physical minutes across the October 2026 change', () => {
    assert.deepEqual(between(london('*/30 * * * *'), '2026-10-24T23:00Z', '2026-10-25T02:31Z'), [
      '2026-10-24T23:00:00.000Z', // 00:00 BST
      '2026-10-24T23:30:00.000Z', // 00:30 BST
      '2026-10-25T00:00:00.000Z', // 01:00 BST
      '2026-10-25T00:30:00.000Z', // 01:30 BST
      '2026-10-25T01:00:00.000Z', // 01:00 GMT
      '2026-10-25T01:30:00.000Z', // 01:30 GMT
      '2026-10-25T02:00:00.000Z', // 02:00 GMT
      '2026-10-25T02:30:00.000Z', // 02:30 GMT
    ]);
  });

  it('skips 01:00 on 29 March 2026 in London, when it does not exist', () => {
    assert.deepEqual(between(london('0 1 * * *'), '2026-03-28T00:00Z', '2026-03-31T00:00Z'), [
      '2026-03-28T01:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
    ]);
  });

  it('runs the ambiguous 01:00 on 25 October 2026 once, at its BST instant', () => {
    assert.deepEqual(between(london('0 1 * * *'), '2026-10-24T00:00Z', '2026-10-27T00:00Z'), [
      '2026-10-24T00:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-26T01:00:00.000Z',
    ]);
  });
});

/**
 * The definition, checked minute by minute with luxon: an instant is a
 * schedule time when its local time matches the expression and, unless the
 * hour field matches every hour, no earlier instant had the same local time.
 */
function bruteForce(schedule: CronSchedule, from: Time, until: Time): Time[] {
  const zone = schedule.tz.name;
  const e = schedule.expression;
  const local = (t: Time) => DateTime.fromMillis(t, { zone });
  const same = (a: DateTime, b: DateTime) =>
    a.toFormat('yyyy-MM-dd HH:mm') === b.toFormat('yyyy-MM-dd HH:mm');
  const out: Time[] = [];
  for (let t = Math.ceil(from / MINUTE) * MINUTE; t < until; t += MINUTE) {
    const l = local(t);
    const dom = e.daysOfMonth.includes(l.day);
    const dow = e.daysOfWeek.includes(l.weekday % 7);
    const day = e.daysEither ? dom || dow : dom && dow;
    if (
      !day ||
      !e.months.includes(l.month) ||
      !e.hours.includes(l.hour) ||
      !e.minutes.includes(l.minute)
    ) {
      continue;
    }
    let repeat = false;
    for (let back = 15 * MINUTE; back <= 3 * 60 * MINUTE && !e.everyHour; back += 15 * MINUTE) {
      if (same(local(t - back), l)) repeat = true;
    }
    if (!repeat) out.push(t);
  }
  return out;
}

const propertyCases: [string, string, string][] = [
  ['America/New_York', '*/15 * * * *', '2026-11-01T00:00Z'],
  ['America/New_York', '0 * * * *', '2026-11-01T00:00Z'],
  ['America/New_York', '30 1 * * *', '2026-10-31T00:00Z'],
  ['America/New_York', '*/10 1-3 * * *', '2026-03-07T12:00Z'],
  ['America/New_York', '*/20 * * * *', '2026-03-07T12:00Z'],
  ['Europe/London', '*/30 * * * *', '2026-10-24T12:00Z'],
  ['Europe/London', '5,35 0-2 * * Sun', '2026-03-28T12:00Z'],
  ['Europe/London', '0 1 * * *', '2026-03-28T12:00Z'],
  ['Australia/Lord_Howe', '*/15 * * * *', '2026-04-04T12:00Z'], // falls back 30 minutes
  ['Australia/Lord_Howe', '45 1 * * *', '2026-04-04T12:00Z'],
];

describe('CronSchedule against the definition', () => {
  for (const [tz, expr, from] of propertyCases) {
    it(`matches a minute-by-minute scan for ${expr} in ${tz} from ${from}`, () => {
      const schedule = cron(expr, tz);
      const start = parseTime(from);
      const until = start + 2 * 86_400_000;
      const want = bruteForce(schedule, start, until);
      const got = between(schedule, from, iso(until));
      assert.deepEqual(got, want.map(iso));
    });
  }
});

describe('CronSchedule resumption', () => {
  for (const [tz, expr, from] of propertyCases) {
    it(`resumes ${expr} in ${tz} from any instant with the same sequence`, () => {
      const schedule = cron(expr, tz);
      const start = parseTime(from);
      const until = start + 2 * 86_400_000;
      const all = between(schedule, from, iso(until + 7 * 86_400_000)).map(parseTime);
      // From every minute within four hours of an offset change, every 13th
      // minute elsewhere, and instants just off those minutes, the next three
      // times are the next three of the uninterrupted sequence.
      const near = 4 * 60 * MINUTE;
      const offset = (t: Time) => schedule.tz.offsetAt(t);
      const dense = (t: Time) => offset(t - near) !== offset(t) || offset(t) !== offset(t + near);
      for (let t = start; t < until; t += dense(t) ? MINUTE : 13 * MINUTE) {
        for (const at of [t - 1, t, t + 1]) {
          const rest = all.filter((x) => x >= at).slice(0, 3);
          assert.deepEqual(take(schedule, at, 3).map(iso), rest.map(iso), iso(at));
        }
      }
    });
  }

  it('yields strictly ascending times over a year in several zones', () => {
    for (const tz of ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'UTC']) {
      const times = take(cron('*/20 * * * *', tz), parseTime('2026-01-01T00:00Z'), 27_000);
      for (let i = 1; i < times.length; i++) {
        assert.ok((times[i] as Time) > (times[i - 1] as Time), `${tz} ${i}`);
      }
    }
  });

  it('finds the next yearly time without scanning minute by minute', () => {
    const schedule = cron('0 0 29 2 *', 'America/New_York');
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      const [next] = take(schedule, parseTime('2026-03-01T00:00Z') + i * MINUTE, 1);
      assert.equal(iso(next ?? 0), '2028-02-29T05:00:00.000Z');
    }
    // Minute by minute, each of these would step through a million minutes.
    assert.ok(performance.now() - started < 2000);
  });
});

describe('CronSchedule model', () => {
  it('lets user args override generated ones', () => {
    for (const st of cron('0 0 * * *', 'UTC', { date: 'mine', region: 'eu' }).times(0)) {
      assert.deepEqual(st.args, {
        date: 'mine',
        time: '1970-01-01T00:00:00+00:00',
        daytime: '00:00:00',
        tz: 'UTC',
        region: 'eu',
      });
      break;
    }
  });

  it('serializes type, enabled, expr, tz and args', () => {
    assert.deepEqual(cron('30 7 * * Mon-Fri', 'America/New_York', { region: 'eu' }).toJso(), {
      type: 'cron',
      enabled: true,
      expr: '30 7 * * Mon-Fri',
      tz: 'America/New_York',
      args: { region: 'eu' },
    });
    assert.equal(cron('@daily', 'UTC', {}, false).toJso()['enabled'], false);
  });

  it('prints the expression and zone, args first', () => {
    assert.equal(
      String(cron('30 7 * * Mon-Fri', 'America/New_York')),
      'cron 30 7 * * Mon-Fri America/New_York',
    );
    assert.equal(
      String(cron('@hourly', 'UTC', { region: 'eu', n: '1' })),
      '(region=eu, n=1) cron @hourly UTC',
    );
  });

  it('keeps the stop schedule and the enabled flag it was given', () => {
    const stop: StopSchedule = {
      type: 'duration',
      stopTime: (t) => t + 1,
      toJso: () => ({ type: 'duration' }),
      toString: () => 'duration 1',
    };
    const s = new CronSchedule({
      expr: '0 0 * * *',
      tz: getTimeZone('UTC'),
      args: {},
      enabled: false,
      stop,
    });
    assert.equal(s.stop, stop);
    assert.equal(s.enabled, false);
    assert.equal(s.type, 'cron');
  });

  it('rejects a bad expression when constructed', () => {
    assert.throws(() => cron('0 25 * * *'), CronError);
  });
});
