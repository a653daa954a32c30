import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialTransition, transition } from 'xstate';
import { schedulerMachine, startingPoint, type SchedulerInput } from '../../machines/scheduler.js';

const input: SchedulerInput = {
  now: 10_000_000,
  storedClock: 9_000_000,
  since: null,
  horizonMs: 86_400_000,
  maxAgeMs: null,
  generateEveryMs: 60_000,
};

describe('the scheduler machine', () => {
  it('starts from the stored clock, or the later of it and since', () => {
    assert.equal(startingPoint(input), 9_000_000);
    assert.equal(startingPoint({ ...input, since: 'now' }), 10_000_000);
    assert.equal(startingPoint({ ...input, since: 9_500_000 }), 9_500_000);
    assert.equal(startingPoint({ ...input, since: 1 }), 9_000_000);
  });

  it('restores first, then generates the whole horizon and releases what is due', () => {
    const [restoring] = initialTransition(schedulerMachine, input);
    assert.equal(restoring.value, 'restoring');
    const [running, actions] = transition(schedulerMachine, restoring, {
      type: 'xstate.done.actor.0.scheduler.restoring',
      output: undefined,
    } as never);
    assert.equal(running.value, 'running');
    const generate = actions.find((a) => a.type === 'generate');
    assert.deepEqual(generate?.params, { from: 9_000_000, to: 10_000_000 + 86_400_000 + 60_000 });
  });

  it('extends the horizon only once a generation interval has passed', () => {
    let [snapshot] = initialTransition(schedulerMachine, input);
    [snapshot] = transition(schedulerMachine, snapshot, {
      type: 'xstate.done.actor.0.scheduler.restoring',
      output: undefined,
    } as never);
    const tick = (time: number) => {
      const [next, actions] = transition(schedulerMachine, snapshot, {
        type: 'scheduler.tick',
        time,
      });
      snapshot = next;
      return actions.map((a) => a.type);
    };
    assert.ok(!tick(10_030_000).includes('generate'));
    assert.ok(tick(10_060_000).includes('generate'));
    assert.equal(snapshot.context.generatedUntil, 10_060_000 + 86_400_000 + 60_000);
  });

  it('releases due runs up to the tick, skipping those older than max_age', () => {
    let [snapshot] = initialTransition(schedulerMachine, { ...input, maxAgeMs: 3_600_000 });
    [snapshot] = transition(schedulerMachine, snapshot, {
      type: 'xstate.done.actor.0.scheduler.restoring',
      output: undefined,
    } as never);
    const [next, actions] = transition(schedulerMachine, snapshot, {
      type: 'scheduler.tick',
      time: 20_000_000,
    });
    const release = actions.find((a) => a.type === 'release');
    assert.deepEqual(release?.params, {
      until: 20_000_000,
      skipBefore: 20_000_000 - 3_600_000,
      maxAgeMs: 3_600_000,
    });
    assert.equal(next.context.releasedThrough, 20_000_000);
  });

  it('turns a crashed run into failRun', () => {
    let [snapshot] = initialTransition(schedulerMachine, input);
    [snapshot] = transition(schedulerMachine, snapshot, {
      type: 'xstate.done.actor.0.scheduler.restoring',
      output: undefined,
    } as never);
    const [, actions] = transition(schedulerMachine, snapshot, {
      type: 'scheduler.run-crashed',
      runId: 'r1',
      message: 'boom',
      time: 5,
    });
    assert.deepEqual(actions.find((a) => a.type === 'failRun')?.params, {
      runId: 'r1',
      message: 'boom',
      time: 5,
    });
  });
});
