import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, parseDurationMs } from '../../src/time/index.js';

describe('parseDuration', () => {
  it('reads numbers and numeric strings as seconds', () => {
    assert.equal(parseDuration(30), 30);
    assert.equal(parseDuration(1.5), 1.5);
    assert.equal(parseDuration('30'), 30);
    assert.equal(parseDuration('1e3'), 1000);
    assert.equal(parseDuration(' 42 '), 42);
  });

  it('reads every unit spelling Apsis accepts', () => {
    const cases: [string, number][] = [
      ['30s', 30],
      ['30 sec', 30],
      ['1 second', 1],
      ['2 seconds', 2],
      ['10m', 600],
      ['10 min', 600],
      ['1 minute', 60],
      ['3 minutes', 180],
      ['1.5h', 5400],
      ['2 hour', 7200],
      ['2 hours', 7200],
      ['1d', 86400],
      ['1 day', 86400],
      ['2 days', 172800],
      ['-10 d', -864000],
      ['+5s', 5],
      ['1.m', 60],
    ];
    for (const [text, seconds] of cases) assert.equal(parseDuration(text), seconds, text);
  });

  it('reads compound durations and milliseconds', () => {
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('1h 30m 15s'), 5415);
    assert.equal(parseDuration('500ms'), 0.5);
    assert.equal(parseDuration('1 hour 30 minutes'), 5400);
    assert.equal(parseDuration('2w'), 1209600);
    assert.equal(parseDurationMs('1.5s'), 1500);
  });

  it('names the value and the unit it does not know', () => {
    assert.throws(
      () => parseDuration('5 fortnights'),
      /can't parse as duration: 5 fortnights: unknown unit fortnights/,
    );
  });

  it('refuses garbage, naming the value', () => {
    for (const bad of ['', 'abc', '1h30', 'h', '1 2 s', '--1s']) {
      assert.throws(() => parseDuration(bad), { name: 'DurationError' }, bad);
    }
  });

  it('keeps Apsis unit names case-sensitive', () => {
    assert.throws(() => parseDuration('10 MIN'), /unknown unit MIN/);
  });

  it('refuses non-numbers and non-strings with their type', () => {
    assert.throws(() => parseDuration([1]), /expected a number or a string, got a list/);
    assert.throws(() => parseDuration(Number.NaN), /not a finite number/);
  });
});
