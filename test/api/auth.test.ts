import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { TestApi } from '../support/api.js';
import { assertError } from '../support/api-fixtures.js';

const TOKEN = 'sekrit-token';
const JOBS = { quiet: 'program: {type: no-op}\n' };

/** Every HTTP route of apsis-interfaces.md §2.0 (debug excluded: it does not exist). */
const ROUTES: ['GET' | 'POST' | 'PUT', string][] = [
  ['GET', '/api/v1/alive'],
  ['GET', '/api/v1/running'],
  ['GET', '/api/v1/stats'],
  ['GET', '/api/v1/jobs'],
  ['GET', '/api/v1/jobs/quiet'],
  ['GET', '/api/v1/jobs/quiet/runs'],
  ['GET', '/api/v1/runs'],
  ['POST', '/api/v1/runs'],
  ['GET', '/api/v1/runs/RUN'],
  ['GET', '/api/v1/runs/RUN/log'],
  ['GET', '/api/v1/runs/RUN/state'],
  ['GET', '/api/v1/runs/RUN/dependencies'],
  ['GET', '/api/v1/runs/RUN/outputs'],
  ['GET', '/api/v1/runs/RUN/output/output'],
  ['POST', '/api/v1/runs/RUN/skip'],
  ['POST', '/api/v1/runs/RUN/start'],
  ['POST', '/api/v1/runs/RUN/rerun'],
  ['PUT', '/api/v1/runs/RUN/stop'],
  ['POST', '/api/v1/runs/RUN/stop'],
  ['PUT', '/api/v1/runs/RUN/signal/TERM'],
  ['POST', '/api/v1/runs/RUN/signal/TERM'],
  ['PUT', '/api/v1/runs/RUN/mark/failure'],
  ['POST', '/api/v1/runs/RUN/mark/failure'],
  ['POST', '/api/control/reload_jobs?dry_run=true'],
  ['POST', '/api/control/shut_down'],
  ['GET', '/api/control/version'],
  ['GET', '/api/procstar/connections'],
  ['GET', '/api/procstar/groups'],
  // No route: the token is checked first, so a caller without it learns nothing.
  ['GET', '/api/v1/no-such-route'],
];

const WEBSOCKETS = [
  '/api/v1/summary?init',
  '/api/v1/runs/RUN/updates?init',
  '/api/v1/runs/RUN/output/output/updates?start=0',
];

/** Opens a websocket; resolves with the HTTP status of a refused upgrade, or 101 once open. */
function openSocket(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', (err) => {
      if (!err.message.includes('Unexpected server response')) reject(err);
    });
  });
}

