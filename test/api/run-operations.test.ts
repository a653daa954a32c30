import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestApi } from '../support/api.js';
import {
  API_TIME,
  assertError,
  FULL_KEYS,
  keys,
  postRaw,
  SPEC_JOBS,
  submit,
  SUMMARY_KEYS,
} from '../support/api-fixtures.js';
import { scriptedDrivers, scriptedJob, type ScriptedProgram } from '../support/scripted-program.js';

const JOBS = {
  ...SPEC_JOBS,
  work: scriptedJob(),
  quick: 'params: [n]\nprogram: {type: no-op, duration: 0}\n',
};

/** A new `work` run brought to running; returns its id and its program. */
async function running(
  api: TestApi,
  programs: Map<string, ScriptedProgram>,
): Promise<{ runId: string; program: ScriptedProgram }> {
  const runId = await submit(api, 'work');
  const program = programs.get(runId);
  assert.ok(program, `no program for ${runId}`);
  program.running();
  await api.t.settle();
  assert.equal(api.t.run(runId).state, 'running');
  return { runId, program };
}

describe('POST /api/v1/runs (§2.7)', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS);
  });
  after(async () => api?.close());

  const post = (body: unknown, query = '') => api.inject('POST', `/api/v1/runs${query}`, body);

  it('creates a run and answers the run-query shape with the full run', async () => {
    const res = await post({ job_id: 'quick', args: { n: '1' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(keys(res.json), ['when', 'runs']);
    assert.match(res.json.when, API_TIME);
    const [run] = Object.values(res.json.runs) as any[];
    assert.deepEqual(keys(run), [...SUMMARY_KEYS, ...FULL_KEYS]);
    assert.equal(run.state, 'starting');
    assert.deepEqual(run.args, { n: '1' });
  });

  it('stringifies arg values as Python does', async () => {
    const res = await post({ job_id: 'dependency', args: { flavor: 5, date: true } });
    const [run] = Object.values(res.json.runs) as any[];
    assert.deepEqual(run.args, { flavor: '5', date: 'True' });
  });

  it('resolves a fuzzy job_id to the one job it matches', async () => {
    const res = await post({ job_id: 'dependenc', args: { flavor: 'x', date: 'y' } });
    const [run] = Object.values(res.json.runs) as any[];
    assert.equal(run.job_id, 'dependency');
  });

  it('creates count identical runs, and none with count=0', async () => {
    const three = await post({ job_id: 'quick', args: { n: '3' } }, '?count=3');
    const runs = Object.values(three.json.runs) as any[];
    assert.equal(runs.length, 3);
    assert.deepEqual(new Set(runs.map((r) => r.args.n)), new Set(['3']));
    const none = await post({ job_id: 'quick', args: { n: '0' } }, '?count=0');
    assert.equal(none.status, 200);
    assert.deepEqual(none.json.runs, {});
  });

  it('schedules at times.schedule, and runs a past time at once', async () => {
    const later = await post({
      job_id: 'quick',
      args: { n: 'later' },
      times: { schedule: '2026-03-02T06:00:00Z' },
    });
    const [run] = Object.values(later.json.runs) as any[];
    assert.equal(run.state, 'scheduled');
    assert.equal(run.times.schedule, '2026-03-02T06:00:00.000+00:00');
    const past = await post({
      job_id: 'quick',
      args: { n: 'past' },
      times: { schedule: '2026-03-01T00:00:00+00:00' },
    });
    const [ran] = Object.values(past.json.runs) as any[];
    assert.equal(ran.times.schedule, '2026-03-01T00:00:00.000+00:00');
    assert.notEqual(ran.state, 'scheduled');
  });

  it('takes times.stop as a time, or a duration (with or without +) after the schedule time', async () => {
    const at = await post({
      job_id: 'quick',
      args: { n: 's1' },
      times: { schedule: '2026-03-03T00:00:00Z', stop: '2026-03-03T05:00:00Z' },
    });
    assert.equal(
      (Object.values(at.json.runs)[0] as any).times.stop,
      '2026-03-03T05:00:00.000+00:00',
    );
    const plus = await post({
      job_id: 'quick',
      args: { n: 's2' },
      times: { schedule: '2026-03-03T00:00:00Z', stop: '+2h' },
    });
    assert.equal(
      (Object.values(plus.json.runs)[0] as any).times.stop,
      '2026-03-03T02:00:00.000+00:00',
    );
    const now = await post({ job_id: 'quick', args: { n: 's3' }, times: { stop: '30 min' } });
    const run = Object.values(now.json.runs)[0] as any;
    assert.equal(Date.parse(run.times.stop) - Date.parse(run.times.schedule), 30 * 60_000);
  });

  it('creates an ad hoc job from job, with a generated id, reachable by that id only', async () => {
    const res = await post({ job: { program: { type: 'no-op' } } });
    assert.equal(res.status, 200, res.text);
    const [run] = Object.values(res.json.runs) as any[];
    assert.match(run.job_id, /^adhoc-[A-Za-z]{12}$/);
    const job = await api.inject('GET', `/api/v1/jobs/${run.job_id}`);
    assert.equal(job.status, 200);
    assert.equal(job.json.ad_hoc, true);
    const jobs = await api.inject('GET', '/api/v1/jobs');
    assert.equal(
      jobs.json.some((j: any) => j.job_id === run.job_id),
      false,
    );
  });

  it('answers 200 with an error run when the args do not fit the job, as Apsis does', async () => {
    const res = await post({ job_id: 'dependency', args: { date: '2024-10-22', extra: 'x' } });
    assert.equal(res.status, 200);
    const [run] = Object.values(res.json.runs) as any[];
    assert.equal(run.state, 'error');
    await api.t.settle();
    const log = await api.inject('GET', `/api/v1/runs/${run.run_id}/log`);
    assert.match(
      log.json.run_log.at(-1).message,
      /^error: missing args \(flavor\) for job dependency/,
    );
  });

  const bad: [string, unknown, number, string, RegExp][] = [
    ['no body', undefined, 400, 'bad_request', /^body: missing job_id or job$/],
    ['an empty object', {}, 400, 'bad_request', /^body: missing job_id or job$/],
    ['a JSON array', [1], 400, 'bad_request', /^body: expected a JSON object$/],
    ['a numeric job_id', { job_id: 5 }, 400, 'bad_request', /^body job_id: expected a job id/],
    ['an empty job_id', { job_id: '' }, 400, 'bad_request', /^body job_id: /],
    [
      'args that are not a mapping',
      { job_id: 'quick', args: ['n'] },
      400,
      'bad_request',
      /^body args: expected a mapping of arg names to values$/,
    ],
    [
      'an arg value that is a mapping',
      { job_id: 'quick', args: { n: { deep: 1 } } },
      400,
      'bad_request',
      /^body args\.n: expected a string, number or boolean$/,
    ],
    [
      'times that are not a mapping',
      { job_id: 'quick', times: 'now' },
      400,
      'bad_request',
      /^body times: expected a mapping with schedule and stop$/,
    ],
    [
      'a numeric schedule time',
      { job_id: 'quick', times: { schedule: 5 } },
      400,
      'bad_request',
      /^body times\.schedule: expected "now" or a time$/,
    ],
    [
      'an unparsable schedule time',
      { job_id: 'quick', times: { schedule: 'soon' } },
      400,
      'bad_request',
      /^body times\.schedule: not a time .*"soon"/,
    ],
    [
      'an unparsable stop time',
      { job_id: 'quick', times: { stop: 'whenever' } },
      400,
      'bad_request',
      /^body times\.stop: can't parse as duration: whenever$/,
    ],
    [
      'a job that is not a mapping',
      { job: 'echo hi' },
      400,
      'bad_request',
      /^body job: expected a job mapping$/,
    ],
    [
      'an ad hoc job without a program',
      { job: { params: ['a'] } },
      400,
      'bad_job',
      /^invalid job: missing key: program$/,
    ],
    ['an unknown job_id', { job_id: 'nope' }, 404, 'unknown_job', /^unknown job ID: nope$/],
    [
      'an ambiguous fuzzy job_id',
      { job_id: 'dep' },
      400,
      'ambiguous_job',
      /^ambiguous job id: dependency, dependent$/,
    ],
  ];
  for (const [what, body, status, code, message] of bad) {
    it(`refuses ${what} with ${status} ${code}`, async () => {
      assertError(await post(body), status, code, message);
    });
  }

  it('refuses a JSON string body with a 400 naming the body', async () => {
    assertError(
      await postRaw(api, '/api/v1/runs', '"x"'),
      400,
      'bad_request',
      /^body: expected a JSON object$/,
    );
  });

  it('refuses malformed JSON with a 400 naming the body', async () => {
    assertError(
      await postRaw(api, '/api/v1/runs', '{"job_id": '),
      400,
      'bad_request',
      /^body: not valid JSON: /,
    );
  });

  it('reads the body as JSON whatever its content type (curl -d sends form-encoded)', async () => {
    const res = await postRaw(
      api,
      '/api/v1/runs',
      '{"job_id": "quick", "args": {"n": "form"}}',
      'application/x-www-form-urlencoded',
    );
    assert.equal(res.status, 200, res.text);
  });

  for (const count of ['abc', '-1', '1.5', '10001']) {
    it(`refuses count=${count} with a 400 naming count`, async () => {
      assertError(
        await post({ job_id: 'quick', args: { n: '1' } }, `?count=${count}`),
        400,
        'bad_request',
        new RegExp(`^query count: expected an integer from 0 to 10000, got "${count}"$`),
      );
    });
  }

  it('refuses count given twice', async () => {
    assertError(
      await post({ job_id: 'quick' }, '?count=1&count=2'),
      400,
      'bad_request',
      /^query count: given 2 times/,
    );
  });
});

describe('skip and start (§2.6)', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS);
  });
  after(async () => api?.close());

  it('skips an expected run: {} and the run is skipped, logged', async () => {
    const res = await api.inject('POST', '/api/v1/runs/r1/skip');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, {});
    await api.t.settle();
    assert.equal(api.t.run('r1').state, 'skipped');
    assert.deepEqual(api.t.log('r1').at(-1), 'skipped');
  });

  it('skips a waiting run', async () => {
    const runId = await submit(api, 'dependent', { color: 'c', date: 'd' });
    assert.equal(api.t.run(runId).state, 'waiting');
    assert.deepEqual((await api.inject('POST', `/api/v1/runs/${runId}/skip`)).json, {});
    await api.t.settle();
    assert.equal(api.t.run(runId).state, 'skipped');
  });

  it('starts a scheduled run now: its conditions still apply', async () => {
    const res = await api.inject('POST', '/api/v1/runs', {
      job_id: 'dependent',
      args: { color: 'c', date: 'later' },
      times: { schedule: '2026-03-05T00:00:00Z' },
    });
    const runId = Object.keys(res.json.runs)[0]!;
    assert.deepEqual((await api.inject('POST', `/api/v1/runs/${runId}/start`)).json, {});
    await api.t.settle();
    assert.equal(api.t.run(runId).state, 'waiting');
    assert.ok(api.t.log(runId).includes('scheduled run started by override'));
  });

  it('starts a waiting run at once, skipping its conditions', async () => {
    const runId = await submit(api, 'dependent', { color: 'c', date: 'now' });
    assert.deepEqual((await api.inject('POST', `/api/v1/runs/${runId}/start`)).json, {});
    await api.t.settle();
    assert.equal(api.t.run(runId).state, 'success');
    assert.ok(api.t.log(runId).includes('waiting run started by override'));
  });

  it('refuses to skip or start a finished run with 409 and the Apsis message', async () => {
    const runId = await submit(api, 'quick', { n: '1' });
    assert.equal(api.t.run(runId).state, 'success');
    assertError(
      await api.inject('POST', `/api/v1/runs/${runId}/skip`),
      409,
      'operation_refused',
      `can't skip ${runId} in state success`,
    );
    assertError(
      await api.inject('POST', `/api/v1/runs/${runId}/start`),
      409,
      'operation_refused',
      `can't start ${runId} in state success`,
    );
  });
});

