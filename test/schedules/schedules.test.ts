import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scheduleSchema } from '../../src/schedules/index.js';
import { builtinCalendars, CalendarResolver, formatTime, parseTime } from '../../src/time/index.js';
import { safeParse } from '../../src/validation/index.js';
import { schedule, take, times } from './helpers.js';

function problems(jso: unknown): string[] {
  const result = safeParse(scheduleSchema(builtinCalendars), jso);
  assert.equal(result.success, false);
  return result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
}

const holidays = new CalendarResolver(
  (name) =>
    name === 'biz'
      ? // Business days of March 2026, without Friday the 13th.
        'START 2026-03-01\nSTOP 2026-04-01\n' +
        [
          '02',
          '03',
          '04',
          '05',
          '06',
          '09',
          '10',
          '11',
          '12',
          '16',
          '17',
          '18',
          '19',
          '20',
          '23',
          '24',
          '25',
          '26',
          '27',
          '30',
          '31',
        ]
          .map((d) => `2026-03-${d}`)
          .join('\n')
      : undefined,
  'test',
);

describe('interval', () => {
  it('aligns to ora epoch 0001-01-01, so 7 hours sits 2 hours off Unix alignment', () => {
    assert.deepEqual(
      times(schedule({ type: 'interval', interval: '7h' }), '2026-03-01T00:00:00Z', 2),
      ['2026-03-01T03:00:00+00:00', '2026-03-01T10:00:00+00:00'],
    );
  });

  it('lands a 7-day interval on Mondays', () => {
    assert.deepEqual(
      times(schedule({ type: 'interval', interval: '7 days' }), '2026-03-03T00:00:00Z', 2),
      ['2026-03-09T00:00:00+00:00', '2026-03-16T00:00:00+00:00'],
    );
  });

  it('adds the phase after each boundary and includes a start that is exactly aligned', () => {
    const s = schedule({ type: 'interval', interval: '15m', phase: '2m' });
    assert.deepEqual(times(s, '2026-03-01T00:02:00Z', 3), [
      '2026-03-01T00:02:00+00:00',
      '2026-03-01T00:17:00+00:00',
      '2026-03-01T00:32:00+00:00',
    ]);
  });

  it('refuses a phase not between 0 and the interval', () => {
    assert.deepEqual(problems({ type: 'interval', interval: 60, phase: 60 }), [
      'phase: phase not between 0 and interval',
    ]);
    assert.deepEqual(problems({ type: 'interval', interval: 0 }), [
      'phase: phase not between 0 and interval',
    ]);
  });

  it('prints as Apsis does', () => {
    const s = schedule({ type: 'interval', interval: '15m', args: { host: 'a' } });
    assert.equal(String(s), '(host=a) every 900.0 sec');
    assert.deepEqual(s.toJso(), {
      type: 'interval',
      enabled: true,
      interval: 900,
      phase: 0,
      args: { host: 'a' },
    });
  });
});

