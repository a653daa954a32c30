import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Runtime } from '../../src/runtime/index.js';
import { createRunStore, openDatabase } from '../../src/store/index.js';
import { builtinCalendars, formatTime, ManualClock, parseTime } from '../../src/time/index.js';
import { jobsFrom, TestRuntime } from '../support/runtime.js';

const HOURLY =
  'params: [time]\nschedule: {type: interval, interval: 1h}\nprogram: {type: no-op, duration: 10m}\n';

const summary = (t: TestRuntime, jobId: string) =>
  t.stored(jobId).map((r) => `${r.args.time ?? r.args.date ?? ''} ${r.state}`);

describe('scheduling', () => {
  it('expects runs to the horizon and runs each when it comes due', async () => {
    const t = await TestRuntime.start({ hourly: HOURLY });
    assert.equal(t.runtime.scheduler.expected.size, 24);
    assert.deepEqual(t.stored(), []);
    await t.advance(3 * 3_600_000);
    assert.deepEqual(summary(t, 'hourly'), [
      '2026-03-02T01:00:00+00:00 success',
      '2026-03-02T02:00:00+00:00 success',
      '2026-03-02T03:00:00+00:00 running',
    ]);
    const first = t.stored('hourly')[0];
    assert.ok(first);
    assert.deepEqual(t.log(first.runId), [
      'scheduled: 2026-03-02T01:00:00+00:00',
      'starting',
      'running',
      'success',
    ]);
    assert.equal(formatTime(first.times.running as number), '2026-03-02T01:00:00+00:00');
    assert.equal(formatTime(first.times.success as number), '2026-03-02T01:10:00+00:00');
    assert.equal(first.meta.elapsed, 600);
    await t.stop();
  });

  it('keeps the horizon a day ahead as time passes', async () => {
    const t = await TestRuntime.start({ hourly: HOURLY });
    await t.advance(5 * 3_600_000);
    // Five released; five more generated as the horizon moved.
    assert.equal(t.runtime.scheduler.expected.size, 24);
    await t.stop();
  });

  it('lets a user skip tomorrow’s expected run, which then never runs', async () => {
    const t = await TestRuntime.start({ hourly: HOURLY });
    const tomorrow = [...t.runtime.scheduler.expected.entries()].find(
      (e) => formatTime(e.time) === '2026-03-02T20:00:00+00:00',
    );
    assert.ok(tomorrow);
    const runId = `r${tomorrow.runNumber}`;
    assert.equal(t.run(runId).state, 'scheduled');
    assert.equal(t.run(runId).expected, true);
    t.runtime.operations.skip(runId);
    await t.settle();
    assert.equal(t.run(runId).state, 'skipped');
    assert.equal(t.store.getRun(runId)?.state, 'skipped');
    await t.advance(21 * 3_600_000);
    assert.equal(
      t.stored('hourly').filter((r) => r.args.time === '2026-03-02T20:00:00+00:00').length,
      1,
    );
    await t.stop();
  });

  it('starts an expected run early when asked', async () => {
    const t = await TestRuntime.start({ hourly: HOURLY });
    const entry = [...t.runtime.scheduler.expected.entries()][5];
    assert.ok(entry);
    const runId = `r${entry.runNumber}`;
    t.runtime.operations.start(runId);
    await t.settle();
    assert.equal(t.run(runId).state, 'running');
    assert.deepEqual(t.log(runId), [
      'scheduled: 2026-03-02T06:00:00+00:00',
      'scheduled run started by override',
      'starting',
      'running',
    ]);
    await t.stop();
  });

  it('catches up on runs missed while down, in schedule-time order, each once', async () => {
    const t = await TestRuntime.start({
      hourly: HOURLY,
      daily:
        'params: [date]\nschedule: {type: daily, tz: UTC, daytime: "02:30:00"}\nprogram: {type: no-op}\n',
    });
    await t.advance(3_600_000 + 20 * 60_000);
    await t.runtime.stop();
    t.store.close();
    // Down for four hours: 02:00, 02:30, 03:00, 04:00 and 05:00 are missed.
    t.clock.advance(4 * 3_600_000);
    await t.open();
    await t.advance(60_000);
    const runs = t.stored();
    const times = runs.map((r) => formatTime(r.times.schedule as number));
    assert.deepEqual(times, [
      '2026-03-02T01:00:00+00:00',
      '2026-03-02T02:00:00+00:00',
      '2026-03-02T02:30:00+00:00',
      '2026-03-02T03:00:00+00:00',
      '2026-03-02T04:00:00+00:00',
      '2026-03-02T05:00:00+00:00',
    ]);
    // Started in schedule-time order, all at the restart.
    const starts = runs.slice(1).map((r) => r.times.starting as number);
    assert.deepEqual(
      [...starts].sort((a, b) => a - b),
      starts,
    );
    assert.ok(starts.every((s) => s === parseTime('2026-03-02T05:20:00Z')));
    await t.stop();
  });

  it('skips missed runs older than schedule.max_age, naming the limit', async () => {
    const t = await TestRuntime.start({ hourly: HOURLY }, { maxAgeMs: 90 * 60_000 });
    await t.runtime.stop();
    t.store.close();
    t.clock.advance(4 * 3_600_000 + 60_000);
    await t.open();
    assert.deepEqual(summary(t, 'hourly'), [
      '2026-03-02T01:00:00+00:00 skipped',
      '2026-03-02T02:00:00+00:00 skipped',
      '2026-03-02T03:00:00+00:00 running',
      '2026-03-02T04:00:00+00:00 running',
    ]);
    const skipped = t.stored('hourly')[0];
    assert.ok(skipped);
    assert.ok(t.log(skipped.runId).includes('skipped: more than schedule.max_age (5400 s) late'));
    await t.stop();
  });

  it('does not catch up when schedule.since is now', async () => {
    const t = await TestRuntime.start({ hourly: HOURLY }, { since: 'now' });
    await t.runtime.stop();
    t.store.close();
    t.clock.advance(3 * 3_600_000 + 60_000);
    await t.open();
    assert.deepEqual(t.stored(), []);
    await t.advance(3_600_000);
    assert.deepEqual(summary(t, 'hourly'), ['2026-03-02T04:00:00+00:00 running']);
    await t.stop();
  });

  it('never creates a run twice across restarts at its due time', async () => {
    const t = await TestRuntime.start({ hourly: HOURLY });
    for (let i = 0; i < 6; i++) {
      await t.advance(3_600_000);
      await t.restart();
    }
    const times = t.stored('hourly').map((r) => r.args.time);
    assert.equal(new Set(times).size, times.length);
    assert.equal(times.length, 6);
    await t.stop();
  });

  it('stops a run at its stop time', async () => {
    const t = await TestRuntime.start({
      long: 'schedule: {start: {type: interval, interval: 1h}, stop: {type: duration, duration: 15m}}\nprogram: {type: no-op, duration: 1h}\n',
    });
    await t.advance(3_600_000 + 20 * 60_000);
    const [run] = t.stored('long');
    assert.ok(run);
    assert.equal(run.state, 'error');
    assert.equal(formatTime(run.times.stopping as number), '2026-03-02T01:15:00+00:00');
    assert.deepEqual(t.log(run.runId), [
      'scheduled: 2026-03-02T01:00:00+00:00',
      'stop time: 2026-03-02T01:15:00+00:00',
      'starting',
      'running',
      'stopping',
      'error: program stopped',
    ]);
    await t.stop();
  });

  it('replaces jobs: drops expected runs of removed jobs, regenerates changed ones', async () => {
    const t = await TestRuntime.start({ a: HOURLY, b: HOURLY });
    assert.equal(t.runtime.scheduler.expected.size, 48);
    const { jobsFrom } = await import('../support/runtime.js');
    const changes = t.runtime.replaceJobs(
      jobsFrom({
        a: 'params: [time]\nschedule: {type: interval, interval: 2h}\nprogram: {type: no-op}\n',
        c: HOURLY,
      }),
    );
    assert.deepEqual(
      { ...changes, unscheduled: changes.unscheduled.length },
      { removed: ['b'], added: ['c'], changed: ['a'], unscheduled: 48 },
    );
    await t.settle();
    assert.equal(t.runtime.scheduler.expected.size, 12 + 24);
    await t.advance(2 * 3_600_000);
    assert.deepEqual(
      t.stored().map((r) => `${r.jobId} ${r.args.time}`),
      ['c 2026-03-02T01:00:00+00:00', 'a 2026-03-02T02:00:00+00:00', 'c 2026-03-02T02:00:00+00:00'],
    );
    assert.equal(t.stored('b').length, 0);
    await t.stop();
  });
});

