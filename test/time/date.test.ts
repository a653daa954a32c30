import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatDaytime,
  parseDate,
  parseDaytime,
  weekdayOf,
} from '../../src/time/index.js';

describe('dates', () => {
  it('counts days from 1970-01-01', () => {
    assert.equal(daysFromCivil(1970, 1, 1), 0);
    assert.equal(daysFromCivil(2026, 3, 8), Date.UTC(2026, 2, 8) / 86_400_000);
  });

  it('converts back and forth across leap years and centuries', () => {
    for (const [y, m, d] of [
      [2000, 2, 29],
      [1900, 3, 1],
      [2024, 12, 31],
      [1, 1, 1],
      [9999, 12, 31],
    ] as const) {
      assert.deepEqual(civilFromDays(daysFromCivil(y, m, d)), { year: y, month: m, day: d });
    }
  });

  it('parses and formats YYYY-MM-DD', () => {
    assert.equal(formatDate(parseDate('2026-11-01')), '2026-11-01');
    assert.throws(() => parseDate('2026-13-01'), /not a date/);
    assert.throws(() => parseDate('26-1-1'), /not a date/);
  });

  it('numbers weekdays from Monday = 0 as ora does', () => {
    assert.equal(weekdayOf(parseDate('2026-03-09')), 0);
    assert.equal(weekdayOf(parseDate('2026-03-08')), 6);
  });
});

describe('daytimes', () => {
  it('accepts H:MM:SS and HH:MM:SS with fractional seconds', () => {
    assert.equal(parseDaytime('9:30:00'), 34_200_000);
    assert.equal(parseDaytime('09:30:00.5'), 34_200_500);
  });

  it('refuses HH:MM, as ora does', () => {
    assert.throws(() => parseDaytime('09:30'), /not a time of day .*"09:30"/);
  });

  it('refuses out-of-range fields', () => {
    assert.throws(() => parseDaytime('24:00:00'), { name: 'TimeFormatError' });
    assert.throws(() => parseDaytime('12:60:00'), { name: 'TimeFormatError' });
  });

  it('prints HH:MM:SS, with a trimmed fraction only when non-zero', () => {
    assert.equal(formatDaytime(parseDaytime('7:05:09')), '07:05:09');
    assert.equal(formatDaytime(parseDaytime('07:05:09.250')), '07:05:09.25');
  });
});
