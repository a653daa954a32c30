import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTime, parseTime } from '../../src/time/index.js';
import { between, schedule, take, times } from './helpers.js';

// 2026 changes: New York springs forward 2026-03-08 02:00 EST → 03:00 EDT
// (07:00Z) and falls back 2026-11-01 02:00 EDT → 01:00 EST (06:00Z); London
// springs forward 2026-03-29 01:00 GMT → 02:00 BST (01:00Z) and falls back
// 2026-10-25 02:00 BST → 01:00 GMT (01:00Z).

describe('daily across DST', () => {
  it('skips 02:30 New York on the March spring-forward day', () => {
    const s = schedule({ type: 'daily', tz: 'America/New_York', daytime: '02:30:00' });
    assert.deepEqual(times(s, '2026-03-07T00:00:00Z', 3), [
      '2026-03-07T07:30:00+00:00',
      '2026-03-09T06:30:00+00:00',
      '2026-03-10T06:30:00+00:00',
    ]);
  });

  it('runs an ambiguous 01:30 New York once, at the earlier (EDT) instant, in November', () => {
    const s = schedule({ type: 'daily', tz: 'America/New_York', daytime: '01:30:00' });
    assert.deepEqual(times(s, '2026-10-31T00:00:00Z', 3), [
      '2026-10-31T05:30:00+00:00',
      '2026-11-01T05:30:00+00:00',
      '2026-11-02T06:30:00+00:00',
    ]);
  });

  it('skips 01:30 London on the March spring-forward day', () => {
    const s = schedule({ type: 'daily', tz: 'Europe/London', daytime: '01:30:00' });
    assert.deepEqual(times(s, '2026-03-28T00:00:00Z', 3), [
      '2026-03-28T01:30:00+00:00',
      '2026-03-30T00:30:00+00:00',
      '2026-03-31T00:30:00+00:00',
    ]);
  });

  it('runs an ambiguous 01:30 London once, at the earlier (BST) instant, in October', () => {
    const s = schedule({ type: 'daily', tz: 'Europe/London', daytime: ['01:30:00', '12:00:00'] });
    assert.deepEqual(times(s, '2026-10-25T00:00:00Z', 4), [
      '2026-10-25T00:30:00+00:00',
      '2026-10-25T12:00:00+00:00',
      '2026-10-26T01:30:00+00:00',
      '2026-10-26T12:00:00+00:00',
    ]);
  });

  it('does not repeat the earlier instant when resumed inside the repeated hour', () => {
    const s = schedule({
      type: 'daily',
      tz: 'America/New_York',
      daytime: ['01:30:00', '01:45:00'],
    });
    // 06:10Z is 01:10 EST, the second pass through 01:xx: both daytimes have
    // already run at their earlier (EDT) instants.
    assert.deepEqual(times(s, '2026-11-01T06:10:00Z', 2), [
      '2026-11-02T06:30:00+00:00',
      '2026-11-02T06:45:00+00:00',
    ]);
  });

  it('generates date, time, daytime, calendar and tz args in the original formats', () => {
    const s = schedule({
      type: 'daily',
      tz: 'America/New_York',
      daytime: '09:30:00',
      calendar: 'Mon-Fri',
      args: { region: 'us' },
    });
    assert.deepEqual(take(s, '2026-03-06T15:00:00Z', 1), [
      {
        time: '2026-03-09T13:30:00+00:00',
        args: {
          date: '2026-03-09',
          time: '2026-03-09T13:30:00+00:00',
          daytime: '09:30:00',
          calendar: 'Mon-Fri',
          tz: 'America/New_York',
          region: 'us',
        },
      },
    ]);
  });
});