describe('stop, signal and mark (§2.6)', () => {
  let api: TestApi;
  let programs: Map<string, ScriptedProgram>;
  before(async () => {
    const scripted = scriptedDrivers();
    programs = scripted.programs;
    api = await TestApi.start(JOBS, { drivers: scripted.drivers });
  });
  after(async () => api?.close());

  it('stops a running run: the run-query shape with the run now stopping', async () => {
    const { runId, program } = await running(api, programs);
    const res = await api.inject('POST', `/api/v1/runs/${runId}/stop`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(keys(res.json), ['when', 'runs']);
    assert.equal(res.json.runs[runId].state, 'stopping');
    await api.t.settle();
    assert.equal(program.stops, 1);
    assert.ok(api.t.log(runId).includes('stopping'));
  });

  it('answers a stop of a stopping run with the run unchanged, over PUT too', async () => {
    const { runId, program } = await running(api, programs);
    await api.inject('PUT', `/api/v1/runs/${runId}/stop`);
    await api.t.settle();
    const again = await api.inject('PUT', `/api/v1/runs/${runId}/stop`);
    assert.equal(again.status, 200);
    assert.equal(again.json.runs[runId].state, 'stopping');
    await api.t.settle();
    assert.equal(program.stops, 1);
  });

  it('refuses to stop a run that is not running', async () => {
    const runId = await submit(api, 'quick', { n: '1' });
    assertError(
      await api.inject('POST', `/api/v1/runs/${runId}/stop`),
      409,
      'operation_refused',
      `can't stop run ${runId}: run is success`,
    );
    assertError(
      await api.inject('POST', '/api/v1/runs/r2/stop'),
      409,
      'operation_refused',
      "can't stop run r2: run is scheduled",
    );
  });

  it('sends a signal by name, short name or number, over PUT or POST, and logs it', async () => {
    const { runId, program } = await running(api, programs);
    for (const [method, signal] of [
      ['PUT', 'TERM'],
      ['POST', 'SIGUSR1'],
      ['PUT', '9'],
    ] as const) {
      const res = await api.inject(method, `/api/v1/runs/${runId}/signal/${signal}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, {});
    }
    assert.deepEqual(program.signals, ['SIGTERM', 'SIGUSR1', 'SIGKILL']);
    await api.t.settle();
    const log = api.t.log(runId);
    for (const name of ['SIGTERM', 'SIGUSR1', 'SIGKILL'])
      assert.ok(log.includes(`sending ${name}`));
  });

  it('answers a signal the program fails to take with 500 operation_failed, and logs why', async () => {
    const { runId } = await running(api, programs);
    assertError(
      await api.inject('PUT', `/api/v1/runs/${runId}/signal/SIGUSR2`),
      500,
      'operation_failed',
      'sending SIGUSR2 failed',
    );
    await api.t.settle();
    assert.ok(api.t.log(runId).includes('sending SIGUSR2 failed: no such process'));
  });

  it('refuses a signal to a run that is not running or stopping', async () => {
    const runId = await submit(api, 'quick', { n: '1' });
    assertError(
      await api.inject('PUT', `/api/v1/runs/${runId}/signal/TERM`),
      409,
      'operation_refused',
      'invalid run state for signal: success',
    );
  });

  for (const signal of ['FOO', 'term', '999', 'SIG']) {
    it(`refuses signal ${signal} with a 400 naming the path parameter`, async () => {
      assertError(
        await api.inject('PUT', `/api/v1/runs/r1/signal/${signal}`),
        400,
        'bad_request',
        `path signal: not a signal: ${signal}`,
      );
    });
  }

  it('marks a finished run as another finished state, skipped included, and logs it', async () => {
    const runId = await submit(api, 'quick', { n: '1' });
    for (const state of ['failure', 'skipped', 'error', 'success']) {
      const res = await api.inject('PUT', `/api/v1/runs/${runId}/mark/${state}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, {});
      await api.t.settle();
      assert.equal(api.t.run(runId).state, state);
      assert.equal(api.t.log(runId).at(-1), `marked as ${state}`);
    }
  });

  it('refuses a mark to an unfinished state, of an unfinished run, or to the same state', async () => {
    const done = await submit(api, 'quick', { n: '1' });
    assertError(
      await api.inject('POST', `/api/v1/runs/${done}/mark/running`),
      409,
      'operation_refused',
      `can't mark ${done} to state running`,
    );
    assertError(
      await api.inject('POST', `/api/v1/runs/${done}/mark/success`),
      409,
      'operation_refused',
      `run ${done} already in state success`,
    );
    const { runId } = await running(api, programs);
    assertError(
      await api.inject('POST', `/api/v1/runs/${runId}/mark/failure`),
      409,
      'operation_refused',
      `can't mark ${runId} in state running`,
    );
  });

  it('refuses a mark to something that is not a state with a 400 naming the path parameter', async () => {
    assertError(
      await api.inject('POST', '/api/v1/runs/r1/mark/succes'),
      400,
      'bad_request',
      "path state: not a state: 'succes'",
    );
  });
});

describe('rerun (§2.6)', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS);
  });
  after(async () => api?.close());

  it('answers the run-query shape with the new run, plus show_run_id', async () => {
    const old = await submit(api, 'quick', { n: '7' });
    const res = await api.inject('POST', `/api/v1/runs/${old}/rerun`, {});
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(keys(res.json), ['when', 'runs', 'show_run_id']);
    const [newId] = Object.keys(res.json.runs);
    assert.ok(newId && newId !== old);
    assert.equal(res.json.show_run_id, newId);
    assert.deepEqual(res.json.runs[newId].args, { n: '7' });
    await api.t.settle();
    assert.ok(api.t.log(newId).includes(`scheduled as rerun of ${old}`));
  });

  it('reruns a run in any state, and keeps its stop time', async () => {
    const res = await api.inject('POST', '/api/v1/runs', {
      job_id: 'quick',
      args: { n: '8' },
      times: { schedule: '2026-03-04T00:00:00Z', stop: '2026-03-04T01:00:00Z' },
    });
    const old = Object.keys(res.json.runs)[0]!;
    const rerun = await api.inject('POST', `/api/v1/runs/${old}/rerun`);
    assert.equal(rerun.status, 200);
    const run = rerun.json.runs[rerun.json.show_run_id];
    assert.equal(run.times.stop, '2026-03-04T01:00:00.000+00:00');
  });
});

