import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionSchema, type ActionSpec } from '../../src/actions/index.js';
import { formatTime } from '../../src/time/index.js';
import { TestRuntime } from '../support/runtime.js';

// The runtime starts at 2026-03-02T00:00:00Z.
const MINUTE_MS = 60_000;
const DAY = '2026-03-02';

const submit = (t: TestRuntime, jobId: string, args: Record<string, string> = {}) =>
  t.submit(jobId, args);

/** Stored runs of `jobId` as `runId state args`. */
function runsOf(t: TestRuntime, jobId: string): string[] {
  return t.stored(jobId).map((r) => `${r.runId} ${r.state} ${JSON.stringify(r.args)}`);
}

/** The run log lines about actions. */
function actionLines(t: TestRuntime, runId: string): string[] {
  return t.log(runId).filter((line) => line.startsWith('action ') || line.startsWith('error: '));
}

function parseAction(jso: unknown): ActionSpec {
  return actionSchema.parse(jso);
}

/** A no-op job of param `date` that runs `duration` and ends as `success` says, plus `body`. */
function job(body = '', duration = '0s', success = true): string {
  return `params: [date]\nprogram: {type: no-op, duration: ${duration}, success: ${success}}\n${body}`;
}

const ON_FAILURE = 'action: {type: schedule, job_id: alert, if: {states: [failure, error]}}\n';

