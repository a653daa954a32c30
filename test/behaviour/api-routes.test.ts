import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { Daemon } from '../support/daemon.js';
import { freePort } from '../support/net.js';
import { tempDir, writeFiles } from '../support/temp-dir.js';

/**
 * Every route and websocket of the API, once, on the real daemon over real
 * HTTP: the in-process tests (test/api/) prove each in depth; this proves
 * the daemon serves them all.
 */

const JOBS = {
  'jobs/hourly.yaml':
    'params: [time]\nschedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n',
  'jobs/quick.yaml': 'params: [n]\nprogram: {type: no-op, duration: 0.2s}\n',
  'jobs/slow.yaml': 'program: {type: no-op, duration: 60s}\n',
  'jobs/dependent.yaml':
    'params: [n]\nprogram: {type: no-op}\ncondition: {type: dependency, job_id: quick, args: {n: "{{ n }}"}}\n',
};

interface Answer {
  status: number;
  json: any;
  text: string;
}

async function http(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Opens a websocket and collects its messages until it closes or `ms` pass. */
function collect(
  url: string,
  ms: number,
): Promise<{ messages: (string | Buffer)[]; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: (string | Buffer)[] = [];
    let code = 0;
    ws.on('message', (data, isBinary) =>
      messages.push(isBinary ? (data as Buffer) : data.toString()),
    );
    ws.on('error', reject);
    const timer = setTimeout(() => ws.close(), ms);
    ws.on('close', (c) => {
      code = c;
      clearTimeout(timer);
      resolve({ messages, code });
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('every API route on the real daemon', () => {
  it('answers each route and websocket of the API over real HTTP', async () => {
    const dir = tempDir('apsis-routes-');
    writeFiles(dir, {
      'apsis.yaml': `job_dir: jobs
database: apsis.db
schedule: {horizon: 3h}
procstar:
  agent:
    enable: true
    server: {host: 127.0.0.1, port: ${await freePort()}, access_token: t0ken}
`,
      ...JOBS,
    });
    const daemon = new Daemon(['--config', join(dir, 'apsis.yaml')]);
    after(() => daemon.kill('SIGKILL'));
    const base = await daemon.apiUrl();
    const ws = base.replace('http', 'ws');
    await daemon.waitFor('ready');
    const ok = async (method: string, path: string, body?: unknown): Promise<any> => {
      const answer = await http(base, method, path, body);
      assert.equal(answer.status, 200, `${method} ${path}: ${answer.text}`);
      return answer.json;
    };

    // Health, stats, version.
    assert.deepEqual(await ok('GET', '/api/v1/alive'), {});
    assert.deepEqual(await ok('GET', '/api/v1/running'), {});
    assert.equal(typeof (await ok('GET', '/api/v1/stats')).start_time, 'string');
    assert.match((await ok('GET', '/api/control/version')).version, /^\d+\.\d+\.\d+/);

    // Jobs.
    const jobs = await ok('GET', '/api/v1/jobs');
    assert.deepEqual(jobs.map((j: any) => j.job_id).sort(), [
      'dependent',
      'hourly',
      'quick',
      'slow',
    ]);
    assert.equal((await ok('GET', '/api/v1/jobs/hourly')).job_id, 'hourly');
    assert.equal(Object.keys((await ok('GET', '/api/v1/jobs/hourly/runs')).runs).length, 3);

    // Creating runs, queries, one run and its parts.
    const quick = Object.keys(
      (await ok('POST', '/api/v1/runs', { job_id: 'quick', args: { n: '1' } })).runs,
    )[0] as string;
    const dependent = Object.keys(
      (await ok('POST', '/api/v1/runs', { job_id: 'dependent', args: { n: '1' } })).runs,
    )[0] as string;
    await until('the quick run to succeed', async () =>
      (await ok('GET', `/api/v1/runs/${quick}/state`)).state === 'success' ? true : undefined,
    );
    assert.ok((await ok('GET', '/api/v1/runs?job_id=quick')).runs[quick]);
    assert.equal((await ok('GET', `/api/v1/runs/${quick}`)).runs[quick].state, 'success');
    assert.ok((await ok('GET', `/api/v1/runs/${quick}/log`)).run_log.length >= 3);
    assert.deepEqual((await ok('GET', `/api/v1/runs/${dependent}/dependencies`))[dependent], [
      { job_id: 'quick', args: { n: '1' }, run_ids: [quick] },
    ]);
    assert.deepEqual(await ok('GET', `/api/v1/runs/${quick}/outputs`), []);
    assert.equal((await http(base, 'GET', `/api/v1/runs/${quick}/output/output`)).status, 404);
    const path = await ok('GET', `/api/v1/runs/${quick}/transitions`);
    assert.deepEqual(
      path.transitions.map((t: any) => t.to),
      ['scheduled', 'starting', 'running', 'success'],
    );

    // Operations.
    const expected = Object.keys(
      (await ok('GET', '/api/v1/runs?job_id=hourly&summary=true')).runs,
    ) as string[];
    assert.deepEqual(await ok('POST', `/api/v1/runs/${expected[0]}/skip`), {});
    assert.deepEqual(await ok('POST', `/api/v1/runs/${expected[1]}/start`), {});
    const rerun = await ok('POST', `/api/v1/runs/${quick}/rerun`, {});
    assert.match(rerun.show_run_id, /^r\d+$/);
    assert.deepEqual(await ok('POST', `/api/v1/runs/${quick}/mark/failure`), {});
    const slow = Object.keys(
      (await ok('POST', '/api/v1/runs', { job_id: 'slow' })).runs,
    )[0] as string;
    await until('the slow run to run', async () =>
      (await ok('GET', `/api/v1/runs/${slow}/state`)).state === 'running' ? true : undefined,
    );
    // no-op takes no signals: the API says why, as JSON.
    const signal = await http(base, 'PUT', `/api/v1/runs/${slow}/signal/SIGUSR1`);
    assert.ok(signal.status >= 400 && typeof signal.json.error === 'string', signal.text);
    assert.equal((await ok('PUT', `/api/v1/runs/${slow}/stop`)).runs[slow].state, 'stopping');

    // Procstar and inspection.
    assert.deepEqual(await ok('GET', '/api/procstar/connections'), {});
    assert.deepEqual(await ok('GET', '/api/procstar/groups'), {});
    const actors = await ok('GET', '/api/v1/actors');
    assert.ok(actors.actors.some((a: any) => a.id === 'scheduler'));
    assert.equal((await ok('GET', '/api/v1/actors/scheduler')).actor.id, 'scheduler');
    const machines = await ok('GET', '/api/v1/machines');
    assert.ok(machines.machines.some((m: any) => m.name === 'run'));
    assert.equal((await ok('GET', '/api/v1/machines/run')).machine.name, 'run');

    // Websockets: summary snapshot, a run's updates, its output, actor events.
    const summary = await collect(`${ws}/api/v1/summary?init`, 500);
    const types = new Set(
      summary.messages.flatMap((m) => (JSON.parse(m as string) as any[]).map((x) => x.type)),
    );
    assert.ok(types.has('job') && types.has('run_summary'), [...types].join());
    const updates = await collect(`${ws}/api/v1/runs/${quick}/updates?init`, 300);
    assert.equal(JSON.parse(updates.messages[0] as string).run.run_id, quick);
    const output = await collect(`${ws}/api/v1/runs/${quick}/output/output/updates?start=0`, 1000);
    assert.equal(output.code, 1000, 'a finished run with no output closes at once');
    const events = collect(`${ws}/api/v1/actors/events?machine=run`, 1500);
    await ok('POST', '/api/v1/runs', { job_id: 'quick', args: { n: '2' } });
    assert.ok((await events).messages.length > 0);

    // Control: reload (dry run and real), then shut down.
    assert.deepEqual(await ok('POST', '/api/control/reload_jobs?dry_run=true'), {
      removed: [],
      added: [],
      changed: [],
      dry_run: true,
    });
    assert.equal((await ok('POST', '/api/control/reload_jobs')).dry_run, false);
    assert.deepEqual(await ok('POST', '/api/control/shut_down'), {});
    assert.deepEqual(await daemon.exited, { code: 0, signal: null });
  });
});
