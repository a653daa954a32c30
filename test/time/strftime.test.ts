import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerError } from '../../src/errors.js';
import { daysFromCivil, getTimeZone, parseDaytime, parseTime } from '../../src/time/index.js';
import {
  formatDatePattern,
  formatDaytimePattern,
  formatTimeInZone,
  formatTimePattern,
  TimePatternError,
} from '../../src/time/strftime.js';

const date = daysFromCivil(2018, 7, 12);
const time = parseTime('2018-07-12T16:30:20.25Z');

describe('formatDatePattern', () => {
  it('formats the Python date codes', () => {
    assert.equal(formatDatePattern(date, '%Y-%m-%d %y %j'), '2018-07-12 18 193');
    assert.equal(formatDatePattern(date, '%a %A %b %B'), 'Thu Thursday Jul July');
  });

  it('formats ISO week and weekday numbers', () => {
    assert.equal(formatDatePattern(date, '%G-W%V-%u %w'), '2018-W28-4 4');
    assert.equal(formatDatePattern(daysFromCivil(2021, 1, 3), '%G %V %u %w'), '2020 53 7 0');
  });

  it('honours ora modifiers: case, abbreviation, width and pad', () => {
    assert.equal(formatDatePattern(date, '%^A %_B %~A %~B'), 'THURSDAY july Thu Jul');
    assert.equal(formatDatePattern(date, '%3d %#*4m %D %~D'), '012 ***7 2018-07-12 20180712');
  });

  it('gives YYYY-MM-DD for the empty pattern and keeps %% and plain text', () => {
    assert.equal(formatDatePattern(date, ''), '2018-07-12');
    assert.equal(formatDatePattern(date, 'day %d, 100%%'), 'day 12, 100%');
  });

  it('refuses time codes in a date pattern, as ora does', () => {
    assert.throws(
      () => formatDatePattern(date, '%H'),
      (e) => e instanceof TimePatternError && /unknown date escape '%H'/.test(e.message),
    );
    assert.throws(
      () => formatDatePattern(date, 'x%'),
      (e) => e instanceof SchedulerError && /unterminated escape/.test(e.message),
    );
  });
});

describe('formatDaytimePattern', () => {
  it('formats hours, minutes, seconds, AM/PM and fractions', () => {
    const daytime = parseDaytime('13:05:07.25');
    assert.equal(formatDaytimePattern(daytime, '%H:%M:%S %I %p %f'), '13:05:07 01 PM 250000');
    assert.equal(
      formatDaytimePattern(daytime, '%.3S %.1S %C %.2C'),
      '07.250 07.2 13:05:07 13:05:07.25',
    );
  });

  it('prints 12 for midnight on the 12-hour clock', () => {
    assert.equal(formatDaytimePattern(parseDaytime('00:30:00'), '%I:%M %p'), '12:30 AM');
  });
});

describe('formatTimePattern', () => {
  it('formats in UTC without a zone', () => {
    assert.equal(
      formatTimePattern(time, '%Y-%m-%d %H:%M:%S %z %Z'),
      '2018-07-12 16:30:20 +0000 UTC',
    );
    assert.equal(formatTimePattern(time, '%i'), '2018-07-12T16:30:20+00:00');
    assert.equal(formatTimePattern(time, '%.3i'), '2018-07-12T16:30:20.250+00:00');
    assert.equal(formatTimePattern(time, '%~i'), '20180712T163020+0000');
    assert.equal(formatTimePattern(time, '%T'), '2018-07-12T16:30:20Z');
  });

  it('formats in the zone named after @', () => {
    assert.equal(formatTimePattern(time, '%Y-%m-%d %H:%M@America/New_York'), '2018-07-12 12:30');
    assert.equal(formatTimePattern(time, '%i@America/New_York'), '2018-07-12T12:30:20-04:00');
    assert.equal(formatTimePattern(time, '%E %z %o %e@America/New_York'), '-04:00 -0400 -14400 Q');
  });

  it('uses ISO format for the empty pattern and for a bare @ZONE', () => {
    assert.equal(formatTimePattern(time, ''), '2018-07-12T16:30:20+00:00');
    assert.equal(formatTimePattern(time, '@Asia/Kolkata'), '2018-07-12T22:00:20+05:30');
  });

  it('gives the zone abbreviation for %Z', () => {
    assert.equal(formatTimePattern(time, '%Z@America/New_York'), 'EDT');
    assert.equal(
      formatTimePattern(parseTime('2018-01-12T16:30:20Z'), '%Z@America/New_York'),
      'EST',
    );
  });

  it('refuses an unknown zone', () => {
    assert.throws(() => formatTimePattern(time, '%H@Nowhere/Land'), /unknown time zone/);
  });
});

describe('formatTimeInZone', () => {
  it('formats a time in the given zone, across a DST change', () => {
    const zone = getTimeZone('Europe/London');
    assert.equal(
      formatTimeInZone(parseTime('2024-03-31T00:30:00Z'), '%H:%M %z', zone),
      '00:30 +0000',
    );
    assert.equal(
      formatTimeInZone(parseTime('2024-03-31T01:30:00Z'), '%H:%M %z', zone),
      '02:30 +0100',
    );
  });
});