describe('operations on unknown runs and wrong methods', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS);
  });
  after(async () => api?.close());

  const ops: ['POST' | 'PUT', string][] = [
    ['POST', 'skip'],
    ['POST', 'start'],
    ['POST', 'rerun'],
    ['POST', 'stop'],
    ['PUT', 'stop'],
    ['PUT', 'signal/TERM'],
    ['POST', 'mark/success'],
  ];
  for (const [method, op] of ops) {
    it(`answers ${method} /runs/<unknown>/${op} with 404 run_not_found`, async () => {
      for (const runId of ['r9999', 'nonsense']) {
        assertError(
          await api.inject(method, `/api/v1/runs/${runId}/${op}`),
          404,
          'run_not_found',
          `unknown run ID: ${runId}`,
        );
      }
    });
  }

  it('ignores an operation’s JSON body, but refuses one that is not valid JSON', async () => {
    const ok = await api.inject('POST', '/api/v1/runs/r1/skip', { anything: 1 });
    assert.equal(ok.status, 200, ok.text);
    assertError(
      await postRaw(api, '/api/v1/runs/r2/skip', '{oops'),
      400,
      'bad_request',
      /^body: not valid JSON: /,
    );
    assert.equal(api.t.run('r2').state, 'scheduled');
  });

  it('answers an operation with the wrong method with a JSON 404 no_route', async () => {
    assertError(
      await api.inject('GET', '/api/v1/runs/r1/skip'),
      404,
      'no_route',
      'no API route GET /api/v1/runs/r1/skip',
    );
    assertError(
      await api.inject('PUT', '/api/v1/runs/r1/rerun'),
      404,
      'no_route',
      'no API route PUT /api/v1/runs/r1/rerun',
    );
  });
});