describe('daily-interval across DST', () => {
  it('steps in real seconds through the New York spring-forward gap', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'America/New_York',
      start: '01:00:00',
      stop: '04:00:00',
      interval: '30m',
    });
    const runs = take(s, '2026-03-08T00:00:00Z', 5);
    assert.deepEqual(
      runs.map((r) => [r.time, r.args.daytime]),
      [
        ['2026-03-08T06:00:00+00:00', '01:00:00'],
        ['2026-03-08T06:30:00+00:00', '01:30:00'],
        ['2026-03-08T07:00:00+00:00', '03:00:00'],
        ['2026-03-08T07:30:00+00:00', '03:30:00'],
        ['2026-03-09T05:00:00+00:00', '01:00:00'],
      ],
    );
  });

  it('runs through both passes of the repeated New York hour in November', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'America/New_York',
      start: '00:30:00',
      stop: '03:00:00',
      interval: '30m',
    });
    const runs = take(s, '2026-11-01T00:00:00Z', 8);
    assert.deepEqual(
      runs.map((r) => [r.time, r.args.daytime]),
      [
        ['2026-11-01T04:30:00+00:00', '00:30:00'],
        ['2026-11-01T05:00:00+00:00', '01:00:00'],
        ['2026-11-01T05:30:00+00:00', '01:30:00'],
        ['2026-11-01T06:00:00+00:00', '01:00:00'],
        ['2026-11-01T06:30:00+00:00', '01:30:00'],
        ['2026-11-01T07:00:00+00:00', '02:00:00'],
        ['2026-11-01T07:30:00+00:00', '02:30:00'],
        ['2026-11-02T05:30:00+00:00', '00:30:00'],
      ],
    );
  });

  it('starts a window whose start falls in the gap when the gap ends, not skipping the date', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'America/New_York',
      start: '02:30:00',
      stop: '04:00:00',
      interval: '30m',
    });
    assert.deepEqual(between(s, '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z'), [
      '2026-03-08T07:00:00+00:00',
      '2026-03-08T07:30:00+00:00',
    ]);
  });

  it('ends a London window at 02:30 BST on the March change', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'Europe/London',
      start: '00:30:00',
      stop: '02:30:00',
      interval: '30m',
    });
    assert.deepEqual(between(s, '2026-03-29T00:00:00Z', '2026-03-29T12:00:00Z'), [
      '2026-03-29T00:30:00+00:00',
      '2026-03-29T01:00:00+00:00',
    ]);
  });

  it('fits six half-hours into a two-hour London window on the October change', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'Europe/London',
      start: '00:30:00',
      stop: '02:30:00',
      interval: '30m',
    });
    const runs = take(s, '2026-10-24T12:00:00Z', 6);
    assert.deepEqual(
      runs.map((r) => [r.time, r.args.daytime, r.args.sched_date]),
      [
        ['2026-10-24T23:30:00+00:00', '00:30:00', '2026-10-25'],
        ['2026-10-25T00:00:00+00:00', '01:00:00', '2026-10-25'],
        ['2026-10-25T00:30:00+00:00', '01:30:00', '2026-10-25'],
        ['2026-10-25T01:00:00+00:00', '01:00:00', '2026-10-25'],
        ['2026-10-25T01:30:00+00:00', '01:30:00', '2026-10-25'],
        ['2026-10-25T02:00:00+00:00', '02:00:00', '2026-10-25'],
      ],
    );
  });

  it('gives an overnight window the nominal date as date and the local date as sched_date', () => {
    const s = schedule({
      type: 'daily-interval',
      tz: 'America/New_York',
      calendar: 'Mon-Fri',
      start: { daytime: '21:00:00' },
      stop: { daytime: '05:00:00', date_shift: 1 },
      interval: '2h',
    });
    const runs = take(s, '2026-03-06T12:00:00Z', 5);
    assert.deepEqual(
      runs.map((r) => [r.time, r.args.date, r.args.sched_date, r.args.daytime]),
      [
        ['2026-03-07T02:00:00+00:00', '2026-03-06', '2026-03-06', '21:00:00'],
        ['2026-03-07T04:00:00+00:00', '2026-03-06', '2026-03-06', '23:00:00'],
        ['2026-03-07T06:00:00+00:00', '2026-03-06', '2026-03-07', '01:00:00'],
        ['2026-03-07T08:00:00+00:00', '2026-03-06', '2026-03-07', '03:00:00'],
        ['2026-03-10T01:00:00+00:00', '2026-03-09', '2026-03-09', '21:00:00'],
      ],
    );
  });
});

