import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathFromTimes, runPath } from '../../src/api/run-path.js';
import type { RunTransition } from '../../src/store/index.js';
import { makeRun, T0 } from '../support/store.js';

const step = (from: string | null, to: string, time: number, event: string | null) =>
  ({ from, to, time, event }) as RunTransition;

describe('runPath', () => {
  it('gives recorded transitions as they are when they start from new', () => {
    const logged = [step('new', 'scheduled', T0, 'run.schedule')];
    assert.deepEqual(runPath(makeRun(1, { times: { scheduled: T0 } }), logged), {
      source: 'log',
      transitions: logged,
    });
  });

  it('rebuilds the path from times in time order, leaving out schedule and stop', () => {
    const run = makeRun(1, {
      state: 'success',
      times: { schedule: T0 + 50, stop: T0 + 99, running: T0 + 2, scheduled: T0, success: T0 + 9 },
    });
    assert.deepEqual(runPath(run, []), {
      source: 'times',
      transitions: [
        step('new', 'scheduled', T0, null),
        step('scheduled', 'running', T0 + 2, null),
        step('running', 'success', T0 + 9, null),
      ],
    });
  });

  it('orders states entered in the same millisecond by the run state order', () => {
    const run = makeRun(1, { times: { running: T0, starting: T0, scheduled: T0 } });
    assert.deepEqual(
      pathFromTimes(run).map((t) => t.to),
      ['scheduled', 'starting', 'running'],
    );
  });

  it('joins the path from times before the first recorded step of a run stored before v3', () => {
    // Stored as running by an older version, then finished under v3.
    const run = makeRun(1, {
      state: 'success',
      times: { scheduled: T0, starting: T0 + 1, running: T0 + 2, success: T0 + 9 },
    });
    const logged = [step('running', 'success', T0 + 9, 'program.done')];
    assert.deepEqual(runPath(run, logged), {
      source: 'mixed',
      transitions: [
        step('new', 'scheduled', T0, null),
        step('scheduled', 'starting', T0 + 1, null),
        step('starting', 'running', T0 + 2, null),
        ...logged,
      ],
    });
  });

  it('gives an empty path for a run that has not moved yet, such as an expected run', () => {
    assert.deepEqual(runPath(makeRun(1, { state: 'scheduled', times: { schedule: T0 } }), []), {
      source: 'log',
      transitions: [],
    });
  });
});