describe('schedule action', () => {
  it('fires on a failure when its if names failure and error', async () => {
    const t = await TestRuntime.start({ fails: job(ON_FAILURE, '5m', false), alert: job() });
    const run = await submit(t, 'fails', { date: DAY });
    assert.deepEqual(t.stored('alert'), []);
    await t.advance(5 * MINUTE_MS);
    const [alert] = t.stored('alert');
    assert.ok(alert);
    assert.deepEqual(alert.args, { date: DAY });
    assert.equal(alert.state, 'success');
    assert.equal(formatTime(alert.times.schedule as number), '2026-03-02T00:05:00+00:00');
    assert.deepEqual(t.log(run), [
      'scheduled: now',
      'starting',
      'running',
      'failure: failed',
      `action scheduling alert(date=${DAY}) as ${alert.runId}`,
    ]);
    // As in Apsis, the new run has started by the time the action logs it.
    assert.deepEqual(t.log(alert.runId), [
      'scheduled: now',
      'starting',
      `scheduled by action of ${run}`,
      'running',
      'success',
    ]);
    assert.equal(t.run(run).state, 'failure');
    await t.stop();
  });

  it('does not fire on a success when its if names failure and error', async () => {
    const t = await TestRuntime.start({ succeeds: job(ON_FAILURE, '5m'), alert: job() });
    const run = await submit(t, 'succeeds', { date: DAY });
    await t.advance(10 * MINUTE_MS);
    assert.equal(t.run(run).state, 'success');
    assert.deepEqual(t.stored('alert'), []);
    assert.deepEqual(actionLines(t, run), []);
    await t.stop();
  });

  it('expands its args with the triggering run’s args and passes on the target’s params that run has', async () => {
    const t = await TestRuntime.start({
      load: [
        'params: [date, region]',
        'program: {type: no-op}',
        'action:',
        '  type: schedule',
        '  job_id: report',
        '  args: {label: "{{ region }}-{{ date }}"}',
        '  if: {states: [success]}',
        '',
      ].join('\n'),
      report: 'params: [date, label]\nprogram: {type: no-op}\n',
    });
    const run = await submit(t, 'load', { date: DAY, region: 'eu' });
    const [report] = t.stored('report');
    assert.ok(report);
    // region is not a param of report: it is not passed on.
    assert.deepEqual(report.args, { date: DAY, label: `eu-${DAY}` });
    assert.equal(report.state, 'success');
    assert.deepEqual(actionLines(t, run), [
      `action scheduling report(date=${DAY} label=eu-${DAY}) as ${report.runId}`,
    ]);
    await t.stop();
  });

  it('prefers an explicit arg to the triggering run’s arg of the same name', async () => {
    const t = await TestRuntime.start({
      today: job(
        'action: {type: schedule, job_id: next, args: {date: "2026-03-03"}, if: {states: [success]}}\n',
      ),
      next: job(),
    });
    await submit(t, 'today', { date: DAY });
    assert.deepEqual(runsOf(t, 'next'), ['r2 success {"date":"2026-03-03"}']);
    await t.stop();
  });

  for (const [template, name] of [
    ['{{ run_id }}', 'run_id'],
    ['{{ job_id }}', 'job_id'],
    ["{{ get_calendar('Mon-Fri').before(date) }}", 'get_calendar'],
  ] as const) {
    it(`expands its args with run args only: ${name} is not defined`, async () => {
      const t = await TestRuntime.start({
        trigger: job(
          `action: {type: schedule, job_id: target, args: {label: "${template}"}, if: {states: [success]}}\n`,
        ),
        target: 'params: [date, label]\nprogram: {type: no-op}\n',
      });
      const run = await submit(t, 'trigger', { date: DAY });
      assert.equal(t.run(run).state, 'success');
      assert.deepEqual(t.stored('target'), []);
      assert.deepEqual(actionLines(t, run), [`error: name '${name}' is not defined`]);
      await t.stop();
    });
  }

  it('creates an error run when the expanded args do not fit the target job', async () => {
    const t = await TestRuntime.start({
      trigger: job(
        'action: {type: schedule, job_id: target, args: {extra: x}, if: {states: [success]}}\n',
      ),
      target: job(),
    });
    const run = await submit(t, 'trigger', { date: DAY });
    const [target] = t.stored('target');
    assert.ok(target);
    assert.equal(target.state, 'error');
    assert.deepEqual(target.args, { date: DAY, extra: 'x' });
    assert.deepEqual(actionLines(t, run), [
      `action scheduling target(date=${DAY} extra=x) as ${target.runId}`,
    ]);
    assert.deepEqual(t.log(target.runId), [
      'error: extra args (extra) for job target',
      `scheduled by action of ${run}`,
    ]);
    await t.stop();
  });

  it('fires on every transition when it has no if (spec §5.1): scheduled, waiting, starting, running, success', async () => {
    const t = await TestRuntime.start({
      chatty: job(
        'condition: {type: const, value: true}\naction: {type: schedule, job_id: echo}\n',
      ),
      echo: job(),
    });
    const run = await submit(t, 'chatty', { date: DAY });
    const echoes = t.stored('echo');
    assert.equal(echoes.length, 5);
    assert.deepEqual(
      actionLines(t, run),
      echoes.map((e) => `action scheduling echo(date=${DAY}) as ${e.runId}`),
    );
    for (const echo of echoes)
      assert.ok(t.log(echo.runId).includes(`scheduled by action of ${run}`));
    // Stored with a sane default: no if means every state.
    assert.deepEqual(t.store.getRun(run)?.actions, [
      { type: 'schedule', job_id: 'echo', args: {}, if: null },
    ]);
    await t.stop();
  });

  it('sees the run as it was at the transition, though the run has moved on when the action runs', async () => {
    const t = await TestRuntime.start({
      trigger: job(
        [
          'action:',
          '  - {type: schedule, job_id: on-scheduled, if: {states: [scheduled]}}',
          '  - {type: schedule, job_id: on-starting, if: {states: [starting]}}',
          '',
        ].join('\n'),
        '10m',
      ),
      'on-scheduled': job(),
      'on-starting': job(),
    });
    const run = await submit(t, 'trigger', { date: DAY });
    assert.equal(t.run(run).state, 'running');
    const [onScheduled] = t.stored('on-scheduled');
    const [onStarting] = t.stored('on-starting');
    assert.ok(onScheduled && onStarting);
    // Actions run once the transition is committed, when the run is already
    // starting; each still saw the state of its own transition.
    assert.deepEqual(t.log(run), [
      'scheduled: now',
      'starting',
      `action scheduling on-scheduled(date=${DAY}) as ${onScheduled.runId}`,
      `action scheduling on-starting(date=${DAY}) as ${onStarting.runId}`,
      'running',
    ]);
    await t.stop();
  });

  it('logs an error on the triggering run when the target job does not exist, and leaves its state alone', async () => {
    const t = await TestRuntime.start({
      trigger: job(
        [
          'action:',
          '  - {type: schedule, job_id: nope, if: {states: [success]}}',
          '  - {type: schedule, job_id: alert, if: {states: [success]}}',
          '',
        ].join('\n'),
      ),
      alert: job(),
    });
    const run = await submit(t, 'trigger', { date: DAY });
    assert.equal(t.run(run).state, 'success');
    assert.equal(t.store.getRun(run)?.state, 'success');
    const [alert] = t.stored('alert');
    assert.ok(alert);
    assert.deepEqual(actionLines(t, run), [
      'error: unknown job ID: nope',
      `action scheduling alert(date=${DAY}) as ${alert.runId}`,
    ]);
    await t.stop();
  });

  it('fires on a transition made by mark', async () => {
    const t = await TestRuntime.start({
      trigger: job('successors: [next]\n', '0s', false),
      next: job(),
    });
    const run = await submit(t, 'trigger', { date: DAY });
    assert.deepEqual(t.stored('next'), []);
    t.runtime.operations.mark(run, 'success');
    await t.settle();
    assert.equal(t.stored('next').length, 1);
    await t.stop();
  });

  it('uses the actions stored with the run, not those of the job as edited later', async () => {
    const before = { trigger: job(ON_FAILURE, '30m', false), alert: job() };
    const t = await TestRuntime.start(before);
    const run = await submit(t, 'trigger', { date: DAY });
    await t.advance(10 * MINUTE_MS);
    await t.restart({ trigger: job('', '30m', false), alert: job() });
    await t.advance(20 * MINUTE_MS);
    assert.equal(t.run(run).state, 'failure');
    assert.equal(t.stored('alert').length, 1);
    await t.stop();
  });

  it('fires on the error a restart gives a run it finds starting', async () => {
    const t = await TestRuntime.start({ trigger: job(ON_FAILURE, '10m'), alert: job() });
    const run = await submit(t, 'trigger', { date: DAY });
    await t.runtime.stop();
    // As if the daemon had died between starting the program and recording it running.
    const stored = t.store.getRun(run);
    assert.ok(stored);
    t.store.updateRun({ ...stored, state: 'starting', runState: null });
    t.store.close();
    await t.open();
    assert.equal(t.run(run).state, 'error');
    const [alert] = t.stored('alert');
    assert.ok(alert);
    assert.deepEqual(t.log(run).slice(-2), [
      'restored starting: might have started',
      `action scheduling alert(date=${DAY}) as ${alert.runId}`,
    ]);
    await t.stop();
  });

  it('fires a scheduled action of an expected run when the run is released, not a day ahead', async () => {
    // A deliberate difference (docs/differences.md): expected runs are compact
    // records until they come due, so they enter `scheduled` then.
    const t = await TestRuntime.start({
      daily: [
        'params: [date]',
        'schedule: {type: daily, tz: UTC, daytime: "06:00:00"}',
        'program: {type: no-op}',
        'action: {type: schedule, job_id: alert, if: {states: [scheduled]}}',
        '',
      ].join('\n'),
      alert: job(),
    });
    assert.equal(t.stored('alert').length, 0);
    await t.advanceTo('2026-03-02T06:00:00Z');
    assert.deepEqual(
      t.stored('alert').map((r) => r.args),
      [{ date: DAY }],
    );
    await t.stop();
  });
});

