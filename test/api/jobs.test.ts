import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestApi } from '../support/api.js';
import {
  assertError,
  keys,
  SPEC_DEPENDENT_JSO,
  SPEC_JOBS,
  submit,
} from '../support/api-fixtures.js';

const JOBS = {
  ...SPEC_JOBS,
  'daily/load eu': 'params: [date]\nprogram: {type: no-op}\nmetadata: {labels: [ingest, eu]}\n',
  'daily/load us': 'params: [date]\nprogram: {type: no-op}\nmetadata: {labels: [ingest]}\n',
  runs: 'program: {type: no-op}\n',
};

describe('GET /api/v1/jobs (§2.2)', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS);
  });
  after(async () => api?.close());

  it('answers an array of job objects equal to the spec example, key for key', async () => {
    const res = await api.inject('GET', '/api/v1/jobs');
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json));
    const dependent = res.json.find((j: any) => j.job_id === 'dependent');
    assert.deepEqual(keys(dependent), keys(SPEC_DEPENDENT_JSO));
    assert.deepEqual(dependent, SPEC_DEPENDENT_JSO);
    assert.deepEqual(res.json.map((j: any) => j.job_id).sort(), [
      'daily/load eu',
      'daily/load us',
      'dependency',
      'dependent',
      'runs',
    ]);
  });

  it('leaves ad hoc jobs out', async () => {
    const res = await api.inject('POST', '/api/v1/runs', { job: { program: { type: 'no-op' } } });
    assert.equal(res.status, 200);
    const jobs = await api.inject('GET', '/api/v1/jobs');
    assert.equal(jobs.json.length, 5);
  });

  it('keeps the jobs with the label given by ?label=', async () => {
    const res = await api.inject('GET', '/api/v1/jobs?label=ingest');
    assert.deepEqual(res.json.map((j: any) => j.job_id).sort(), ['daily/load eu', 'daily/load us']);
    const none = await api.inject('GET', '/api/v1/jobs?label=nothing');
    assert.deepEqual(none.json, []);
  });

  it('refuses label given twice with a 400 naming it', async () => {
    assertError(
      await api.inject('GET', '/api/v1/jobs?label=a&label=b'),
      400,
      'bad_request',
      'query label: given 2 times; give it once',
    );
  });
});

describe('GET /api/v1/jobs/<job_id> (§2.2)', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS);
  });
  after(async () => api?.close());

  it('answers the job object of an exact job id', async () => {
    const res = await api.inject('GET', '/api/v1/jobs/dependent');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, SPEC_DEPENDENT_JSO);
  });

  it('takes a job id with slashes and percent-encoded spaces', async () => {
    const res = await api.inject('GET', '/api/v1/jobs/daily/load%20eu');
    assert.equal(res.status, 200);
    assert.equal(res.json.job_id, 'daily/load eu');
    assert.deepEqual(res.json.metadata.labels, ['ingest', 'eu']);
  });

  it('resolves a fuzzy job id that matches one job', async () => {
    const res = await api.inject('GET', '/api/v1/jobs/load%20e');
    assert.equal(res.status, 200);
    assert.equal(res.json.job_id, 'daily/load eu');
  });

  it('answers a job named runs as a job, not as a runs query', async () => {
    const res = await api.inject('GET', '/api/v1/jobs/runs');
    assert.equal(res.status, 200);
    assert.equal(res.json.job_id, 'runs');
  });

  it('reaches an ad hoc job by its exact id', async () => {
    const res = await api.inject('POST', '/api/v1/runs', { job: { program: { type: 'no-op' } } });
    const [run] = Object.values(res.json.runs) as any[];
    const job = await api.inject('GET', `/api/v1/jobs/${run.job_id}`);
    assert.equal(job.status, 200);
    assert.equal(job.json.ad_hoc, true);
  });

  it('answers an unknown job id with 404 unknown_job', async () => {
    assertError(
      await api.inject('GET', '/api/v1/jobs/nope'),
      404,
      'unknown_job',
      'unknown job ID: nope',
    );
    assertError(
      await api.inject('GET', '/api/v1/jobs/no%20such/job'),
      404,
      'unknown_job',
      'unknown job ID: no such/job',
    );
  });

  it('answers an ambiguous fuzzy job id with 400 listing the matches', async () => {
    assertError(
      await api.inject('GET', '/api/v1/jobs/load'),
      400,
      'ambiguous_job',
      'ambiguous job id: daily/load eu, daily/load us',
    );
  });
});

describe('GET /api/v1/jobs/<job_id>/runs (§2.2)', () => {
  let api: TestApi;
  let eu: string;
  let us: string;
  before(async () => {
    api = await TestApi.start(JOBS);
    eu = await submit(api, 'daily/load eu', { date: '2024-10-22' });
    us = await submit(api, 'daily/load us', { date: '2024-10-22' });
  });
  after(async () => api?.close());

  it('answers the run-query shape with the runs of that job, always the runs suffix', async () => {
    const res = await api.inject('GET', '/api/v1/jobs/daily/load%20eu/runs');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(keys(res.json), ['when', 'runs']);
    assert.deepEqual(Object.keys(res.json.runs), [eu]);
    assert.equal(res.json.runs[eu].job_id, 'daily/load eu');
    assert.ok('program' in res.json.runs[eu], 'full form');
  });

  it('resolves the job id fuzzily', async () => {
    const res = await api.inject('GET', '/api/v1/jobs/load%20us/runs');
    assert.deepEqual(Object.keys(res.json.runs), [us]);
  });

  it('takes the run query parameters: summary, state, args, paging', async () => {
    const extra = await submit(api, 'daily/load eu', { date: '2024-10-23' });
    const summary = await api.inject('GET', '/api/v1/jobs/daily/load%20eu/runs?summary=true');
    assert.equal('program' in summary.json.runs[eu], false);
    const byArg = await api.inject('GET', '/api/v1/jobs/daily/load%20eu/runs?date=2024-10-23');
    assert.deepEqual(Object.keys(byArg.json.runs), [extra]);
    const page = await api.inject('GET', '/api/v1/jobs/daily/load%20eu/runs?limit=1&order=desc');
    assert.deepEqual(Object.keys(page.json.runs), [extra]);
    assert.equal(page.json.next, extra);
    const none = await api.inject('GET', '/api/v1/jobs/daily/load%20eu/runs?state=failure');
    assert.deepEqual(none.json.runs, {});
  });

  it('refuses bad query parameters as the run query does', async () => {
    assertError(
      await api.inject('GET', '/api/v1/jobs/dependent/runs?state=nope'),
      400,
      'bad_request',
      /^query state: not a state: "nope"/,
    );
    assertError(
      await api.inject('GET', '/api/v1/jobs/dependent/runs?limit=0'),
      400,
      'bad_request',
      /^query limit: /,
    );
  });

  it('answers an unknown job with 404 and an ambiguous one with 400', async () => {
    assertError(
      await api.inject('GET', '/api/v1/jobs/nope/runs'),
      404,
      'unknown_job',
      'unknown job ID: nope',
    );
    assertError(
      await api.inject('GET', '/api/v1/jobs/load/runs'),
      400,
      'ambiguous_job',
      /^ambiguous job id: /,
    );
  });
});