describe('api.token', () => {
  let api: TestApi;
  let runId: string;
  before(async () => {
    api = await TestApi.start(JOBS, { token: TOKEN });
    // Made directly: the API would want the token.
    runId = api.t.runtime.operations.schedule({ jobId: 'quiet' }).runId;
    await api.t.settle();
    await api.listen();
  });
  after(async () => api?.close());

  const path = (p: string) => p.replace('RUN', runId);
  const withQuery = (p: string, token: string) =>
    `${p}${p.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`;

  for (const [method, route] of ROUTES) {
    it(`refuses ${method} ${route} without a token or with a wrong one: 401 unauthorized`, async () => {
      assertError(
        await api.inject(method, path(route)),
        401,
        'unauthorized',
        /^missing token: send the API token as "Authorization: Bearer TOKEN"/,
      );
      assertError(
        await api.inject(method, path(route), undefined, { authorization: 'Bearer nope' }),
        401,
        'unauthorized',
        /^wrong token: /,
      );
      assertError(
        await api.inject(method, withQuery(path(route), 'nope')),
        401,
        'unauthorized',
        /^wrong token: /,
      );
      assertError(
        await api.inject(method, path(route), undefined, {
          authorization: `Basic ${Buffer.from(`apsis:${TOKEN}`).toString('base64')}`,
        }),
        401,
        'unauthorized',
        /^missing token: /,
      );
    });

    it(`accepts ${method} ${route} with Authorization: Bearer or ?access_token=`, async () => {
      // shut_down only records that it was asked; the test server keeps running.
      const byHeader = await api.inject(method, path(route), undefined, {
        authorization: `Bearer ${TOKEN}`,
      });
      assert.notEqual(byHeader.status, 401, byHeader.text);
      const byQuery = await api.inject(method, withQuery(path(route), TOKEN));
      assert.notEqual(byQuery.status, 401, byQuery.text);
    });
  }

  it('takes the Bearer scheme in any case', async () => {
    const res = await api.inject('GET', '/api/v1/alive', undefined, {
      authorization: `bearer ${TOKEN}`,
    });
    assert.equal(res.status, 200);
  });

  it('does not take the token as an arg filter', async () => {
    const res = await api.inject('GET', withQuery(`/api/v1/runs?run_id=${runId}`, TOKEN));
    assert.deepEqual(Object.keys(res.json.runs), [runId]);
  });

  for (const route of WEBSOCKETS) {
    it(`refuses the websocket ${route.split('?')[0]} without the right token: 401 before the upgrade`, async () => {
      const url = `ws://${api.url}${path(route)}`;
      assert.equal(await openSocket(url), 401);
      assert.equal(await openSocket(url, { authorization: 'Bearer nope' }), 401);
      assert.equal(await openSocket(withQuery(url, 'nope')), 401);
    });

    it(`opens the websocket ${route.split('?')[0]} with Authorization: Bearer or ?access_token=`, async () => {
      const url = `ws://${api.url}${path(route)}`;
      assert.equal(await openSocket(url, { authorization: `Bearer ${TOKEN}` }), 101);
      assert.equal(await openSocket(withQuery(url, TOKEN)), 101);
    });
  }
});

describe('no api.token', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS, { token: null });
  });
  after(async () => api?.close());

  it('answers every request without a token, and ignores one that is sent', async () => {
    assert.equal((await api.inject('GET', '/api/v1/jobs')).status, 200);
    const res = await api.inject('GET', '/api/v1/jobs', undefined, { authorization: 'Bearer x' });
    assert.equal(res.status, 200);
  });
});

describe('requests from pages of another origin', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start(JOBS, { token: null });
    await api.listen();
  });
  after(async () => api?.close());

  it('refuses a cross-origin POST with 403 forbidden_origin and creates nothing', async () => {
    const before = [...api.t.runtime.queries.runs({})].length;
    for (const origin of ['http://evil.example', 'null', `http://${api.url}.evil.example`]) {
      assertError(
        await api.inject('POST', '/api/v1/runs', { job_id: 'quiet' }, { origin }),
        403,
        'forbidden_origin',
        `requests from pages of another origin are refused: ${origin} (behind a proxy, pass the Host header on)`,
      );
    }
    assertError(
      await api.inject('POST', '/api/control/shut_down', undefined, {
        origin: 'http://evil.example',
      }),
      403,
      'forbidden_origin',
      /^requests from pages of another origin are refused/,
    );
    assert.equal([...api.t.runtime.queries.runs({})].length, before);
    assert.deepEqual(api.shutDowns, []);
  });

  it('answers a page of its own origin, directly or behind a proxy that passes X-Forwarded-Host', async () => {
    const own = await api.inject('GET', '/api/v1/jobs', undefined, {
      host: 'apsis.local:5000',
      origin: 'http://APSIS.local:5000',
    });
    assert.equal(own.status, 200, own.text);
    const proxied = await api.inject('GET', '/api/v1/jobs', undefined, {
      host: '127.0.0.1:5000',
      'x-forwarded-host': 'apsis.example.com',
      origin: 'https://apsis.example.com',
    });
    assert.equal(proxied.status, 200, proxied.text);
  });

  it('refuses a websocket opened by a page of another origin, before the upgrade', async () => {
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://${api.url}/api/v1/summary?init`, {
        origin: 'http://evil.example',
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('open', () => reject(new Error('opened')));
      ws.once('error', (err) => {
        if (!err.message.includes('Unexpected server response')) reject(err);
      });
    });
    assert.equal(refused, 403);
    const own = await openSocket(`ws://${api.url}/api/v1/summary`, {
      origin: `http://${api.url}`,
    });
    assert.equal(own, 101);
  });
});
