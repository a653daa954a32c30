import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TestApi } from '../support/api.js';

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
    assert.match(res.json.when, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
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
