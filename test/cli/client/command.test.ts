import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { describe, it } from 'node:test';
import { collectNameValue, matchState, parseCount } from '../../../src/cli/client/command.js';
import { apiStopTime } from '../../../src/cli/client/op-commands.js';
import { apiTimeArg, parseTimespan } from '../../../src/cli/client/run-commands.js';
import { ArgumentError } from '../../../src/errors.js';
import { getTimeZone, parseTime, UTC } from '../../../src/time/index.js';

const NOW = parseTime('2024-10-22T14:00:00Z');
const ctx = { now: () => NOW, zone: UTC };

describe('matchState', () => {
  it('takes a state name or an unambiguous prefix, any case', () => {
    assert.equal(matchState('succ'), 'success');
    assert.equal(matchState('F'), 'failure');
    assert.equal(matchState('error'), 'error');
  });

  it('refuses an ambiguous prefix, naming the candidates', () => {
    assert.throws(() => matchState('s'), /ambiguous state: s \(scheduled, starting/);
  });

  it('refuses a state outside the allowed ones', () => {
    assert.throws(
      () => matchState('running', ['success', 'failure']),
      (err) => err instanceof InvalidArgumentError && /one of success, failure/.test(err.message),
    );
  });
});

describe('argument readers', () => {
  it('collects NAME=VALUE pairs, the value keeping any further =', () => {
    assert.deepEqual(collectNameValue('q=a=b', { x: '1' }), { x: '1', q: 'a=b' });
    assert.throws(() => collectNameValue('novalue'), InvalidArgumentError);
  });

  it('reads a count as a whole number', () => {
    assert.equal(parseCount('3'), 3);
    assert.throws(() => parseCount('-1'), InvalidArgumentError);
  });
});

describe('TIME arguments for the API', () => {
  it("sends now as 'now', so the run log says scheduled: now", () => {
    assert.equal(apiTimeArg('now', ctx), 'now');
  });

  it('sends +DURATION, ISO times and daytimes as API times', () => {
    assert.equal(apiTimeArg('+90m', ctx), '2024-10-22T15:30:00.000+00:00');
    assert.equal(apiTimeArg('2024-10-23T01:02:03Z', ctx), '2024-10-23T01:02:03.000+00:00');
    // 09:00 New York has passed at 10:00 New York: the next one is tomorrow.
    const ny = { now: () => NOW, zone: getTimeZone('America/New_York') };
    assert.equal(apiTimeArg('09:00:00', ny), '2024-10-23T13:00:00.000+00:00');
  });

  it('refuses anything else with the TIME error', () => {
    assert.throws(() => apiTimeArg('tomorrowish', ctx), ArgumentError);
  });

  it('passes a stop duration through for the daemon to add to the schedule time', () => {
    assert.equal(apiStopTime('30m', ctx), '30m');
    assert.equal(apiStopTime('+2h', ctx), '+2h');
    assert.equal(apiStopTime('2024-10-22T18:00:00Z', ctx), '2024-10-22T18:00:00.000+00:00');
  });

  it('reads a timespan FROM..TO with either end optional', () => {
    assert.deepEqual(parseTimespan('now..+1h', ctx), { from: NOW, to: NOW + 3_600_000 });
    assert.deepEqual(parseTimespan('..now', ctx), { from: undefined, to: NOW });
    assert.deepEqual(parseTimespan('-1d', ctx), { from: NOW - 86_400_000, to: undefined });
  });
});
