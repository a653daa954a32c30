import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { resolveConnection } from '../../../src/cli/client/address.js';
import { createApi } from '../../../src/cli/client/api.js';
import { ApiError, BadResponseError, UnreachableError } from '../../../src/cli/client/errors.js';
import { apiPath, queryString } from '../../../src/cli/client/http.js';
import { openStream, parseOutputFrame } from '../../../src/cli/client/websocket.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A scripted daemon: each test sets the answer; every request is recorded. */
let handler: Handler = (_req, res) => res.end('{}');
const seen: Seen[] = [];
let server: Server;
let wss: WebSocketServer;
let port: number;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      handler(req, res);
    });
  });
  wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.authorization !== 'Bearer good') {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n' +
          '{"error":"wrong token"}',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send('{"a":1}');
      ws.send(Buffer.from('Content-Range: bytes=0-1/2\r\n\r\nhi'), { binary: true });
      ws.close(1000);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  wss.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function api(token?: string) {
  return createApi(resolveConnection({ host: '127.0.0.1', port: String(port), token }, {}));
}

function answer(status: number, body: string, type = 'application/json'): void {
  handler = (_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
}

describe('apiPath and queryString', () => {
  it('encodes each segment but keeps the slashes of a job id', () => {
    assert.equal(apiPath('/api/v1', 'jobs', 'daily/load eu'), '/api/v1/jobs/daily/load%20eu');
  });

  it('sends true as a bare key and leaves out undefined and false', () => {
    assert.equal(
      queryString({ restart: true, a: undefined, b: false, c: 'x y' }),
      '?restart&c=x%20y',
    );
  });
});

describe('the HTTP client', () => {
  it('sends the token as a bearer header and arg filters with a leading underscore', async () => {
    answer(200, '{"when":"x","runs":{}}');
    await api('s3cret').getRuns({ jobId: 'daily/load', args: { state: 'NY', date: '2024' } });
    const request = seen.at(-1);
    assert.equal(request?.authorization, 'Bearer s3cret');
    assert.equal(request?.url, '/api/v1/runs?job_id=daily%2Fload&_state=NY&_date=2024');
  });

  it('posts a schedule with args and times, count in the query', async () => {
    answer(200, '{"runs":{}}');
    await api().schedule(
      { jobId: 'j', args: { a: '1' } },
      { time: 'now', stopTime: '30m', count: 2 },
    );
    const request = seen.at(-1);
    assert.equal(request?.url, '/api/v1/runs?count=2');
    assert.deepEqual(JSON.parse(request?.body ?? ''), {
      job_id: 'j',
      args: { a: '1' },
      times: { schedule: 'now', stop: '30m' },
    });
  });

  it('uses PUT for stop and signal, as Apsis clients do', async () => {
    answer(200, '{}');
    await api().stop('r1');
    await api().signal('r1', 'TERM');
    assert.deepEqual(
      seen.slice(-2).map((s) => `${s.method} ${s.url}`),
      ['PUT /api/v1/runs/r1/stop', 'PUT /api/v1/runs/r1/signal/TERM'],
    );
  });

  it('turns a JSON error into an ApiError with its status and job errors', async () => {
    answer(
      400,
      '{"error":"errors loading jobs in jobs","job_errors":[["bad","missing key: program"]]}',
    );
    await assert.rejects(api().reloadJobs(true), (err) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 400);
      assert.equal(err.error, 'errors loading jobs in jobs');
      assert.deepEqual(err.jobErrors, [{ jobId: 'bad', message: 'missing key: program' }]);
      return true;
    });
    assert.equal(seen.at(-1)?.url, '/api/control/reload_jobs?dry_run=true');
  });

  it('names a non-JSON error body by its title instead of failing on it', async () => {
    answer(500, '<html><title>500 — Internal Server Error</title></html>', 'text/html');
    await assert.rejects(api().skip('r1'), (err) => {
      assert.ok(err instanceof ApiError);
      assert.equal(
        err.message,
        'unknown error (not JSON: "500 — Internal Server Error") [API status: 500]',
      );
      return true;
    });
  });

  it('refuses a success answer that is not the expected JSON', async () => {
    answer(200, 'hello', 'text/plain');
    await assert.rejects(api().version(), BadResponseError);
    answer(200, '{"version": 3}');
    await assert.rejects(api().version(), /GET \/api\/control\/version: version: /);
  });

  it('says the daemon cannot be reached when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = createApi(
      resolveConnection({ host: '127.0.0.1', port: String(freePort) }, {}),
    );
    await assert.rejects(unreachable.getJobs(), (err) => {
      assert.ok(err instanceof UnreachableError);
      assert.match(
        err.message,
        new RegExp(`^cannot reach the daemon at http://127.0.0.1:${freePort}: connection refused`),
      );
      return true;
    });
  });
});

describe('websocket streams', () => {
  function open(token: string) {
    const t = api(token).transport;
    return openStream(t.wsUrl('/api/v1/runs/r1/updates', { init: true }), {
      headers: t.headers(),
      baseUrl: t.connection.baseUrl,
    });
  }

  it('yields text and binary messages in order, then ends with the close code', async () => {
    const stream = open('good');
    const messages = [];
    for await (const m of stream) messages.push(m);
    assert.deepEqual(
      messages.map((m) => [m.binary, m.data.toString('utf8')]),
      [
        [false, '{"a":1}'],
        [true, 'Content-Range: bytes=0-1/2\r\n\r\nhi'],
      ],
    );
    assert.equal((await stream.ended).code, 1000);
  });

  it('turns a refused upgrade into the API error the daemon sent', async () => {
    await assert.rejects(
      (async () => {
        for await (const _ of open('bad')) assert.fail('no message expected');
      })(),
      (err) => err instanceof ApiError && err.status === 401 && err.error === 'wrong token',
    );
  });
});

describe('parseOutputFrame', () => {
  it("reads Apsis's bytes=START-END/LENGTH range and the data after the blank line", () => {
    const frame = parseOutputFrame(
      Buffer.from(
        'Content-Type: application/octet-stream\r\nContent-Range: bytes=5-7/8\r\nContent-Length: 3\r\n\r\nabc',
      ),
    );
    assert.equal(frame.start, 5);
    assert.equal(frame.length, 8);
    assert.equal(frame.data.toString(), 'abc');
  });

  it('reads an empty frame (END = START - 1) and the standard range form', () => {
    const frame = parseOutputFrame(Buffer.from('Content-Range: bytes 4-3/4\r\n\r\n'));
    assert.deepEqual([frame.start, frame.data.length], [4, 0]);
  });

  it('refuses a frame without a range', () => {
    assert.throws(
      () => parseOutputFrame(Buffer.from('Content-Length: 0\r\n\r\n')),
      /Content-Range/,
    );
  });
});