describe('interval across DST', () => {
  it('ignores local DST: hourly New York runs stay on the UTC hour', () => {
    const s = schedule({ type: 'interval', interval: '1h' });
    assert.deepEqual(
      take(s, '2026-03-08T05:30:00Z', 3).map((r) => [r.time, r.args.date, r.args.daytime]),
      [
        ['2026-03-08T06:00:00+00:00', '2026-03-08', '06:00:00'],
        ['2026-03-08T07:00:00+00:00', '2026-03-08', '07:00:00'],
        ['2026-03-08T08:00:00+00:00', '2026-03-08', '08:00:00'],
      ],
    );
    assert.deepEqual(times(s, '2026-10-25T00:00:00Z', 3), [
      '2026-10-25T00:00:00+00:00',
      '2026-10-25T01:00:00+00:00',
      '2026-10-25T02:00:00+00:00',
    ]);
  });
});

describe('explicit across DST', () => {
  it('keeps the instants the offsets name, either side of the New York change', () => {
    const s = schedule({
      type: 'explicit',
      times: ['2026-03-08T03:30:00-04:00', '2026-03-08T01:30:00-05:00'],
    });
    assert.deepEqual(times(s, '2026-03-01T00:00:00Z', 5), [
      '2026-03-08T06:30:00+00:00',
      '2026-03-08T07:30:00+00:00',
    ]);
  });

  it('runs both 01:30 instants of the London October change when both are listed', () => {
    const s = schedule({
      type: 'explicit',
      times: ['2026-10-25T01:30:00+01:00', '2026-10-25T01:30:00+00:00'],
    });
    assert.deepEqual(times(s, '2026-10-01T00:00:00Z', 5), [
      '2026-10-25T00:30:00+00:00',
      '2026-10-25T01:30:00+00:00',
    ]);
  });
});

describe('stop schedules across DST', () => {
  const stopOf = (stop: unknown, scheduleTime: string) => {
    const s = schedule({ start: { type: 'explicit', times: scheduleTime }, stop });
    return formatTime(s.stop?.stopTime(parseTime(scheduleTime)) as number);
  };

  it('adds a duration in real seconds across the New York change', () => {
    assert.equal(
      stopOf({ type: 'duration', duration: '2h' }, '2026-03-08T01:30:00-05:00'),
      '2026-03-08T08:30:00+00:00',
    );
  });

  it('stops at the end of the gap when the stop daytime does not exist (New York, March)', () => {
    assert.equal(
      stopOf(
        { type: 'daytime', daytime: '02:30:00', tz: 'America/New_York' },
        '2026-03-07T23:00:00-05:00',
      ),
      '2026-03-08T07:00:00+00:00',
    );
  });

  it('stops at the end of the gap when the stop daytime does not exist (London, March)', () => {
    assert.equal(
      stopOf({ type: 'daytime', daytime: '01:30:00', tz: 'Europe/London' }, '2026-03-28T12:00:00Z'),
      '2026-03-29T01:00:00+00:00',
    );
  });

  it('stops at the earlier instant of an ambiguous daytime (New York, November)', () => {
    assert.equal(
      stopOf(
        { type: 'daytime', daytime: '01:30:00', tz: 'America/New_York' },
        '2026-11-01T00:00:00-04:00',
      ),
      '2026-11-01T05:30:00+00:00',
    );
  });

  it('stops at the later instant when the earlier one is not after the schedule time', () => {
    // 01:10 EST, during the repeated hour: 01:30 EDT has passed, 01:30 EST has not.
    assert.equal(
      stopOf(
        { type: 'daytime', daytime: '01:30:00', tz: 'America/New_York' },
        '2026-11-01T01:10:00-05:00',
      ),
      '2026-11-01T06:30:00+00:00',
    );
  });

  it('stops on the next day when the daytime has passed (London, October)', () => {
    assert.equal(
      stopOf(
        { type: 'daytime', daytime: '01:00:00', tz: 'Europe/London' },
        '2026-10-24T12:00:00+01:00',
      ),
      '2026-10-25T00:00:00+00:00',
    );
  });
});