describe('daily', () => {
  it('runs Sunday 20:00 UTC for each Monday with date_shift -1, date being the Monday', () => {
    const s = schedule({
      type: 'daily',
      tz: 'UTC',
      calendar: 'Mon',
      daytime: '20:00:00',
      date_shift: -1,
    });
    assert.deepEqual(
      take(s, '2026-03-01T00:00:00Z', 2).map((r) => [r.time, r.args.date]),
      [
        ['2026-03-01T20:00:00+00:00', '2026-03-02'],
        ['2026-03-08T20:00:00+00:00', '2026-03-09'],
      ],
    );
  });

  it('shifts by calendar days first, then by physical days', () => {
    // The run for each business day happens at 06:00 on the next business day.
    const s = schedule(
      { type: 'daily', tz: 'UTC', calendar: 'biz', daytime: '06:00:00', cal_shift: 1 },
      holidays,
    );
    assert.deepEqual(
      take(s, '2026-03-11T07:00:00Z', 3).map((r) => [r.time, r.args.date, r.args.calendar]),
      [
        ['2026-03-12T06:00:00+00:00', '2026-03-11', 'biz'],
        ['2026-03-16T06:00:00+00:00', '2026-03-12', 'biz'],
        ['2026-03-17T06:00:00+00:00', '2026-03-16', 'biz'],
      ],
    );
  });

  it('sorts daytimes and names the all calendar "all days"', () => {
    const s = schedule({ type: 'daily', tz: 'Europe/London', daytime: ['19:00:00', '07:00:00'] });
    assert.equal(String(s), 'all days at 07:00:00, 19:00:00 Europe/London');
    assert.equal(take(s, '2026-01-05T00:00:00Z', 1)[0]?.args.calendar, 'all days');
  });

  it('generates nothing on the none calendar', () => {
    assert.deepEqual(
      times(
        schedule({ type: 'daily', tz: 'UTC', calendar: 'none', daytime: '01:00:00' }),
        '2026-01-01T00:00:00Z',
        3,
      ),
      [],
    );
  });

  it('fails with the calendar range when it runs past the end of a calendar file', () => {
    const s = schedule(
      { type: 'daily', tz: 'UTC', calendar: 'biz', daytime: '06:00:00' },
      holidays,
    );
    assert.throws(() => times(s, '2026-03-31T07:00:00Z', 1), /outside calendar biz/);
  });

  it('reports every problem of a bad daily schedule at its key', () => {
    assert.deepEqual(
      problems({
        type: 'daily',
        tz: 'Mars/Olympus',
        daytime: '7:00',
        calendar: 'weekdays',
        extra: 1,
      }),
      [
        'tz: unknown time zone: Mars/Olympus (use an IANA name such as America/New_York, or UTC)',
        'daytime.0: not a time of day (HH:MM:SS): "7:00"',
        'calendar: no such calendar: weekdays (built in: all, none, weekday expressions such as Mon-Fri; no calendar directory is configured)',
        ': unexpected keys: extra',
      ],
    );
  });

  it('requires tz and daytime', () => {
    assert.deepEqual(problems({ type: 'daily' }), [
      'tz: missing key: tz',
      'daytime: missing key: daytime',
    ]);
  });
});

describe('daily-interval', () => {
  it('refuses an interval of a day or more', () => {
    assert.deepEqual(
      problems({
        type: 'daily-interval',
        tz: 'UTC',
        start: '00:00:00',
        stop: '12:00:00',
        interval: '1d',
      }),
      ['interval: invalid interval: 86400 (must be more than 0 and less than a day)'],
    );
  });

  it('ends instead of searching forever when every window is empty', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'UTC',
      start: '10:00:00',
      stop: '09:00:00',
      interval: '1h',
    });
    assert.deepEqual(times(s, '2026-01-01T00:00:00Z', 1), []);
  });

  it('interleaves overlapping windows in time order', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'UTC',
      start: '12:00:00',
      stop: { daytime: '12:00:00', date_shift: 2 },
      interval: '12h',
    });
    assert.deepEqual(
      take(s, '2026-01-01T00:00:00Z', 6).map((r) => [r.time, r.args.date]),
      [
        ['2026-01-01T00:00:00+00:00', '2025-12-30'],
        ['2026-01-01T00:00:00+00:00', '2025-12-31'],
        ['2026-01-01T12:00:00+00:00', '2025-12-31'],
        ['2026-01-01T12:00:00+00:00', '2026-01-01'],
        ['2026-01-02T00:00:00+00:00', '2025-12-31'],
        ['2026-01-02T00:00:00+00:00', '2026-01-01'],
      ],
    );
  });

  it('prints daytime specs with their shifts', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'America/New_York',
      calendar: 'Mon-Fri',
      start: '21:00:00',
      stop: { daytime: '05:00:00', date_shift: 1 },
      interval: '2h',
    });
    assert.equal(
      String(s),
      'Mon-Fri every 7200.0 sec from 21:00:00 to 05:00:00 +1 days America/New_York',
    );
  });
});

