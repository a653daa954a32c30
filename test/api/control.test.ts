import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestApi, type TestApiOptions } from '../support/api.js';
import { assertError, keys, postRaw } from '../support/api-fixtures.js';

const HOURLY = 'schedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n';
const NOOP = 'program: {type: no-op}\n';

describe('health, version and stats (§2.1, §2.8)', () => {
  let api: TestApi;
  let restored: () => void = () => undefined;
  before(async () => {
    const ready = new Promise<void>((resolve) => (restored = resolve));
    api = await TestApi.start({ hourly: HOURLY }, { apiOptions: { ready } });
  });
  after(async () => api?.close());

  it('answers /alive with {} at once, even while restoring', async () => {
    const res = await api.inject('GET', '/api/v1/alive');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {});
  });

  it('answers /version with {"version": V}', async () => {
    const res = await api.inject('GET', '/api/control/version');
    assert.deepEqual(res.json, { version: '9.9.9' });
  });

  it('answers /running with {} only once stored runs are restored', async () => {
    let answered = false;
    const pending = api.inject('GET', '/api/v1/running').then((res) => {
      answered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(answered, false);
    restored();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {});
  });

  it('answers /stats with Apsis’s keys (the schema is not stable)', async () => {
    const res = await api.inject('GET', '/api/v1/stats');
    assert.equal(res.status, 200);
    for (const key of [
      'start_time',
      'time',
      'async',
      'rusage_maxrss',
      'rusage_utime',
      'rusage_stime',
      'tasks',
      'scheduled',
      'run_store',
      'summary_publisher',
    ])
      assert.ok(key in res.json, key);
    for (const key of ['latency_count', 'latency_min', 'latency_max', 'latency_avg', 'num_tasks'])
      assert.equal(typeof res.json.async[key], 'number', `async.${key}`);
    assert.deepEqual(keys(res.json.tasks), [
      'num_waiting',
      'num_running',
      'num_stopping',
      'num_action',
    ]);
    assert.equal(res.json.run_store.num_expected_runs, 24);
    assert.equal(typeof res.json.summary_publisher.num_subs, 'number');
  });

  it('has no /api/control/debug (Apsis enters a debugger)', async () => {
    assertError(
      await api.inject('GET', '/api/control/debug'),
      404,
      'no_route',
      'no API route GET /api/control/debug',
    );
  });
});

describe('POST /api/control/reload_jobs (§2.8)', () => {
  let api: TestApi;
  const options: TestApiOptions = {};
  before(async () => {
    api = await TestApi.start({ keep: NOOP, change: NOOP, gone: HOURLY }, options);
  });
  after(async () => api?.close());

  const next = { keep: NOOP, change: 'program: {type: no-op, duration: 5}\n', 'new/job': NOOP };

  it('reports what a reload would change with dry_run, changing nothing', async () => {
    api.setJobFiles(next);
    for (const spelling of ['true', 'True', 't', 'T', '1']) {
      const res = await api.inject('POST', `/api/control/reload_jobs?dry_run=${spelling}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, {
        removed: ['gone'],
        added: ['new/job'],
        changed: ['change'],
        dry_run: true,
      });
    }
    const jobs = await api.inject('GET', '/api/v1/jobs');
    assert.deepEqual(jobs.json.map((j: any) => j.job_id).sort(), ['change', 'gone', 'keep']);
  });

  it('reloads for real without dry_run (Apsis fails with 500), unscheduling removed jobs', async () => {
    const res = await api.inject('POST', '/api/control/reload_jobs');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, {
      removed: ['gone'],
      added: ['new/job'],
      changed: ['change'],
      dry_run: false,
    });
    const jobs = await api.inject('GET', '/api/v1/jobs');
    assert.deepEqual(jobs.json.map((j: any) => j.job_id).sort(), ['change', 'keep', 'new/job']);
    const runs = await api.inject('GET', '/api/v1/runs?job_id=gone&state=scheduled');
    assert.deepEqual(runs.json.runs, {});
  });

  it('reloads for real with dry_run=false, and reports no changes when there are none', async () => {
    const res = await api.inject('POST', '/api/control/reload_jobs?dry_run=False', {});
    assert.deepEqual(res.json, { removed: [], added: [], changed: [], dry_run: false });
  });

  it('answers a jobs directory with problems with 400, jobs_dir and job_errors per job', async () => {
    options.reload = () => ({
      ok: false,
      problems: [
        {
          jobId: 'daily/load',
          file: '/jobs/daily/load.yaml',
          line: 3,
          col: 1,
          message: 'missing key: program',
        },
        { jobId: 'x/y', file: '/jobs/x/y.yaml', message: 'not a mapping' },
      ],
    });
    try {
      const res = await api.inject('POST', '/api/control/reload_jobs?dry_run=true');
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, {
        error: 'errors loading jobs in /jobs',
        code: 'jobs_dir',
        job_errors: [
          ['daily/load', '/jobs/daily/load.yaml:3:1: missing key: program'],
          ['x/y', '/jobs/x/y.yaml: not a mapping'],
        ],
      });
    } finally {
      delete options.reload;
    }
  });

  it('refuses a dry_run that is not a boolean, or given twice, naming it', async () => {
    assertError(
      await api.inject('POST', '/api/control/reload_jobs?dry_run=maybe'),
      400,
      'bad_request',
      'query dry_run: not a boolean: "maybe" (use true or false)',
    );
    assertError(
      await api.inject('POST', '/api/control/reload_jobs?dry_run=1&dry_run=0'),
      400,
      'bad_request',
      'query dry_run: given 2 times; give it once',
    );
  });

  it('refuses a malformed JSON body', async () => {
    assertError(
      await postRaw(api, '/api/control/reload_jobs', '{'),
      400,
      'bad_request',
      /^body: not valid JSON/,
    );
  });
});

describe('POST /api/control/shut_down (§2.8)', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start({ keep: NOOP });
  });
  after(async () => api?.close());

  it('answers {} and then shuts down, restarting with a bare ?restart', async () => {
    const res = await api.inject('POST', '/api/control/shut_down', {});
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {});
    const restart = await api.inject('POST', '/api/control/shut_down?restart');
    assert.deepEqual(restart.json, {});
    await api.inject('POST', '/api/control/shut_down?restart=false');
    await api.inject('POST', '/api/control/shut_down?restart=true');
    assert.deepEqual(api.shutDowns, [false, true, false, true]);
  });

  it('refuses a restart flag that is not a boolean, and a malformed body, without shutting down', async () => {
    const before = api.shutDowns.length;
    assertError(
      await api.inject('POST', '/api/control/shut_down?restart=maybe'),
      400,
      'bad_request',
      /^query restart: not a boolean: "maybe"/,
    );
    assertError(
      await postRaw(api, '/api/control/shut_down', 'nope'),
      400,
      'bad_request',
      /^body: not valid JSON/,
    );
    assert.equal(api.shutDowns.length, before);
  });
});
