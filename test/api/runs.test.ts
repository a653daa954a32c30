import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestApi } from '../support/api.js';
import {
  API_TIME,
  assertError,
  FULL_KEYS,
  keys,
  SPEC_JOBS,
  submit,
  SUMMARY_KEYS,
} from '../support/api-fixtures.js';
import { jobsFrom } from '../support/runtime.js';

const HOURLY = 'params: [time]\nschedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n';
const ECHO =
  'params: [color]\nprogram: {type: no-op, duration: 10s}\nmetadata: {labels: [paint]}\n';

describe('GET /api/v1/runs', () => {
  let api: TestApi;
  after(async () => api?.close());

  it('lists expected runs of a job with their summaries', async () => {
    api = await TestApi.start({ hourly: HOURLY, echo: ECHO });
    const res = await api.inject('GET', '/api/v1/runs?job_id=hourly&summary=true');
    assert.equal(res.status, 200);
    const runs = Object.values(res.json.runs) as any[];
    assert.equal(runs.length, 24);
    assert.equal(runs[0].state, 'scheduled');
    assert.equal(runs[0].expected, true);
    assert.match(res.json.when, API_TIME);
  });

  it('creates a run and shows it in full', async () => {
    const res = await api.inject('POST', '/api/v1/runs', {
      job_id: 'echo',
      args: { color: 'red' },
    });
    assert.equal(res.status, 200, res.text);
    const [run] = Object.values(res.json.runs) as any[];
    assert.equal(run.job_id, 'echo');
    assert.deepEqual(run.args, { color: 'red' });
    assert.deepEqual(run.labels, ['paint']);
    assert.equal(run.program.type, 'apsis.program.noop.BoundNoOpProgram');
    await api.t.settle();
    const one = await api.inject('GET', `/api/v1/runs/${run.run_id}`);
    assert.equal(one.json.runs[run.run_id].state, 'running');
    const paged = await api.inject('GET', '/api/v1/runs?label=paint&limit=5&order=desc');
    assert.deepEqual(Object.keys(paged.json.runs), [run.run_id]);
    assert.equal(paged.json.next, null);
  });

  it('pages through runs with a stable cursor', async () => {
    const all = await api.inject('GET', '/api/v1/runs');
    const ids = Object.keys(all.json.runs);
    assert.equal(ids.length, 25);
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = await api.inject('GET', `/api/v1/runs?limit=7${after}`);
      seen.push(...Object.keys(page.json.runs));
      if (page.json.next === null) break;
      after = `&after=${page.json.next}`;
    }
    assert.deepEqual(seen, ids);
  });

  it('refuses a bad state with a 400 naming the field', async () => {
    const res = await api.inject('GET', '/api/v1/runs?state=runing');
    assert.equal(res.status, 400);
    assert.match(res.json.error, /^query state: not a state: "runing"/);
    assert.equal(res.json.code, 'bad_request');
  });

  it('answers 404 JSON for an unknown run and an unknown route', async () => {
    const run = await api.inject('GET', '/api/v1/runs/r9999');
    assert.equal(run.status, 404);
    assert.equal(run.json.code, 'run_not_found');
    const route = await api.inject('GET', '/api/v1/typo');
    assert.equal(route.status, 404);
    assert.equal(route.json.error, 'no API route GET /api/v1/typo');
  });
});