describe('cron', () => {
  it('parses from a job file with tz defaulting to UTC', () => {
    const s = schedule({ type: 'cron', expr: '30 7 * * Mon-Fri', args: { a: 1 } });
    assert.equal(String(s), '(a=1) cron 30 7 * * Mon-Fri UTC');
    assert.deepEqual(times(s, '2026-03-06T08:00:00Z', 2), [
      '2026-03-09T07:30:00+00:00',
      '2026-03-10T07:30:00+00:00',
    ]);
  });

  it('reports a bad expression at expr', () => {
    assert.deepEqual(problems({ type: 'cron', expr: '0 25 * * *' }), [
      'expr: cron expression "0 25 * * *": hour 25 is out of range 0-23',
    ]);
  });
});

describe('explicit', () => {
  it('yields listed times at or after the start, sorted', () => {
    const s = schedule({
      type: 'explicit',
      times: ['2026-05-01T00:00:00Z', '2026-04-01T00:00:00Z'],
      args: { n: 1 },
    });
    assert.deepEqual(take(s, '2026-04-01T00:00:00Z', 5), [
      { time: '2026-04-01T00:00:00+00:00', args: { time: '2026-04-01T00:00:00+00:00', n: '1' } },
      { time: '2026-05-01T00:00:00+00:00', args: { time: '2026-05-01T00:00:00+00:00', n: '1' } },
    ]);
  });

  it('takes a single time as well as a list', () => {
    assert.deepEqual(
      times(
        schedule({ type: 'explicit', times: '2026-04-01T00:00:00Z' }),
        '2026-01-01T00:00:00Z',
        5,
      ),
      ['2026-04-01T00:00:00+00:00'],
    );
  });
});

describe('every schedule type', () => {
  const all = [
    { type: 'interval', interval: '37m', phase: '5m' },
    {
      type: 'daily',
      tz: 'America/New_York',
      daytime: ['01:30:00', '02:30:00', '13:00:00'],
      calendar: 'Mon-Fri',
    },
    {
      type: 'daily-interval',
      tz: 'Europe/London',
      start: '00:30:00',
      stop: '03:00:00',
      interval: '25m',
    },
    {
      type: 'explicit',
      times: ['2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-11-01T06:00:00Z'],
    },
    { type: 'cron', expr: '*/20 1-3 * * *', tz: 'America/New_York' },
  ];

  for (const jso of all) {
    it(`${jso.type}: resuming from any instant gives the same times as iterating from before it`, () => {
      const s = schedule(jso);
      const full = times(s, '2026-03-01T00:00:00Z', 200);
      for (const [i, t] of full.entries()) {
        if (i % 7 !== 0) continue;
        // From the instant itself: includes it. From just after: starts at the next.
        assert.deepEqual(times(s, t, 3), full.slice(i, i + 3), `from ${t}`);
        const after = formatTime(parseTime(t) + 1);
        assert.deepEqual(times(s, after, 2), full.slice(i + 1, i + 3), `from ${after}`);
      }
    });

    it(`${jso.type}: yields strictly ascending times`, () => {
      const full = times(schedule(jso), '2026-03-01T00:00:00Z', 300).map(parseTime);
      for (let i = 1; i < full.length; i++)
        assert.ok((full[i] as number) > (full[i - 1] as number));
    });
  }

  it('refuses names of Python classes, listing the built-in types', () => {
    assert.deepEqual(problems({ type: 'apsis.schedule.interval.IntervalSchedule', interval: 60 }), [
      'type: unknown schedule type: apsis.schedule.interval.IntervalSchedule: types named by Python class are the original extension mechanism, which has no meaning here (schedule types: interval, daily, daily-interval, explicit, cron)',
    ]);
  });

  it('refuses a non-boolean enabled rather than reading "false" as true', () => {
    assert.deepEqual(problems({ type: 'interval', interval: 60, enabled: 'false' }), [
      'enabled: enabled must be true or false, got "false"',
    ]);
  });

  it('reads {start, stop} wrappers and reports problems under start and stop', () => {
    assert.deepEqual(problems({ start: { type: 'interval' }, stop: { type: 'duration' } }), [
      'stop.duration: missing key: duration',
      'start.interval: missing key: interval',
    ]);
  });
});