describe('successors', () => {
  it('fire on success only', async () => {
    const t = await TestRuntime.start({
      ok: job('successors: [next, {job_id: other, args: {date: "2026-03-03"}}]\n', '5m'),
      bad: job('successors: [next]\n', '5m', false),
      next: job(),
      other: job(),
    });
    const ok = await submit(t, 'ok', { date: DAY });
    const bad = await submit(t, 'bad', { date: '2026-03-05' });
    await t.advance(5 * MINUTE_MS);
    assert.equal(t.run(ok).state, 'success');
    assert.equal(t.run(bad).state, 'failure');
    assert.deepEqual(
      t.stored('next').map((r) => r.args),
      [{ date: DAY }],
    );
    assert.deepEqual(
      t.stored('other').map((r) => r.args),
      [{ date: '2026-03-03' }],
    );
    assert.deepEqual(actionLines(t, bad), []);
    await t.stop();
  });
});

describe('global actions', () => {
  const AUDIT: ActionSpec = parseAction({
    type: 'schedule',
    job_id: 'audit',
    if: { states: ['failure', 'error'] },
  });

  it('apply to the runs of every job, alongside the job’s own actions', async () => {
    const t = await TestRuntime.start(
      {
        a: job(ON_FAILURE, '0s', false),
        b: 'params: [region]\nprogram: {type: no-op, success: false}\n',
        c: job(),
        alert: job(),
        audit: 'program: {type: no-op}\n',
      },
      { globalActions: [AUDIT] },
    );
    const a = await submit(t, 'a', { date: DAY });
    const b = await submit(t, 'b', { region: 'eu' });
    const c = await submit(t, 'c', { date: DAY });
    const audits = t.stored('audit');
    assert.equal(audits.length, 2);
    assert.equal(t.stored('alert').length, 1);
    assert.deepEqual(
      audits.map((r) => t.log(r.runId).find((l) => l.startsWith('scheduled by action of'))),
      [`scheduled by action of ${a}`, `scheduled by action of ${b}`],
    );
    assert.deepEqual(actionLines(t, c), []);
    // Global actions come from the config; they are not stored with the run.
    assert.deepEqual(t.store.getRun(b)?.actions, []);
    await t.stop();
  });

  it('fire for a run that could not be bound and went straight to error', async () => {
    const t = await TestRuntime.start(
      {
        broken: job('condition: {type: dependency, job_id: missing}\n'),
        audit: 'program: {type: no-op}\n',
      },
      { globalActions: [AUDIT] },
    );
    const run = await submit(t, 'broken', { date: DAY });
    assert.equal(t.run(run).state, 'error');
    assert.equal(t.stored('audit').length, 1);
    await t.stop();
  });

  it('accept an action object built directly', async () => {
    const onSuccess: ActionSpec = {
      type: 'schedule',
      job_id: 'audit',
      args: {},
      if: { states: ['success'] },
    };
    const t = await TestRuntime.start(
      { a: job(), audit: 'program: {type: no-op, success: false}\n' },
      { globalActions: [onSuccess] },
    );
    const a = await submit(t, 'a', { date: DAY });
    const [audit] = t.stored('audit');
    assert.ok(audit);
    assert.equal(audit.state, 'failure');
    assert.deepEqual(actionLines(t, a), [`action scheduling audit() as ${audit.runId}`]);
    await t.stop();
  });
});
