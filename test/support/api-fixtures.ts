import assert from 'node:assert/strict';
import type { TestApi } from './api.js';

/**
 * The jobs of the spec's API examples (apsis-interfaces.md §2.2, §2.3):
 * `dependent` waits for a `dependency` run with the same date.
 */
export const SPEC_JOBS: Record<string, string> = {
  dependency: 'params: [flavor, date]\nprogram: {type: no-op, duration: 0}\n',
  dependent: [
    'params: [color, date]',
    'schedule: {type: interval, interval: 3600, args: {color: blue}}',
    'program: {type: no-op, duration: 0}',
    'condition: {type: dependency, job_id: dependency, args: {flavor: vanilla}}',
    'metadata: {description: "..."}',
    '',
  ].join('\n'),
};

/** `time_to_jso`: ISO 8601 UTC with exactly three fractional digits. */
export const API_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;

/** Keys of a run summary (apsis-model.md §7.9), before the optional ones. */
export const SUMMARY_KEYS = ['job_id', 'args', 'run_id', 'state', 'times', 'labels'];
/** Keys the full run form adds to the summary. */
export const FULL_KEYS = ['conds', 'actions', 'meta', 'program'];

export function keys(value: unknown): string[] {
  assert.ok(value !== null && typeof value === 'object', `not an object: ${String(value)}`);
  return Object.keys(value);
}

/** Asserts an error response: status, code, and a message matching `message`. */
export function assertError(
  res: { status: number; json: any; text: string },
  status: number,
  code: string,
  message: RegExp | string,
): void {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(keys(res.json), ['error', 'code'], res.text);
  assert.equal(res.json.code, code, res.text);
  if (typeof message === 'string') assert.equal(res.json.error, message);
  else assert.match(res.json.error, message);
}

/** POSTs a new run of `jobId` now and returns its id. */
export async function submit(
  api: TestApi,
  jobId: string,
  args: Record<string, string> = {},
): Promise<string> {
  const res = await api.inject('POST', '/api/v1/runs', { job_id: jobId, args });
  assert.equal(res.status, 200, res.text);
  const [runId] = Object.keys(res.json.runs);
  assert.ok(runId);
  await api.t.settle();
  return runId;
}

/** Sends a raw body with a JSON content type (malformed JSON cannot go through `inject`'s object). */
export async function postRaw(
  api: TestApi,
  url: string,
  payload: string,
  contentType = 'application/json',
): Promise<{ status: number; json: any; text: string }> {
  const res = await api.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { 'content-type': contentType },
  });
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, text: res.body };
}

/** The job object of the spec's example (apsis-interfaces.md §2.2). */
export const SPEC_DEPENDENT_JSO = {
  job_id: 'dependent',
  params: ['color', 'date'],
  schedule: [
    {
      type: 'interval',
      enabled: true,
      interval: 3600,
      phase: 0,
      args: { color: 'blue' },
      str: '(color=blue) every 3600.0 sec',
    },
  ],
  program: { type: 'no-op', duration: '0', success: true, str: 'no-op for 0 s' },
  condition: [
    {
      type: 'dependency',
      job_id: 'dependency',
      args: { flavor: 'vanilla' },
      str: 'dependency dependency(flavor=vanilla) is success',
    },
  ],
  common_conditions: [
    {
      type: 'dependency',
      job_id: 'dependency',
      args: { flavor: 'vanilla' },
      str: 'dependency dependency(flavor=vanilla) is success',
      resolved_job_id: 'dependency',
      resolved_args: { flavor: 'vanilla', date: '{{ date }}' },
    },
  ],
  resolved_conditions: [{ schedule_args: { color: 'blue' }, conditions: [] }],
  action: [],
  metadata: { labels: [], description: '...' },
  ad_hoc: false,
};
