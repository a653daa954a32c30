import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatTime,
  fromLocal,
  gapEnd,
  getTimeZone,
  localInstants,
  parseDate,
  parseDaytime,
  toLocal,
  formatDate,
  formatDaytime,
} from '../../src/time/index.js';

const NY = getTimeZone('America/New_York');
const LONDON = getTimeZone('Europe/London');
const at = (date: string, daytime: string) => [parseDate(date), parseDaytime(daytime)] as const;

describe('time zones', () => {
  it('refuses unknown names with a hint', () => {
    assert.throws(
      () => getTimeZone('America/Nowhere'),
      /unknown time zone: America\/Nowhere \(use an IANA name/,
    );
    assert.throws(() => getTimeZone(''), { name: 'UnknownTimeZoneError' });
  });

  it('converts an instant to local date and daytime', () => {
    const local = toLocal(Date.UTC(2026, 2, 8, 7), NY);
    assert.equal(formatDate(local.date), '2026-03-08');
    assert.equal(formatDaytime(local.daytime), '03:00:00');
  });

  it('finds no instant for a local time in the March gap', () => {
    assert.deepEqual(localInstants(...at('2026-03-08', '02:30:00'), NY), []);
    assert.equal(fromLocal(...at('2026-03-08', '02:30:00'), NY), undefined);
    assert.deepEqual(localInstants(...at('2026-03-29', '01:30:00'), LONDON), []);
  });

  it('finds both instants of an ambiguous November time and takes the earlier', () => {
    const instants = localInstants(...at('2026-11-01', '01:30:00'), NY).map(formatTime);
    assert.deepEqual(instants, ['2026-11-01T05:30:00+00:00', '2026-11-01T06:30:00+00:00']);
    assert.equal(
      formatTime(fromLocal(...at('2026-11-01', '01:30:00'), NY) as number),
      '2026-11-01T05:30:00+00:00',
    );
    assert.equal(
      formatTime(fromLocal(...at('2026-10-25', '01:30:00'), LONDON) as number),
      '2026-10-25T00:30:00+00:00',
    );
  });

  it('puts the end of a gap at the transition instant', () => {
    assert.equal(
      formatTime(gapEnd(...at('2026-03-08', '02:30:00'), NY)),
      '2026-03-08T07:00:00+00:00',
    );
    assert.equal(
      formatTime(gapEnd(...at('2026-03-29', '01:15:00'), LONDON)),
      '2026-03-29T01:00:00+00:00',
    );
  });
});
