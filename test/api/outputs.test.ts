import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestApi } from '../support/api.js';
import { assertError, keys, submit } from '../support/api-fixtures.js';
import { scriptedDrivers, scriptedJob, type ScriptedProgram } from '../support/scripted-program.js';

const JOBS = {
  work: scriptedJob(),
  needs: 'params: [flavor]\nprogram: {type: no-op}\n',
  quiet: 'program: {type: no-op}\n',
};

/** Bytes that do not compress away: each position holds a different-looking value. */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('run outputs over HTTP (§2.4, §2.5)', () => {
  let api: TestApi;
  let programs: Map<string, ScriptedProgram>;
  /** A finished run whose output of 3 MiB + 17 bytes was streamed in chunks of 1 MiB. */
  let big: string;
  let bigData: Uint8Array;
  /** A run in error: its output is the message, text/plain. */
  let failed: string;

  const get = (url: string, headers: Record<string, string> = {}) =>
    api.app.inject({ method: 'GET', url, headers });

  before(async () => {
    const scripted = scriptedDrivers();
    programs = scripted.programs;
    api = await TestApi.start(JOBS, { drivers: scripted.drivers });
    big = await submit(api, 'work');
    const program = programs.get(big)!;
    program.running();
    bigData = noise(3 * 1024 * 1024 + 17);
    for (let at = 0; at < bigData.byteLength; at += 1024 * 1024)
      await program.append(bigData.subarray(at, Math.min(bigData.byteLength, at + 1024 * 1024)));
    program.done('success');
    await api.t.settle();
    failed = await submit(api, 'needs');
  });
  after(async () => api?.close());

  it('lists outputs as [{output_id, output_len}], the length uncompressed', async () => {
    const res = await api.inject('GET', `/api/v1/runs/${big}/outputs`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, [{ output_id: 'output', output_len: bigData.byteLength }]);
    assert.deepEqual(keys(res.json[0]), ['output_id', 'output_len']);
  });

  it('lists the error message of a run in error as its output', async () => {
    const res = await api.inject('GET', `/api/v1/runs/${failed}/outputs`);
    const message = 'missing args (flavor) for job needs';
    assert.deepEqual(res.json, [{ output_id: 'output', output_len: message.length }]);
    const body = await get(`/api/v1/runs/${failed}/output/output`);
    assert.equal(body.body, message);
    assert.match(String(body.headers['content-type']), /^text\/plain/);
  });

  it('lists no outputs for a run without any, and 404s an unknown run (Apsis: [])', async () => {
    const quiet = await submit(api, 'quiet');
    assert.deepEqual((await api.inject('GET', `/api/v1/runs/${quiet}/outputs`)).json, []);
    assertError(
      await api.inject('GET', '/api/v1/runs/r9999/outputs'),
      404,
      'run_not_found',
      'unknown run ID: r9999',
    );
  });

  it('sends the whole output uncompressed, with its content type and length, whatever the client accepts', async () => {
    for (const accept of [undefined, 'br', 'gzip, br;q=1.0', '*']) {
      const res = await get(
        `/api/v1/runs/${big}/output/output`,
        accept === undefined ? {} : { 'accept-encoding': accept },
      );
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/octet-stream');
      assert.equal(res.headers['content-length'], String(bigData.byteLength));
      assert.equal(res.headers['content-encoding'], undefined);
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.ok(Buffer.from(bigData).equals(res.rawPayload), `accept-encoding ${accept}`);
    }
  });

  const ranges: [string, number, number][] = [
    ['bytes=0-9', 0, 10],
    ['bytes=1048570-1048590', 1048570, 1048591],
    ['bytes=3145700-', 3145700, 3 * 1024 * 1024 + 17],
    ['bytes=-5', 3 * 1024 * 1024 + 12, 3 * 1024 * 1024 + 17],
    ['bytes=100-99999999', 100, 3 * 1024 * 1024 + 17],
  ];
  for (const [range, start, end] of ranges) {
    it(`answers Range: ${range} with 206 and exactly those bytes`, async () => {
      const res = await get(`/api/v1/runs/${big}/output/output`, { range });
      assert.equal(res.statusCode, 206);
      assert.equal(res.headers['content-range'], `bytes ${start}-${end - 1}/${bigData.byteLength}`);
      assert.equal(res.headers['content-length'], String(end - start));
      assert.ok(Buffer.from(bigData.subarray(start, end)).equals(res.rawPayload));
    });
  }

  it('answers a range past the end with 416, the length in Content-Range, and a JSON error', async () => {
    const res = await get(`/api/v1/runs/${big}/output/output`, {
      range: `bytes=${bigData.byteLength}-`,
    });
    assert.equal(res.statusCode, 416);
    assert.equal(res.headers['content-range'], `bytes */${bigData.byteLength}`);
    const json = JSON.parse(res.body);
    assert.equal(json.code, 'bad_request');
    assert.match(json.error, /^header range: /);
  });

  it('sends the whole output for a range it does not take (several ranges, other units)', async () => {
    for (const range of ['bytes=0-1,5-6', 'lines=1-2']) {
      const res = await get(`/api/v1/runs/${failed}/output/output`, { range });
      assert.equal(res.statusCode, 200, range);
      assert.equal(res.body, 'missing args (flavor) for job needs');
    }
  });

  it('serves a running run’s interim output, then its streamed output, as it grows', async () => {
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    program.running();
    program.interim('hello');
    await api.t.settle();
    assert.deepEqual((await api.inject('GET', `/api/v1/runs/${runId}/outputs`)).json, [
      { output_id: 'output', output_len: 5 },
    ]);
    assert.equal((await get(`/api/v1/runs/${runId}/output/output`)).body, 'hello');
    program.done('success', []);
    await api.t.settle();

    const streaming = await submit(api, 'work');
    const stream = programs.get(streaming)!;
    stream.running();
    await stream.append('first ');
    await api.t.settle();
    assert.equal((await get(`/api/v1/runs/${streaming}/output/output`)).body, 'first ');
    await stream.append('second');
    await api.t.settle();
    assert.equal((await get(`/api/v1/runs/${streaming}/output/output`)).body, 'first second');
    stream.done('success');
    await api.t.settle();
  });

  it('answers an unknown output or run with 404 output_not_found in Apsis’s words', async () => {
    assertError(
      await api.inject('GET', `/api/v1/runs/${big}/output/stderr`),
      404,
      'output_not_found',
      `no output stderr for ${big}`,
    );
    assertError(
      await api.inject('GET', '/api/v1/runs/r9999/output/output'),
      404,
      'output_not_found',
      'no output output for r9999',
    );
  });
});
