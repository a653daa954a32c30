import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestRuntime } from '../support/runtime.js';

describe('inspection', () => {
  it('lists the scheduler and every live run actor with its current state, not their children', async () => {
    const t = await TestRuntime.start({
      sleep: 'params: [n]\nprogram: {type: no-op, duration: 1h}\n',
    });
    const run = t.runtime.operations.schedule({ jobId: 'sleep', args: { n: '1' } });
    await t.settle();
    const ids = t.runtime.inspection.list().map((a) => a.id);
    assert.ok(!ids.some((id) => id === 'program' || id === 'conditions' || id.includes('/')));
    assert.ok(ids.includes('scheduler'));
    assert.ok(ids.includes(run.runId));
    const actor = t.runtime.inspection.get(run.runId);
    assert.deepEqual(actor?.state, { live: { running: 'untimed' } });
    assert.equal(actor?.status, 'active');
    assert.ok(actor?.events.some((e) => e.eventType === 'program.running'));
    await t.stop();
  });

  it('keeps a bounded ring of recent events per actor', async () => {
    const t = await TestRuntime.start({
      sleep: 'params: [n]\nprogram: {type: no-op, duration: 1h}\n',
    });
    const run = t.runtime.operations.schedule({ jobId: 'sleep', args: { n: '1' } });
    await t.settle();
    for (let i = 0; i < 50; i++) {
      await t.runtime.operations.signal(run.runId, 'USR1').catch(() => undefined);
    }
    const actor = t.runtime.inspection.get(run.runId);
    assert.equal(actor?.events.length, 24);
    assert.equal(actor?.events.at(-1)?.kind, '@xstate.snapshot');
    await t.stop();
  });

  it('streams inspection events to subscribers', async () => {
    const t = await TestRuntime.start({ quick: 'params: [n]\nprogram: {type: no-op}\n' });
    const seen: string[] = [];
    const unsubscribe = t.runtime.inspection.subscribe((actor, event) => {
      if (event.kind === '@xstate.event' && event.eventType)
        seen.push(`${actor.id} ${event.eventType}`);
    });
    const run = t.runtime.operations.schedule({ jobId: 'quick', args: { n: '1' } });
    await t.settle();
    unsubscribe();
    assert.ok(seen.includes(`${run.runId} run.schedule`));
    // A no-op is done as soon as it runs: one event carries both.
    assert.ok(seen.includes(`${run.runId} program.running`));
    await t.stop();
  });

  it('forgets a finished run’s actor 15 seconds after it stops', async () => {
    const t = await TestRuntime.start({ quick: 'params: [n]\nprogram: {type: no-op}\n' });
    const run = t.runtime.operations.schedule({ jobId: 'quick', args: { n: '1' } });
    await t.settle();
    assert.equal(t.runtime.inspection.get(run.runId)?.status, 'stopped');
    await t.advance(16_000);
    assert.equal(t.runtime.inspection.get(run.runId), undefined);
    await t.stop();
  });
});