describe('run JSON matches the spec examples (apsis-interfaces.md §2.3, §2.4)', () => {
  let api: TestApi;
  let waiting: string;
  before(async () => {
    api = await TestApi.start(SPEC_JOBS);
    waiting = await submit(api, 'dependent', { color: 'blue', date: '2024-10-22' });
  });
  after(async () => api?.close());

  it('answers a run query with {when, runs} and full runs keyed by run id', async () => {
    const res = await api.inject('GET', `/api/v1/runs?run_id=${waiting}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(keys(res.json), ['when', 'runs']);
    assert.match(res.json.when, API_TIME);
    assert.deepEqual(keys(res.json.runs), [waiting]);
  });

  it('gives a full run the summary keys, dependencies, then conds, actions, meta and program', async () => {
    const res = await api.inject('GET', `/api/v1/runs/${waiting}`);
    const run = res.json.runs[waiting];
    assert.deepEqual(keys(run), [...SUMMARY_KEYS, 'dependencies', ...FULL_KEYS]);
    assert.equal(run.job_id, 'dependent');
    assert.deepEqual(run.args, { color: 'blue', date: '2024-10-22' });
    assert.equal(run.run_id, waiting);
    assert.equal(run.state, 'waiting');
    assert.deepEqual(keys(run.times), ['schedule', 'scheduled', 'waiting']);
    for (const time of Object.values(run.times)) assert.match(time as string, API_TIME);
    assert.deepEqual(run.labels, []);
    assert.deepEqual(run.dependencies, [['dependency', { date: '2024-10-22', flavor: 'vanilla' }]]);
    assert.deepEqual(run.conds, [
      {
        type: 'dependency',
        job_id: 'dependency',
        args: { date: '2024-10-22', flavor: 'vanilla' },
        str: 'dependency dependency(date=2024-10-22 flavor=vanilla) is success',
      },
    ]);
    assert.deepEqual(run.actions, []);
    assert.deepEqual(run.meta, { job: { labels: [] } });
    assert.deepEqual(run.program, {
      type: 'apsis.program.noop.BoundNoOpProgram',
      duration: '0',
      success: true,
      str: 'no-op for 0 s',
    });
  });

  it('gives summary=true the summary form: no conds, actions, meta or program', async () => {
    const res = await api.inject('GET', `/api/v1/runs?run_id=${waiting}&summary=true`);
    assert.deepEqual(keys(res.json.runs[waiting]), [...SUMMARY_KEYS, 'dependencies']);
  });

  it('marks expected runs with expected: true, and only them', async () => {
    const res = await api.inject('GET', '/api/v1/runs?job_id=dependent&summary=true&limit=1');
    const [expected] = Object.values(res.json.runs) as any[];
    assert.deepEqual(keys(expected), [...SUMMARY_KEYS, 'expected', 'dependencies']);
    assert.equal(expected.expected, true);
    assert.deepEqual(expected.times, { schedule: '2026-03-02T01:00:00.000+00:00' });
    const created = await api.inject('GET', `/api/v1/runs?run_id=${waiting}&summary=true`);
    assert.equal('expected' in created.json.runs[waiting], false);
  });

  it('leaves dependencies out of a run without dependency conditions', async () => {
    const res = await api.inject('POST', '/api/v1/runs', {
      job_id: 'dependency',
      args: { flavor: 'chocolate', date: '2024-10-22' },
    });
    const [run] = Object.values(res.json.runs) as any[];
    assert.deepEqual(keys(run), [...SUMMARY_KEYS, ...FULL_KEYS]);
    assert.deepEqual(run.conds, []);
  });

  it('answers GET /runs/<id> with the run-query shape holding that one run', async () => {
    const res = await api.inject('GET', `/api/v1/runs/${waiting}`);
    assert.equal(res.status, 200);
    assert.deepEqual(keys(res.json), ['when', 'runs']);
    assert.deepEqual(keys(res.json.runs), [waiting]);
  });

  it('answers /log with run_log records {run_id, timestamp, message} in time order', async () => {
    await api.t.advance(1500);
    await api.inject('POST', `/api/v1/runs/${waiting}/skip`);
    await api.t.settle();
    const res = await api.inject('GET', `/api/v1/runs/${waiting}/log`);
    assert.equal(res.status, 200);
    assert.deepEqual(keys(res.json), ['run_log']);
    for (const record of res.json.run_log) {
      assert.deepEqual(keys(record), ['run_id', 'timestamp', 'message']);
      assert.equal(record.run_id, waiting);
      assert.match(record.timestamp, API_TIME);
    }
    assert.deepEqual(
      res.json.run_log.map((r: any) => r.message),
      [
        'scheduled: now',
        'waiting',
        'waiting until: dependency dependency(date=2024-10-22 flavor=vanilla) is success',
        'skipped',
      ],
    );
    const times = res.json.run_log.map((r: any) => r.timestamp);
    assert.deepEqual([...times].sort(), times);
    assert.notEqual(times[0], times.at(-1));
  });

  it('answers /state with {"state": S} (Apsis always fails here)', async () => {
    const res = await api.inject('GET', `/api/v1/runs/${waiting}/state`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { state: 'skipped' });
  });

  it('answers /dependencies with each dependency instance and the ids of its runs', async () => {
    const dependent = await submit(api, 'dependent', { color: 'red', date: '2024-10-23' });
    const none = await api.inject('GET', `/api/v1/runs/${dependent}/dependencies`);
    assert.deepEqual(none.json, {
      [dependent]: [
        { job_id: 'dependency', args: { date: '2024-10-23', flavor: 'vanilla' }, run_ids: [] },
      ],
    });
    const dep = await submit(api, 'dependency', { flavor: 'vanilla', date: '2024-10-23' });
    await submit(api, 'dependency', { flavor: 'chocolate', date: '2024-10-23' });
    const res = await api.inject('GET', `/api/v1/runs/${dependent}/dependencies`);
    assert.equal(res.status, 200);
    assert.deepEqual(keys(res.json), [dependent]);
    assert.deepEqual(res.json[dependent], [
      { job_id: 'dependency', args: { date: '2024-10-23', flavor: 'vanilla' }, run_ids: [dep] },
    ]);
  });

  it('answers /dependencies of a run without dependency conditions with an empty list', async () => {
    const run = await submit(api, 'dependency', { flavor: 'mint', date: '2024-10-23' });
    const res = await api.inject('GET', `/api/v1/runs/${run}/dependencies`);
    assert.deepEqual(res.json, { [run]: [] });
  });
});

describe('run query filters', () => {
  let api: TestApi;
  const ids = { red: '', blue: '', vanilla: '', green: '' };
  before(async () => {
    api = await TestApi.start({ ...SPEC_JOBS, echo: ECHO }, { lookbackMs: null });
    ids.red = await submit(api, 'echo', { color: 'red' });
    ids.blue = await submit(api, 'echo', { color: 'blue' });
    ids.vanilla = await submit(api, 'dependency', { flavor: 'vanilla', date: '2024-10-22' });
    await api.t.advance(60_000);
    ids.green = await submit(api, 'echo', { color: 'green' });
  });
  after(async () => api?.close());

  const query = async (q: string): Promise<string[]> => {
    const res = await api.inject('GET', `/api/v1/runs?${q}`);
    assert.equal(res.status, 200, res.text);
    return Object.keys(res.json.runs);
  };

  it('needs neither run_id nor job_id: an empty query lists every run, expected ones too', async () => {
    const all = await query('summary=true');
    assert.ok(all.length > 24, `${all.length} runs`);
    for (const id of Object.values(ids)) assert.ok(all.includes(id));
  });

  it('takes run_id repeated or comma-separated; a malformed run id matches nothing', async () => {
    assert.deepEqual(await query(`run_id=${ids.red}&run_id=${ids.blue}`), [ids.red, ids.blue]);
    assert.deepEqual(await query(`run_id=${ids.red},${ids.green}`), [ids.red, ids.green]);
    assert.deepEqual(await query('run_id=bogus'), []);
  });

  it('resolves job_id exactly, then fuzzily as Apsis does', async () => {
    assert.deepEqual(await query('job_id=echo'), [ids.red, ids.blue, ids.green]);
    assert.deepEqual(await query('job_id=dependenc'), [ids.vanilla]);
  });

  it('finds the runs of a job that is no longer in the jobs directory', async () => {
    api.t.runtime.replaceJobs(jobsFrom(SPEC_JOBS));
    try {
      assert.deepEqual(await query('job_id=echo'), [ids.red, ids.blue, ids.green]);
    } finally {
      api.t.runtime.replaceJobs(jobsFrom({ ...SPEC_JOBS, echo: ECHO }));
    }
  });

  it('takes a list of states, repeated or comma-separated', async () => {
    await api.t.advance(60_000);
    const finished = await query('job_id=echo&state=success');
    assert.deepEqual(finished, [ids.red, ids.blue, ids.green]);
    assert.deepEqual(await query('job_id=dependency&state=success,error'), [ids.vanilla]);
    assert.deepEqual(await query('job_id=echo&state=running&state=success'), finished);
    assert.deepEqual(await query('job_id=echo&state=running'), []);
  });

  it('filters on args by any other name, one leading underscore stripped', async () => {
    assert.deepEqual(await query('color=red'), [ids.red]);
    // The expected runs of `dependent` have color=blue too.
    assert.deepEqual(await query('job_id=echo&_color=blue'), [ids.blue]);
    assert.deepEqual(await query('color=red&flavor=vanilla'), []);
    assert.deepEqual(await query('job_id=dependency&_date=2024-10-22'), [ids.vanilla]);
  });

  it('lets the last value of a repeated arg filter win, as Apsis does', async () => {
    assert.deepEqual(await query('color=blue&color=green'), [ids.green]);
  });

  it('filters on labels, all of those given', async () => {
    assert.deepEqual(await query('label=paint'), [ids.red, ids.blue, ids.green]);
    assert.deepEqual(await query('label=paint&label=other'), []);
  });

  it('filters on the last transition time with since (at or after) and until (before)', async () => {
    const green = (await api.inject('GET', `/api/v1/runs/${ids.green}`)).json.runs[ids.green];
    const greenDone = green.times.success as string;
    assert.deepEqual(await query(`job_id=echo&since=${encodeURIComponent(greenDone)}`), [
      ids.green,
    ]);
    assert.deepEqual(await query(`job_id=echo&until=${encodeURIComponent(greenDone)}`), [
      ids.red,
      ids.blue,
    ]);
  });

  it('adds next to the answer only when limit is given; next is null on the last page', async () => {
    const unpaged = await api.inject('GET', '/api/v1/runs?job_id=echo');
    assert.equal('next' in unpaged.json, false);
    const first = await api.inject('GET', '/api/v1/runs?job_id=echo&limit=2');
    assert.deepEqual(keys(first.json), ['when', 'runs', 'next']);
    assert.deepEqual(Object.keys(first.json.runs), [ids.red, ids.blue]);
    assert.equal(first.json.next, ids.blue);
    const second = await api.inject('GET', `/api/v1/runs?job_id=echo&limit=2&after=${ids.blue}`);
    assert.deepEqual(Object.keys(second.json.runs), [ids.green]);
    assert.equal(second.json.next, null);
  });

  it('pages newest first with order=desc', async () => {
    const first = await api.inject('GET', '/api/v1/runs?job_id=echo&limit=2&order=desc');
    assert.deepEqual(Object.keys(first.json.runs), [ids.green, ids.blue]);
    const rest = await query(`job_id=echo&limit=2&order=desc&after=${first.json.next}`);
    assert.deepEqual(rest, [ids.red]);
  });
});

describe('runs.lookback and since', () => {
  let api: TestApi;
  let old: string;
  before(async () => {
    api = await TestApi.start(
      { echo: ECHO },
      // The daemon started two hours after the test's clock, looking back one hour.
      { lookbackMs: 3_600_000, apiOptions: { startedAt: Date.parse('2026-03-02T02:00:00Z') } },
    );
    old = await submit(api, 'echo', { color: 'old' });
    await api.t.advance(20_000);
  });
  after(async () => api?.close());

  it('hides finished runs older than the daemon start minus runs.lookback', async () => {
    const res = await api.inject('GET', '/api/v1/runs?job_id=echo');
    assert.deepEqual(Object.keys(res.json.runs), []);
  });

  it('shows them when since is given explicitly, even before the lookback window', async () => {
    const res = await api.inject('GET', '/api/v1/runs?job_id=echo&since=2026-03-01T00:00:00Z');
    assert.deepEqual(Object.keys(res.json.runs), [old]);
  });

  it('still finds such a run by its id', async () => {
    const res = await api.inject('GET', `/api/v1/runs/${old}`);
    assert.equal(res.status, 200);
  });
});

describe('run query bad input', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(SPEC_JOBS);
  });
  after(async () => api?.close());

  const cases: [string, string, RegExp][] = [
    ['an unknown state', 'state=runing', /^query state: not a state: "runing" \(states: new, /],
    ['one unknown state in a list', 'state=running,bogus', /^query state: not a state: "bogus"/],
    ['a time without an offset in since', 'since=2026-03-02T00:00', /^query since: not a time/],
    ['a word in since', 'since=yesterday', /^query since: not a time .*"yesterday"/],
    ['a bad until', 'until=12:00', /^query until: not a time .*"12:00"/],
    ['a bad summary flag', 'summary=maybe', /^query summary: not a boolean: "maybe"/],
    ['a limit of 0', 'limit=0', /^query limit: expected an integer from 1 to 10000, got "0"/],
    ['a negative limit', 'limit=-5', /^query limit: expected an integer from 1 to 10000/],
    ['a fractional limit', 'limit=1.5', /^query limit: expected an integer .*"1\.5"/],
    ['a word as limit', 'limit=ten', /^query limit: expected an integer .*"ten"/],
    ['a limit over 10000', 'limit=10001', /^query limit: expected an integer from 1 to 10000/],
    ['an after that is not a run id', 'after=x7', /^query after: not a run id: "x7"/],
    ['an unknown order', 'order=up', /^query order: expected asc or desc, got "up"/],
    ['job_id given twice', 'job_id=a&job_id=b', /^query job_id: given 2 times; give it once$/],
    ['since given twice', 'since=a&since=b', /^query since: given 2 times/],
    ['until given twice', 'until=a&until=b', /^query until: given 2 times/],
    ['summary given twice', 'summary=1&summary=0', /^query summary: given 2 times/],
    ['limit given twice', 'limit=1&limit=2', /^query limit: given 2 times/],
    ['order given twice', 'order=asc&order=desc', /^query order: given 2 times/],
    ['after given twice', 'after=r1&after=r2', /^query after: given 2 times/],
  ];
  for (const [what, q, message] of cases) {
    it(`refuses ${what} (${q}) with a 400 naming the parameter`, async () => {
      assertError(await api.inject('GET', `/api/v1/runs?${q}`), 400, 'bad_request', message);
    });
  }

  it('refuses an ambiguous fuzzy job_id with a 400 listing the matches', async () => {
    assertError(
      await api.inject('GET', '/api/v1/runs?job_id=dep'),
      400,
      'ambiguous_job',
      'ambiguous job id: dependency, dependent',
    );
  });

  for (const path of ['', '/log', '/state', '/dependencies']) {
    it(`answers GET /runs/<id>${path} of an unknown or malformed run id with 404 run_not_found`, async () => {
      for (const id of ['r9999', 'bogus']) {
        assertError(
          await api.inject('GET', `/api/v1/runs/${id}${path}`),
          404,
          'run_not_found',
          `unknown run ID: ${id}`,
        );
      }
    });
  }
});
