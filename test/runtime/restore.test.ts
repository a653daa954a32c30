import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../src/store/index.js';
import { formatTime, parseTime } from '../../src/time/index.js';
import { TestRuntime } from '../support/runtime.js';

const JOBS = {
  sleep: 'params: [n]\nprogram: {type: no-op, duration: 1h}\n',
  blocked:
    'params: [n]\nprogram: {type: no-op}\ncondition: {type: dependency, job_id: sleep, args: {n: "{{ n }}"}}\n',
};

/** Writes a run straight into the database, as a crashed daemon could have left it. */
async function seed(
  t: TestRuntime,
  state: RunRecord['state'],
  runState: Record<string, unknown> | null = null,
): Promise<string> {
  const n = t.store.reserveRunNumbers(1);
  const runId = `r${n}`;
  t.store.insertRun({
    runId,
    jobId: 'sleep',
    args: { n: String(n) },
    state,
    times: { schedule: t.now, [state]: t.now },
    meta: {},
    program: { type: 'no-op', duration: 3600, success: true },
    conds: [],
    actions: [],
    runState,
    timestamp: t.now,
    expected: false,
  });
  await t.store.committed();
  return runId;
}

describe('restart in every state (apsis-model.md §8.4)', () => {
  it('keeps a scheduled run scheduled, logs restored, and runs it when due', async () => {
    const t = await TestRuntime.start(JOBS);
    const run = t.runtime.operations.schedule({
      jobId: 'sleep',
      args: { n: '1' },
      time: parseTime('2026-03-02T02:00:00Z'),
    });
    await t.settle();
    await t.restart();
    assert.equal(t.run(run.runId).state, 'scheduled');
    await t.advanceTo('2026-03-02T02:00:01Z');
    assert.equal(t.run(run.runId).state, 'running');
    assert.deepEqual(t.log(run.runId), [
      'scheduled: 2026-03-02T02:00:00+00:00',
      'restored',
      'starting',
      'running',
    ]);
    await t.stop();
  });

  it('resumes a waiting run, which starts when its dependency succeeds after the restart', async () => {
    const t = await TestRuntime.start(JOBS);
    const waiting = t.runtime.operations.schedule({ jobId: 'blocked', args: { n: '1' } });
    await t.settle();
    assert.equal(t.run(waiting.runId).state, 'waiting');
    await t.restart();
    assert.equal(t.run(waiting.runId).state, 'waiting');
    const dep = t.runtime.operations.schedule({ jobId: 'sleep', args: { n: '1' } });
    await t.advance(3_600_000);
    assert.equal(t.run(dep.runId).state, 'success');
    assert.equal(t.run(waiting.runId).state, 'success');
    assert.deepEqual(t.log(waiting.runId), [
      'scheduled: now',
      'waiting',
      'waiting until: dependency sleep(n=1) is success',
      'restored',
      'waiting until: dependency sleep(n=1) is success',
      'starting',
      'running',
      'success',
    ]);
    await t.stop();
  });

  it('ends a starting run in error: it might have started', async () => {
    const t = await TestRuntime.start(JOBS);
    await t.runtime.stop();
    const runId = await seed(t, 'starting');
    t.store.close();
    await t.open();
    assert.equal(t.run(runId).state, 'error');
    assert.deepEqual(t.log(runId), ['restored starting: might have started']);
    await t.stop();
  });

  it('reconnects a running no-op, which finishes at its original end time', async () => {
    const t = await TestRuntime.start(JOBS);
    const run = t.runtime.operations.schedule({ jobId: 'sleep', args: { n: '1' } });
    await t.advance(20 * 60_000);
    await t.restart();
    assert.equal(t.run(run.runId).state, 'running');
    await t.advance(40 * 60_000);
    const done = t.run(run.runId);
    assert.equal(done.state, 'success');
    assert.equal(formatTime(done.times.success as number), '2026-03-02T01:00:00+00:00');
    assert.deepEqual(t.log(run.runId), [
      'scheduled: now',
      'starting',
      'running',
      'reconnecting',
      'success',
    ]);
    await t.stop();
  });

  it('ends a stopping run in error: it might have stopped', async () => {
    const t = await TestRuntime.start(JOBS);
    await t.runtime.stop();
    const runId = await seed(t, 'stopping', { start: formatTime(t.now), stopping: true });
    t.store.close();
    await t.open();
    assert.equal(t.run(runId).state, 'error');
    assert.deepEqual(t.log(runId), ['restored stopping: might have stopped']);
    await t.stop();
  });

  it('ends a run left in new by a crash in error, which Apsis never cleans up', async () => {
    const t = await TestRuntime.start(JOBS);
    await t.runtime.stop();
    const runId = await seed(t, 'new');
    t.store.close();
    await t.open();
    assert.equal(t.store.getRun(runId)?.state, 'error');
    assert.deepEqual(t.log(runId), ['error: restored new: never scheduled']);
    await t.stop();
  });

  it('leaves finished runs as they are', async () => {
    const t = await TestRuntime.start(JOBS);
    await t.runtime.stop();
    const runId = await seed(t, 'success');
    t.store.close();
    await t.open();
    assert.equal(t.run(runId).state, 'success');
    assert.deepEqual(t.log(runId), []);
    await t.stop();
  });

  it('errs a running run whose program cannot reconnect', async () => {
    // A daemon without the vacuum driver stands for any program it cannot drive.
    const t = await TestRuntime.start(JOBS, { drivers: { vacuum: undefined } });
    await t.runtime.stop();
    const n = t.store.reserveRunNumbers(1);
    t.store.insertRun({
      runId: `r${n}`,
      jobId: 'sleep',
      args: { n: 'x' },
      state: 'running',
      times: { running: t.now },
      meta: {},
      program: { type: 'vacuum' },
      conds: [],
      actions: [],
      runState: {},
      timestamp: t.now,
      expected: false,
    });
    await t.store.committed();
    t.store.close();
    await t.open();
    assert.equal(t.run(`r${n}`).state, 'error');
    assert.deepEqual(t.log(`r${n}`), [
      'reconnecting',
      'error: reconnect failed: no driver for program type vacuum',
    ]);
    await t.stop();
  });
});
