import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { State } from '../../src/runs/index.js';
import { formatTime } from '../../src/time/index.js';
import { TestRuntime } from '../support/runtime.js';

// The runtime starts at 2026-03-02T00:00:00Z, a Monday.
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY = '2026-03-02';

const submit = (t: TestRuntime, jobId: string, args: Record<string, string> = {}) =>
  t.submit(jobId, args);

function state(t: TestRuntime, runId: string): State {
  return t.run(runId).state;
}

/** When the run entered `s`, as an ISO time, or undefined. */
function timeOf(t: TestRuntime, runId: string, s: State): string | undefined {
  const time = t.run(runId).times[s];
  return time === undefined ? undefined : formatTime(time);
}

function states(t: TestRuntime, runIds: readonly string[]): State[] {
  return runIds.map((id) => state(t, id));
}

/** A job of param `date` whose no-op program runs `duration` and ends as `success` says. */
function job(body: string, duration = '0s', success = true): string {
  return `params: [date]\nprogram: {type: no-op, duration: ${duration}, success: ${success}}\n${body}`;
}

const A_5M = job('', '5m');
const A_FAILS = job('', '5m', false);

describe('dependency', () => {
  it('waits for the dependency to succeed and starts in the same step, with no polling', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      b: job('condition: {type: dependency, job_id: a}\n'),
    });
    const b = await submit(t, 'b', { date: DAY });
    assert.equal(state(t, b), 'waiting');
    assert.equal(t.runtime.bus.watchedInstances, 1);
    await t.advance(HOUR_MS);
    assert.equal(state(t, b), 'waiting');
    const a = await submit(t, 'a', { date: DAY });
    await t.advance(4 * MINUTE_MS);
    assert.equal(state(t, b), 'waiting');
    await t.advance(MINUTE_MS);
    assert.equal(state(t, a), 'success');
    assert.equal(state(t, b), 'success');
    assert.equal(timeOf(t, b, 'starting'), timeOf(t, a, 'success'));
    assert.equal(timeOf(t, b, 'starting'), '2026-03-02T01:05:00+00:00');
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
      'starting',
      'running',
      'success',
    ]);
    // Woken by a's transitions, not by a timer: nothing is left watching once b has started.
    assert.equal(t.runtime.bus.watchedInstances, 0);
    await t.stop();
  });

  it('is satisfied only by success by default, not by failure', async () => {
    const t = await TestRuntime.start({
      a: A_FAILS,
      b: job('condition: {type: dependency, job_id: a}\n'),
    });
    const b = await submit(t, 'b', { date: DAY });
    const a = await submit(t, 'a', { date: DAY });
    await t.advance(10 * MINUTE_MS);
    assert.equal(state(t, a), 'failure');
    assert.equal(state(t, b), 'waiting');
    await t.stop();
  });

  it('accepts any of custom states, here success or failure', async () => {
    const t = await TestRuntime.start({
      a: A_FAILS,
      b: job('condition: {type: dependency, job_id: a, states: [success, failure]}\n'),
    });
    const b = await submit(t, 'b', { date: DAY });
    await submit(t, 'a', { date: DAY });
    await t.advance(5 * MINUTE_MS);
    assert.equal(state(t, b), 'success');
    assert.equal(t.log(b)[2], `waiting until: dependency a(date=${DAY}) is success|failure`);
    await t.stop();
  });

  it('is satisfied at once by a success recorded long ago and known only to the database', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      b: job('condition: {type: dependency, job_id: a}\n'),
    });
    const a = await submit(t, 'a', { date: DAY });
    await t.advance(10 * MINUTE_MS);
    assert.equal(state(t, a), 'success');
    await t.runtime.stop();
    t.store.close();
    t.clock.advance(90 * 24 * HOUR_MS);
    await t.open();
    assert.equal(t.runtime.registry.has(a), false);
    const b = await submit(t, 'b', { date: DAY });
    assert.equal(state(t, b), 'success');
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
      'starting',
      'running',
      'success',
    ]);
    await t.stop();
  });

  it('is not satisfied by a run of the same job with different args', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      b: job('condition: {type: dependency, job_id: a}\n'),
    });
    const b = await submit(t, 'b', { date: DAY });
    await submit(t, 'a', { date: '2026-03-01' });
    await submit(t, 'a', { date: '2026-03-03' });
    await t.advance(10 * MINUTE_MS);
    assert.equal(state(t, b), 'waiting');
    await submit(t, 'a', { date: DAY });
    await t.advance(5 * MINUTE_MS);
    assert.equal(state(t, b), 'success');
    await t.stop();
  });

  it('with exist: true, errors at once when no run of the dependency exists', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      b: job('condition: {type: dependency, job_id: a, exist: true}\n'),
    });
    const b = await submit(t, 'b', { date: DAY });
    assert.equal(state(t, b), 'error');
    assert.equal(timeOf(t, b, 'error'), '2026-03-02T00:00:00+00:00');
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success, must exist as new|scheduled|waiting|starting|running|stopping|success`,
      `no dependency a(date=${DAY}) exists in new|scheduled|waiting|starting|running|stopping|success`,
    ]);
    await t.stop();
  });

  it('with exist: true, waits for a dependency that is only expected later', async () => {
    const t = await TestRuntime.start({
      a: `params: [date]\nschedule: {type: daily, tz: UTC, daytime: "06:00:00"}\nprogram: {type: no-op, duration: 5m}\n`,
      b: job('condition: {type: dependency, job_id: a, exist: true}\n'),
    });
    assert.deepEqual(t.stored('a'), []);
    const b = await submit(t, 'b', { date: DAY });
    assert.equal(state(t, b), 'waiting');
    await t.advanceTo('2026-03-02T06:04:00Z');
    assert.equal(state(t, b), 'waiting');
    await t.advance(MINUTE_MS);
    assert.equal(state(t, b), 'success');
    assert.equal(timeOf(t, b, 'starting'), '2026-03-02T06:05:00+00:00');
    await t.stop();
  });

  it('with exist: [success], succeeds if the watched run already succeeded and errs at once otherwise (the alarm pattern)', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      alarm: job('condition: {type: dependency, job_id: a, exist: [success]}\n'),
    });
    await submit(t, 'a', { date: DAY });
    const early = await submit(t, 'alarm', { date: DAY });
    assert.equal(state(t, early), 'error');
    assert.equal(t.log(early).at(-1), `no dependency a(date=${DAY}) exists in success`);
    await t.advance(5 * MINUTE_MS);
    const late = await submit(t, 'alarm', { date: DAY });
    assert.equal(state(t, late), 'success');
    await t.stop();
  });

  it('with exist, turns the dependent to error when its dependency later fails', async () => {
    const t = await TestRuntime.start({
      a: A_FAILS,
      b: job('condition: {type: dependency, job_id: a, exist: true}\n'),
    });
    const a = await submit(t, 'a', { date: DAY });
    const b = await submit(t, 'b', { date: DAY });
    assert.equal(state(t, b), 'waiting');
    await t.advance(5 * MINUTE_MS);
    assert.equal(state(t, a), 'failure');
    assert.equal(state(t, b), 'error');
    assert.equal(timeOf(t, b, 'error'), '2026-03-02T00:05:00+00:00');
    assert.equal(
      t.log(b).at(-1),
      `no dependency a(date=${DAY}) exists in new|scheduled|waiting|starting|running|stopping|success`,
    );
    await t.stop();
  });

  it('expands a templated job id and args with template helpers', async () => {
    const ref = job('', '5m');
    const t = await TestRuntime.start({
      'ref/eu': ref,
      'ref/us': ref,
      load: [
        'params: [date, region]',
        'program: {type: no-op}',
        'condition:',
        '  type: dependency',
        '  job_id: "ref/{{ region }}"',
        '  args: {date: "{{ get_calendar(\'Mon-Fri\').before(date) }}"}',
        '',
      ].join('\n'),
    });
    // 2026-03-01 is a Sunday: the weekday on or before it is Friday the 27th.
    const load = await submit(t, 'load', { date: '2026-03-01', region: 'eu' });
    assert.equal(t.log(load)[2], 'waiting until: dependency ref/eu(date=2026-02-27) is success');
    await submit(t, 'ref/us', { date: '2026-02-27' });
    await submit(t, 'ref/eu', { date: '2026-03-01' });
    await t.advance(10 * MINUTE_MS);
    assert.equal(state(t, load), 'waiting');
    await submit(t, 'ref/eu', { date: '2026-02-27' });
    await t.advance(5 * MINUTE_MS);
    assert.equal(state(t, load), 'success');
    assert.deepEqual(t.run(load).conds, [
      {
        type: 'dependency',
        job_id: 'ref/eu',
        args: { date: '2026-02-27' },
        states: ['success'],
        exist: null,
      },
    ]);
    await t.stop();
  });

  it('is satisfied when its dependency is marked success', async () => {
    const t = await TestRuntime.start({
      a: job('', '0s', false),
      b: job('condition: {type: dependency, job_id: a}\n'),
    });
    const a = await submit(t, 'a', { date: DAY });
    const b = await submit(t, 'b', { date: DAY });
    await t.advance(MINUTE_MS);
    assert.equal(state(t, b), 'waiting');
    t.runtime.operations.mark(a, 'success');
    await t.settle();
    assert.equal(state(t, b), 'success');
    assert.equal(timeOf(t, b, 'starting'), '2026-03-02T00:01:00+00:00');
    await t.stop();
  });

  it('with exist: true, keeps waiting across a restart for a dependency that is only expected', async () => {
    const t = await TestRuntime.start({
      a: `params: [date]\nschedule: {type: daily, tz: UTC, daytime: "06:00:00"}\nprogram: {type: no-op, duration: 5m}\n`,
      b: job('condition: {type: dependency, job_id: a, exist: true}\n'),
    });
    const b = await submit(t, 'b', { date: DAY });
    await t.advance(HOUR_MS);
    await t.restart();
    assert.equal(state(t, b), 'waiting');
    await t.advanceTo('2026-03-02T06:05:00Z');
    assert.equal(state(t, b), 'success');
    await t.stop();
  });

  it('fails binding, so the run errs, when the dependency job does not exist or a param has no value', async () => {
    const t = await TestRuntime.start({
      a: 'params: [date, region]\nprogram: {type: no-op}\n',
      unknown: job('condition: {type: dependency, job_id: nope}\n'),
      unbound: job('condition: {type: dependency, job_id: a}\n'),
    });
    const unknown = await submit(t, 'unknown', { date: DAY });
    const unbound = await submit(t, 'unbound', { date: DAY });
    assert.deepEqual(states(t, [unknown, unbound]), ['error', 'error']);
    assert.deepEqual(t.log(unknown), ['error: unknown job ID: nope']);
    assert.deepEqual(t.log(unbound), ['error: no value for param region of job a']);
    await t.stop();
  });
});

describe('max_running', () => {
  const LIMITED = job('condition: {type: max_running, count: 1}\n', '10m');

  it('holds a second run of the same args until the first finishes, then starts it', async () => {
    const t = await TestRuntime.start({ j: LIMITED });
    const first = await submit(t, 'j', { date: DAY });
    const second = await submit(t, 'j', { date: DAY });
    assert.deepEqual(states(t, [first, second]), ['running', 'waiting']);
    assert.deepEqual(t.log(second), [
      'scheduled: now',
      'waiting',
      `waiting until: fewer than 1 runs of j(date=${DAY}) running`,
    ]);
    await t.advance(10 * MINUTE_MS);
    assert.deepEqual(states(t, [first, second]), ['success', 'running']);
    assert.equal(timeOf(t, second, 'starting'), timeOf(t, first, 'success'));
    await t.advance(10 * MINUTE_MS);
    assert.equal(state(t, second), 'success');
    await t.stop();
  });

  it('does not count runs with different args', async () => {
    const t = await TestRuntime.start({ j: LIMITED });
    const first = await submit(t, 'j', { date: DAY });
    const other = await submit(t, 'j', { date: '2026-03-03' });
    assert.deepEqual(states(t, [first, other]), ['running', 'running']);
    await t.stop();
  });

  it('takes its count from a template', async () => {
    const t = await TestRuntime.start({
      j: job('condition: {type: max_running, count: "{{ 1 + 1 }}"}\n', '10m'),
    });
    const runs = [
      await submit(t, 'j', { date: DAY }),
      await submit(t, 'j', { date: DAY }),
      await submit(t, 'j', { date: DAY }),
    ];
    assert.deepEqual(states(t, runs), ['running', 'running', 'waiting']);
    assert.equal(
      t.log(runs[2] as string)[2],
      `waiting until: fewer than 2 runs of j(date=${DAY}) running`,
    );
    await t.advance(10 * MINUTE_MS);
    assert.deepEqual(states(t, runs), ['success', 'success', 'running']);
    await t.stop();
  });

  it('counts the runs of another job given by job_id', async () => {
    const t = await TestRuntime.start({
      a: job('', '10m'),
      b: job('condition: {type: max_running, job_id: a}\n'),
    });
    const a = await submit(t, 'a', { date: DAY });
    const b = await submit(t, 'b', { date: DAY });
    assert.equal(state(t, b), 'waiting');
    assert.equal(t.log(b)[2], `waiting until: fewer than 1 runs of a(date=${DAY}) running`);
    await t.advance(10 * MINUTE_MS);
    assert.equal(state(t, a), 'success');
    assert.equal(state(t, b), 'success');
    assert.equal(timeOf(t, b, 'starting'), '2026-03-02T00:10:00+00:00');
    await t.stop();
  });

  it('releases held runs one at a time as each finishes', async () => {
    const t = await TestRuntime.start({ j: LIMITED });
    const runs = [
      await submit(t, 'j', { date: DAY }),
      await submit(t, 'j', { date: DAY }),
      await submit(t, 'j', { date: DAY }),
    ];
    assert.deepEqual(states(t, runs), ['running', 'waiting', 'waiting']);
    await t.advance(10 * MINUTE_MS);
    assert.deepEqual(states(t, runs), ['success', 'running', 'waiting']);
    await t.advance(10 * MINUTE_MS);
    assert.deepEqual(states(t, runs), ['success', 'success', 'running']);
    assert.equal(timeOf(t, runs[2] as string, 'starting'), '2026-03-02T00:20:00+00:00');
    await t.stop();
  });

  it('keeps holding a restored waiting run while a run restored after it is still running', async () => {
    const t = await TestRuntime.start({
      a: job('', '30m'),
      b: job('condition: {type: max_running, job_id: a}\n'),
    });
    await submit(t, 'a', { date: DAY });
    const b = await submit(t, 'b', { date: DAY });
    await t.advance(20 * MINUTE_MS);
    // Created after b, so restored after it.
    const later = await submit(t, 'a', { date: DAY });
    await t.advance(20 * MINUTE_MS);
    assert.deepEqual(states(t, [b, later]), ['waiting', 'running']);
    await t.restart();
    assert.deepEqual(states(t, [b, later]), ['waiting', 'running']);
    await t.advance(10 * MINUTE_MS);
    assert.deepEqual(states(t, [b, later]), ['success', 'success']);
    assert.equal(timeOf(t, b, 'starting'), '2026-03-02T00:50:00+00:00');
    await t.stop();
  });
});

describe('skip_duplicate', () => {
  it('skips a run while another run of the same instance is running, by default', async () => {
    const t = await TestRuntime.start({
      j: job('condition: {type: skip_duplicate}\n', '10m'),
    });
    const first = await submit(t, 'j', { date: DAY });
    const second = await submit(t, 'j', { date: DAY });
    const other = await submit(t, 'j', { date: '2026-03-03' });
    assert.deepEqual(states(t, [first, second, other]), ['running', 'skipped', 'running']);
    const log = t.log(second);
    assert.deepEqual(
      [log[0], log[1], log[3]],
      ['scheduled: now', 'waiting', `transitioning to skipped because ${first} running`],
    );
    assert.match(
      log[2] ?? '',
      /^waiting until: transition to skipped if another .* is waiting\|starting\|running$/,
    );
    assert.equal(log.length, 4);
    await t.advance(10 * MINUTE_MS);
    const third = await submit(t, 'j', { date: DAY });
    assert.equal(state(t, third), 'running');
    await t.stop();
  });

  it('lets exactly one of five duplicates run when a dependency releases them together', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      j: job('condition:\n  - {type: dependency, job_id: a}\n  - {type: skip_duplicate}\n', '10m'),
    });
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) runs.push(await submit(t, 'j', { date: DAY }));
    assert.deepEqual(states(t, runs), ['waiting', 'waiting', 'waiting', 'waiting', 'waiting']);
    await submit(t, 'a', { date: DAY });
    await t.advance(5 * MINUTE_MS);
    const after = states(t, runs);
    assert.equal(after.filter((s) => s === 'running').length, 1);
    assert.equal(after.filter((s) => s === 'skipped').length, 4);
    await t.advance(10 * MINUTE_MS);
    const final = states(t, runs);
    assert.equal(final.filter((s) => s === 'success').length, 1);
    assert.equal(final.filter((s) => s === 'skipped').length, 4);
    const skipped = runs.find((id) => state(t, id) === 'skipped') as string;
    assert.match(
      t.log(skipped).at(-1) ?? '',
      /^transitioning to skipped because r\d+ (waiting|starting|running)$/,
    );
    await t.stop();
  });

  it('lets exactly one of five released duplicates run when only starting and running ones count', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      j: job(
        'condition:\n  - {type: dependency, job_id: a}\n  - {type: skip_duplicate, check_states: [starting, running]}\n',
        '10m',
      ),
    });
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) runs.push(await submit(t, 'j', { date: DAY }));
    await submit(t, 'a', { date: DAY });
    await t.advance(5 * MINUTE_MS);
    const after = states(t, runs);
    assert.equal(after.filter((s) => s === 'running').length, 1);
    assert.equal(after.filter((s) => s === 'skipped').length, 4);
    const winner = runs.find((id) => state(t, id) === 'running') as string;
    for (const id of runs.filter((r) => r !== winner)) {
      assert.match(
        t.log(id).at(-1) ?? '',
        new RegExp(`^transitioning to skipped because ${winner} (starting|running)$`),
      );
    }
    await t.stop();
  });

  for (const target of ['error', 'success', 'failure'] as const) {
    it(`sends a duplicate to target_state ${target}`, async () => {
      const t = await TestRuntime.start({
        j: job(`condition: {type: skip_duplicate, target_state: ${target}}\n`, '10m'),
      });
      const first = await submit(t, 'j', { date: DAY });
      const second = await submit(t, 'j', { date: DAY });
      assert.equal(state(t, second), target);
      assert.equal(t.store.getRun(second)?.state, target);
      assert.equal(timeOf(t, second, target), '2026-03-02T00:00:00+00:00');
      assert.equal(t.log(second).at(-1), `transitioning to ${target} because ${first} running`);
      assert.equal(state(t, first), 'running');
      await t.stop();
    });
  }

  it('with check_states [failure, error], sees finished runs known only to the database', async () => {
    const t = await TestRuntime.start({
      j: job(
        'condition: {type: skip_duplicate, check_states: [failure, error], target_state: error}\n',
        '0s',
        false,
      ),
    });
    const first = await submit(t, 'j', { date: DAY });
    assert.equal(state(t, first), 'failure');
    await t.restart();
    assert.equal(t.runtime.registry.has(first), false);
    const second = await submit(t, 'j', { date: DAY });
    assert.equal(state(t, second), 'error');
    assert.equal(t.log(second).at(-1), `transitioning to error because ${first} failure`);
    const other = await submit(t, 'j', { date: '2026-03-03' });
    assert.equal(state(t, other), 'failure');
    await t.stop();
  });

  it('counts an expected run of the same instance as scheduled', async () => {
    const t = await TestRuntime.start({
      daily: [
        'params: [date]',
        'schedule: {type: daily, tz: UTC, daytime: "06:00:00"}',
        'program: {type: no-op}',
        'condition: {type: skip_duplicate, check_states: [scheduled]}',
        '',
      ].join('\n'),
    });
    const [expected] = t.runtime.scheduler.expectedOf('daily', { date: DAY });
    assert.ok(expected);
    const manual = await submit(t, 'daily', { date: DAY });
    assert.equal(state(t, manual), 'skipped');
    assert.equal(t.log(manual).at(-1), `transitioning to skipped because ${expected} scheduled`);
    await t.advanceTo('2026-03-02T06:00:00Z');
    assert.equal(state(t, expected), 'success');
    await t.stop();
  });

  it('describes itself with the instance in the run log, as Apsis’s bound form does', async () => {
    const t = await TestRuntime.start({ j: job('condition: {type: skip_duplicate}\n') });
    const run = await submit(t, 'j', { date: DAY });
    assert.equal(
      t.log(run)[2],
      `waiting until: transition to skipped if another j(date=${DAY}) is waiting|starting|running`,
    );
    await t.stop();
  });
});

describe('const', () => {
  it('passes at once when true', async () => {
    const t = await TestRuntime.start({ j: job('condition: {type: const, value: true}\n') });
    const run = await submit(t, 'j', { date: DAY });
    assert.equal(state(t, run), 'success');
    assert.deepEqual(t.log(run), [
      'scheduled: now',
      'waiting',
      'waiting until: const true',
      'starting',
      'running',
      'success',
    ]);
    await t.stop();
  });

  it('waits forever when false and there is no waiting.max_time', async () => {
    const t = await TestRuntime.start({ j: job('condition: {type: const, value: false}\n') });
    const run = await submit(t, 'j', { date: DAY });
    // Past the longest single timer (2^31 - 1 ms, about 24.8 days) too.
    t.clock.advance(30 * 24 * HOUR_MS);
    await t.settle();
    assert.equal(state(t, run), 'waiting');
    assert.deepEqual(t.log(run), ['scheduled: now', 'waiting', 'waiting until: const false']);
    await t.stop();
  });

  it('errs after exactly waiting.max_time when false', async () => {
    const t = await TestRuntime.start(
      { j: job('condition: {type: const, value: false}\n') },
      { waitingMaxTimeMs: HOUR_MS },
    );
    const run = await submit(t, 'j', { date: DAY });
    await t.advance(HOUR_MS - 1);
    assert.equal(state(t, run), 'waiting');
    await t.advance(1);
    assert.equal(state(t, run), 'error');
    assert.equal(timeOf(t, run, 'error'), '2026-03-02T01:00:00+00:00');
    assert.deepEqual(t.log(run), [
      'scheduled: now',
      'waiting',
      'waiting until: const false',
      'waiting for const false: timeout after 3600.0 s',
    ]);
    await t.stop();
  });
});

describe('enabled', () => {
  it('drops a condition with enabled: false, so the run starts without waiting', async () => {
    const t = await TestRuntime.start({
      j: job('condition: {type: const, value: false, enabled: false}\n'),
    });
    const run = await submit(t, 'j', { date: DAY });
    assert.equal(state(t, run), 'success');
    assert.deepEqual(t.run(run).conds, []);
    assert.deepEqual(t.log(run), ['scheduled: now', 'starting', 'running', 'success']);
    await t.stop();
  });

  it('evaluates a quoted template per run', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      load: [
        'params: [date, region]',
        'program: {type: no-op}',
        'condition:',
        '  type: dependency',
        '  job_id: a',
        `  enabled: "{{ region != 'test' }}"`,
        '',
      ].join('\n'),
    });
    const test = await submit(t, 'load', { date: DAY, region: 'test' });
    const eu = await submit(t, 'load', { date: DAY, region: 'eu' });
    assert.equal(state(t, test), 'success');
    assert.equal(state(t, eu), 'waiting');
    await t.stop();
  });

  it('converts the rendered text as Apsis does: only false, False and the empty string disable', async () => {
    const t = await TestRuntime.start({
      j: 'params: [flag]\nprogram: {type: no-op}\ncondition: {type: const, value: false, enabled: "{{ flag }}"}\n',
    });
    const cases: [string, State][] = [
      ['true', 'waiting'],
      ['True', 'waiting'],
      ['0', 'waiting'],
      ['no', 'waiting'],
      ['false', 'success'],
      ['False', 'success'],
      ['', 'success'],
    ];
    for (const [flag, expected] of cases) {
      const run = await submit(t, 'j', { flag });
      assert.equal(state(t, run), expected, `enabled: ${JSON.stringify(flag)}`);
    }
    await t.stop();
  });
});

describe('waiting', () => {
  it('evaluates conditions in order, logging each when it is reached', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      c: job('', '10m'),
      b: job('condition:\n  - {type: dependency, job_id: a}\n  - {type: dependency, job_id: c}\n'),
    });
    const b = await submit(t, 'b', { date: DAY });
    await submit(t, 'c', { date: DAY });
    await submit(t, 'a', { date: DAY });
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
    ]);
    await t.advance(5 * MINUTE_MS);
    assert.deepEqual(t.log(b).slice(3), [`waiting until: dependency c(date=${DAY}) is success`]);
    await t.advance(5 * MINUTE_MS);
    assert.equal(state(t, b), 'success');
    assert.equal(timeOf(t, b, 'starting'), '2026-03-02T00:10:00+00:00');
    assert.deepEqual(t.log(b).slice(3), [
      `waiting until: dependency c(date=${DAY}) is success`,
      'starting',
      'running',
      'success',
    ]);
    await t.stop();
  });

  it('checks the next condition at once when the previous one is satisfied', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      c: job(''),
      b: job('condition:\n  - {type: dependency, job_id: a}\n  - {type: dependency, job_id: c}\n'),
    });
    await submit(t, 'c', { date: DAY });
    const b = await submit(t, 'b', { date: DAY });
    await submit(t, 'a', { date: DAY });
    await t.advance(5 * MINUTE_MS);
    assert.equal(state(t, b), 'success');
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
      `waiting until: dependency c(date=${DAY}) is success`,
      'starting',
      'running',
      'success',
    ]);
    await t.stop();
  });

  it('starts a waiting run at once when started by override, skipping the remaining conditions', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      b: job(
        'condition:\n  - {type: dependency, job_id: a}\n  - {type: const, value: false}\n',
        '10m',
      ),
    });
    const b = await submit(t, 'b', { date: DAY });
    await t.advance(MINUTE_MS);
    t.runtime.operations.start(b);
    await t.settle();
    assert.equal(state(t, b), 'running');
    assert.equal(timeOf(t, b, 'starting'), '2026-03-02T00:01:00+00:00');
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
      'waiting run started by override',
      'starting',
      'running',
    ]);
    assert.equal(t.runtime.bus.watchedInstances, 0);
    await submit(t, 'a', { date: DAY });
    await t.advance(10 * MINUTE_MS);
    assert.equal(state(t, b), 'success');
    await t.stop();
  });

  it('skips a waiting run, which then ignores its dependency', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      b: job('condition: {type: dependency, job_id: a}\n'),
    });
    const b = await submit(t, 'b', { date: DAY });
    t.runtime.operations.skip(b);
    await t.settle();
    assert.equal(state(t, b), 'skipped');
    assert.equal(t.runtime.bus.watchedInstances, 0);
    await submit(t, 'a', { date: DAY });
    await t.advance(5 * MINUTE_MS);
    assert.equal(state(t, b), 'skipped');
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
      'skipped',
    ]);
    await t.stop();
  });

  it('measures waiting.max_time from when the run started waiting, across a restart', async () => {
    const files = { a: A_5M, b: job('condition: {type: dependency, job_id: a}\n') };
    const t = await TestRuntime.start(files, { waitingMaxTimeMs: HOUR_MS });
    const b = await submit(t, 'b', { date: DAY });
    await t.advance(50 * MINUTE_MS);
    await t.restart();
    assert.equal(state(t, b), 'waiting');
    await t.advance(10 * MINUTE_MS - 1);
    assert.equal(state(t, b), 'waiting');
    await t.advance(1);
    assert.equal(state(t, b), 'error');
    assert.equal(timeOf(t, b, 'error'), '2026-03-02T01:00:00+00:00');
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
      'restored',
      `waiting until: dependency a(date=${DAY}) is success`,
      `waiting for dependency a(date=${DAY}) is success: timeout after 3600.0 s`,
    ]);
    await t.stop();
  });

  it('restores a waiting run after a restart, which starts when its dependency succeeds', async () => {
    const files = { a: job('', '30m'), b: job('condition: {type: dependency, job_id: a}\n') };
    const t = await TestRuntime.start(files);
    const a = await submit(t, 'a', { date: DAY });
    const b = await submit(t, 'b', { date: DAY });
    await t.advance(10 * MINUTE_MS);
    await t.restart();
    assert.deepEqual(states(t, [a, b]), ['running', 'waiting']);
    await t.advance(20 * MINUTE_MS);
    assert.deepEqual(states(t, [a, b]), ['success', 'success']);
    assert.equal(timeOf(t, b, 'starting'), '2026-03-02T00:30:00+00:00');
    assert.deepEqual(t.log(b), [
      'scheduled: now',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
      'restored',
      `waiting until: dependency a(date=${DAY}) is success`,
      'starting',
      'running',
      'success',
    ]);
    await t.stop();
  });

  it('names the condition being waited for when waiting.max_time runs out', async () => {
    const t = await TestRuntime.start(
      { j: job('condition:\n  - {type: const, value: true}\n  - {type: const, value: false}\n') },
      { waitingMaxTimeMs: HOUR_MS },
    );
    const run = await submit(t, 'j', { date: DAY });
    await t.advance(HOUR_MS);
    assert.equal(state(t, run), 'error');
    assert.deepEqual(t.log(run).slice(2), [
      'waiting until: const true',
      'waiting until: const false',
      'waiting for const false: timeout after 3600.0 s',
    ]);
    await t.stop();
  });

  it('errs a restored waiting run at once when waiting.max_time ran out while the daemon was down', async () => {
    const t = await TestRuntime.start(
      { a: A_5M, b: job('condition: {type: dependency, job_id: a}\n') },
      { waitingMaxTimeMs: HOUR_MS },
    );
    const b = await submit(t, 'b', { date: DAY });
    await t.advance(30 * MINUTE_MS);
    await t.runtime.stop();
    t.store.close();
    t.clock.advance(HOUR_MS);
    await t.open();
    await t.advance(0);
    assert.equal(state(t, b), 'error');
    assert.equal(timeOf(t, b, 'error'), '2026-03-02T01:30:00+00:00');
    assert.equal(
      t.log(b).at(-1),
      `waiting for dependency a(date=${DAY}) is success: timeout after 3600.0 s`,
    );
    await t.stop();
  });

  it('errs the run when checking a condition throws, with the message as output', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      b: job('condition: {type: dependency, job_id: a}\n'),
    });
    const queryRuns = t.store.queryRuns.bind(t.store);
    t.store.queryRuns = () => {
      throw new Error('disk on fire');
    };
    const b = t.runtime.operations.schedule({ jobId: 'b', args: { date: DAY } }).runId;
    t.store.queryRuns = queryRuns;
    await t.settle();
    assert.equal(state(t, b), 'error');
    assert.deepEqual(t.log(b).slice(3), [
      `waiting for dependency a(date=${DAY}) is success: failed`,
      'error: disk on fire',
    ]);
    assert.equal(new TextDecoder().decode(t.store.getOutput(b, 'output')?.data), 'disk on fire');
    await t.stop();
  });

  it('still applies conditions to a scheduled run started by override', async () => {
    const t = await TestRuntime.start({
      a: A_5M,
      b: job('condition: {type: dependency, job_id: a}\n'),
    });
    const b = t.runtime.operations.schedule({
      jobId: 'b',
      args: { date: DAY },
      time: t.now + HOUR_MS,
    }).runId;
    await t.settle();
    assert.equal(state(t, b), 'scheduled');
    t.runtime.operations.start(b);
    await t.settle();
    assert.equal(state(t, b), 'waiting');
    assert.deepEqual(t.log(b), [
      'scheduled: 2026-03-02T01:00:00+00:00',
      'scheduled run started by override',
      'waiting',
      `waiting until: dependency a(date=${DAY}) is success`,
    ]);
    await submit(t, 'a', { date: DAY });
    await t.advance(5 * MINUTE_MS);
    assert.equal(state(t, b), 'success');
    await t.stop();
  });
});