describe('releasing a burst', () => {
  const burst: Record<string, string> = {};
  for (let i = 0; i < 12; i++) {
    burst[`j${String(i).padStart(2, '0')}`] =
      'schedule: {type: explicit, times: "2026-03-02T01:00:00Z"}\nprogram: {type: no-op}\n';
  }

  it('releases runs due together in slices, yielding between them, all of them once', async () => {
    // A zero slice releases one run per turn: the most yielding there can be.
    const t = await TestRuntime.start(burst, { releaseSliceMs: 0 });
    await t.advanceTo('2026-03-02T01:00:00Z');
    const runs = t.stored();
    assert.equal(runs.length, 12);
    assert.ok(runs.every((r) => r.state === 'success'));
    assert.deepEqual(
      runs.map((r) => r.jobId),
      Object.keys(burst),
    );
    await t.stop();
  });

  it('neither loses nor doubles a run when the daemon dies halfway through releasing an instant', async () => {
    const t = await TestRuntime.start(burst, { releaseSliceMs: 0 });
    // Fire the alarm once: one slice (one run) is released, then the daemon
    // "dies" with what it wrote committed and the rest of the instant not yet
    // released. It is abandoned: its clock never moves again.
    t.clock.set(parseTime('2026-03-02T01:00:00Z') - 1);
    assert.equal(t.clock.nextTimerAt(), parseTime('2026-03-02T01:00:00Z'));
    t.clock.fireNext();
    t.store.flush();
    const before = t.stored().map((r) => r.jobId);
    assert.ok(
      before.length >= 1 && before.length < 12,
      `released ${before.length} before the crash`,
    );
    // A second daemon on the same file, as after a restart.
    const clock = new ManualClock(t.now);
    const store = createRunStore(openDatabase(t.dbPath), { clock });
    const runtime = new Runtime({
      clock,
      store,
      jobs: jobsFrom(burst),
      calendars: builtinCalendars,
      horizonMs: 86_400_000,
    });
    await runtime.start();
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.set(clock.now());
    }
    const after = store.queryRuns({});
    assert.deepEqual(after.map((r) => r.jobId).sort(), Object.keys(burst));
    // The runs the first daemon had started end as §8.4 says (a run it left
    // starting might have started, so it errs); the rest run once.
    for (const run of after) {
      if (before.includes(run.jobId))
        assert.ok(['success', 'error'].includes(run.state), `${run.jobId} ${run.state}`);
      else assert.equal(run.state, 'success', run.jobId);
    }
    await runtime.stop();
    store.close();
  });
});
