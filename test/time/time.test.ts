import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTime, formatTimeJso, parseTime } from '../../src/time/index.js';

describe('formatTime', () => {
  it('prints whole seconds without a fraction, in UTC with +00:00', () => {
    assert.equal(formatTime(Date.UTC(2024, 0, 2, 14, 30)), '2024-01-02T14:30:00+00:00');
  });

  it('prints a non-zero fraction with trailing zeros trimmed', () => {
    assert.equal(formatTime(Date.UTC(2024, 0, 2, 14, 30, 0, 250)), '2024-01-02T14:30:00.25+00:00');
  });

  it('prints the API form with exactly three fractional digits', () => {
    assert.equal(formatTimeJso(Date.UTC(2024, 0, 2, 14, 30)), '2024-01-02T14:30:00.000+00:00');
    assert.equal(
      formatTimeJso(Date.UTC(2024, 0, 2, 14, 30, 0, 5)),
      '2024-01-02T14:30:00.005+00:00',
    );
  });
});

describe('parseTime', () => {
  it('reads Z, UTC and numeric offsets as the same instant', () => {
    const t = Date.UTC(2026, 2, 8, 7);
    assert.equal(parseTime('2026-03-08T07:00:00Z'), t);
    assert.equal(parseTime('2026-03-08T07:00:00+00:00'), t);
    assert.equal(parseTime('2026-03-08T03:00:00-04:00'), t);
    assert.equal(parseTime('2026-03-08T02:00:00-0500'), t);
    assert.equal(parseTime('2026-03-08 07:00Z'), t);
  });

  it('keeps milliseconds of a fractional second', () => {
    assert.equal(parseTime('2026-03-08T07:00:00.125Z'), Date.UTC(2026, 2, 8, 7, 0, 0, 125));
  });

  it('round-trips its own output', () => {
    const t = Date.UTC(1999, 11, 31, 23, 59, 59, 999);
    assert.equal(parseTime(formatTime(t)), t);
    assert.equal(parseTime(formatTimeJso(t)), t);
  });

  it('refuses a time without a UTC offset, naming the value', () => {
    assert.throws(() => parseTime('2026-03-08T07:00:00'), /not a time .*"2026-03-08T07:00:00"/);
  });

  it('refuses impossible dates', () => {
    assert.throws(() => parseTime('2026-02-30T00:00:00Z'), { name: 'TimeFormatError' });
  });
});
