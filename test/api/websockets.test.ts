import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { TestApi, type TestSocket } from '../support/api.js';
import { API_TIME, keys, SPEC_JOBS, submit, SUMMARY_KEYS } from '../support/api-fixtures.js';
import { FakeAgent, startTestServer } from '../support/fake-agent.js';
import { scriptedDrivers, scriptedJob, type ScriptedProgram } from '../support/scripted-program.js';

const QUIET = 'program: {type: no-op}\n';
const JOBS = { ...SPEC_JOBS, work: scriptedJob(), quiet: QUIET };

/** Every message of a summary socket so far, frames flattened, in order. */
function summaryMessages(socket: TestSocket): any[] {
  return socket.json.flatMap((frame) => {
    assert.ok(Array.isArray(frame), 'every summary frame is a JSON array');
    return frame;
  });
}

/** A W3 frame split into its headers and its bytes (apsis-interfaces.md §3.3). */
function parseOutputFrame(frame: string | Buffer): {
  headers: string[];
  start: number;
  end: number;
  length: number;
  data: Buffer;
} {
  assert.ok(Buffer.isBuffer(frame), 'output frames are binary');
  const split = frame.indexOf('\r\n\r\n');
  assert.ok(split > 0, 'headers end with a blank line');
  const headers = frame.subarray(0, split).toString('ascii').split('\r\n');
  const data = frame.subarray(split + 4);
  const range = /^Content-Range: bytes=(\d+)-(-?\d+)\/(\d+)$/.exec(headers[1] ?? '');
  assert.ok(range, `Content-Range header: ${headers[1]}`);
  assert.equal(headers[2], `Content-Length: ${data.byteLength}`);
  return {
    headers,
    start: Number(range[1]),
    end: Number(range[2]),
    length: Number(range[3]),
    data,
  };
}

/** Opens a websocket and reports a refused upgrade's status and JSON body. */
function refusal(url: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) });
        ws.terminate();
      });
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error(`${url} opened`));
    });
    ws.once('error', (err) => {
      if (!err.message.includes('Unexpected server response')) reject(err);
    });
  });
}

/** Waits for the socket to close; returns its close code and reason. */
async function closed(socket: TestSocket): Promise<{ code: number; reason: string }> {
  await socket.until(() => socket.closed !== undefined);
  return socket.closed!;
}

describe('summary websocket /api/v1/summary (§3.1)', () => {
  let api: TestApi;
  let programs: Map<string, ScriptedProgram>;
  let done: string;
  let live: string;
  before(async () => {
    const { server, url } = await startTestServer();
    const scripted = scriptedDrivers();
    programs = scripted.programs;
    api = await TestApi.start(JOBS, { drivers: scripted.drivers, apiOptions: { agents: server } });
    await FakeAgent.register(url, { connId: 'c-1' });
    done = await submit(api, 'quiet');
    live = await submit(api, 'work');
    programs.get(live)!.running();
    await api.t.settle();
    // An ad hoc job is never on the summary stream.
    await api.inject('POST', '/api/v1/runs', { job: { program: { type: 'no-op' } } });
    await api.t.advance(1000);
    await api.listen();
  });
  after(async () => api?.close());

  it('sends with ?init the snapshot: jobs, then agent connections, then run summaries newest first', async () => {
    const asOf = api.summary.latest;
    const socket = await api.socket('/api/v1/summary?init');
    // 24 expected runs of `dependent`, plus quiet, work and the ad hoc run.
    await socket.until(
      () => summaryMessages(socket).filter((m) => m.type === 'run_summary').length === 27,
    );
    const messages = summaryMessages(socket);
    const types = messages.map((m) => m.type);
    assert.deepEqual(types.slice(0, 5), ['job', 'job', 'job', 'job', 'agent_conn']);
    assert.ok(types.slice(5).every((t) => t === 'run_summary'));
    assert.deepEqual(
      messages
        .slice(0, 4)
        .map((m) => m.job.job_id)
        .sort(),
      ['dependency', 'dependent', 'quiet', 'work'],
    );
    assert.deepEqual(keys(messages[0]), ['type', 'job', 'seq']);
    assert.equal(messages[4].conn.conn_id, 'c-1');
    const runs = messages.slice(5);
    const numbers = runs.map((m) => Number(m.run_summary.run_id.slice(1)));
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => b - a),
    );
    const quiet = runs.find((m) => m.run_summary.run_id === done);
    assert.deepEqual(keys(quiet), ['type', 'run_summary', 'seq']);
    assert.deepEqual(keys(quiet.run_summary), SUMMARY_KEYS);
    assert.equal(quiet.run_summary.state, 'success');
    const expected = runs.find((m) => m.run_summary.expected === true);
    assert.deepEqual(keys(expected.run_summary), [...SUMMARY_KEYS, 'expected', 'dependencies']);
    // Every snapshot message carries the number the snapshot is as of.
    assert.ok(messages.every((m) => m.seq === asOf));
  });

  it('sends no snapshot without ?init, only live messages', async () => {
    const socket = await api.socket('/api/v1/summary');
    await api.t.advance(200);
    assert.deepEqual(socket.messages, []);
    await submit(api, 'quiet');
    await api.t.advance(200);
    await socket.until(() => summaryMessages(socket).length > 0);
    assert.ok(summaryMessages(socket).every((m) => m.type === 'run_transition'));
  });

  it('sends each run transition as run_transition with the run summary, numbered one by one', async () => {
    const socket = await api.socket('/api/v1/summary');
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    program.running();
    await api.t.settle();
    program.done('failure');
    await api.t.advance(200);
    await socket.until(() =>
      summaryMessages(socket).some((m) => m.run_summary?.state === 'failure'),
    );
    const messages = summaryMessages(socket).filter((m) => m.run_summary?.run_id === runId);
    for (const m of messages) {
      assert.deepEqual(keys(m), ['type', 'run_summary', 'seq']);
      assert.equal(m.type, 'run_transition');
      assert.deepEqual(keys(m.run_summary), SUMMARY_KEYS);
    }
    const states = messages.map((m) => m.run_summary.state);
    assert.equal(states.at(-1), 'failure');
    assert.ok(states.includes('running'));
    const seqs = summaryMessages(socket).map((m) => m.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0] + i),
    );
  });

  it('does not send metadata updates or output on the summary stream', async () => {
    const socket = await api.socket('/api/v1/summary');
    programs.get(live)!.meta({ progress: 50 });
    programs.get(live)!.interim('some output');
    await api.t.advance(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(socket.messages, []);
  });

  it('announces the expected runs generated as the horizon moves, as run_transition to scheduled', async () => {
    const newest = await api.inject('GET', '/api/v1/runs?order=desc&limit=1&summary=true');
    const before = Number(String(newest.json.next).slice(1));
    const socket = await api.socket('/api/v1/summary');
    await api.t.advance(3_600_000);
    await socket.until(
      () =>
        summaryMessages(socket).some(
          (m) => m.run_summary?.expected === true && Number(m.run_summary.run_id.slice(1)) > before,
        ),
      500,
    );
  });

  it('sends run_delete, job_delete, job_add and job when a reload changes the jobs', async () => {
    const socket = await api.socket('/api/v1/summary');
    api.setJobFiles({
      ...SPEC_JOBS,
      dependent: SPEC_JOBS.dependent!.replace('interval: 3600', 'interval: 7200'),
      work: scriptedJob(),
      added: QUIET,
    });
    const res = await api.inject('POST', '/api/control/reload_jobs');
    assert.deepEqual(res.json, {
      removed: ['quiet'],
      added: ['added'],
      changed: ['dependent'],
      dry_run: false,
    });
    await api.t.advance(200);
    await socket.until(() => summaryMessages(socket).some((m) => m.type === 'job'));
    const messages = summaryMessages(socket);
    const deleted = messages.filter((m) => m.type === 'run_delete');
    assert.equal(deleted.length, 24);
    assert.deepEqual(keys(deleted[0]), ['type', 'run_id', 'seq']);
    const jobDelete = messages.find((m) => m.type === 'job_delete');
    assert.deepEqual(jobDelete, { type: 'job_delete', job_id: 'quiet', seq: jobDelete.seq });
    const jobAdd = messages.find((m) => m.type === 'job_add');
    assert.equal(jobAdd.job.job_id, 'added');
    assert.deepEqual(keys(jobAdd), ['type', 'job', 'seq']);
    const job = messages.find((m) => m.type === 'job');
    assert.equal(job.job.job_id, 'dependent');
    assert.equal(job.job.schedule[0].interval, 7200);
  });
});

describe('summary websocket: resume and slow clients', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start({ quiet: QUIET });
    await api.listen();
  });
  after(async () => api?.close());

  it('with ?resume=SEQ sends only the messages after SEQ, and no snapshot', async () => {
    const first = await api.socket('/api/v1/summary');
    await submit(api, 'quiet');
    await api.t.advance(200);
    await first.until(() => summaryMessages(first).some((m) => m.run_summary?.state === 'success'));
    const last = summaryMessages(first).at(-1).seq as number;
    first.ws.close();
    await closed(first);

    const missed = await submit(api, 'quiet');
    await api.t.advance(200);
    const latest = api.summary.latest;
    assert.ok(latest > last);
    const second = await api.socket(`/api/v1/summary?resume=${last}`);
    await api.t.advance(200);
    await second.until(() => summaryMessages(second).length === latest - last);
    const messages = summaryMessages(second);
    assert.deepEqual(
      messages.map((m) => m.seq),
      Array.from({ length: latest - last }, (_, i) => last + 1 + i),
    );
    assert.ok(messages.every((m) => m.run_summary.run_id === missed));
  });

  it('sends a snapshot instead when SEQ is not one it can resume from', async () => {
    // A number from before a restart is smaller than any of this process's.
    for (const seq of [5, api.summary.latest + 1000]) {
      const socket = await api.socket(`/api/v1/summary?resume=${seq}`);
      await socket.until(() => summaryMessages(socket).some((m) => m.type === 'job'));
      assert.equal(summaryMessages(socket)[0].type, 'job');
      socket.ws.close();
    }
  });

  it('closes a client that stops reading with 1013 and where to resume, and it resumes without a gap', async () => {
    const slow = await api.socket('/api/v1/summary');
    // The client stops reading: the server's unsent bytes pile up.
    const tcp = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const start = api.summary.latest;
    const padding = 'x'.repeat(1000);
    for (let round = 0; round < 10 && slow.closed === undefined; round++) {
      for (let i = 0; i < 4000; i++) api.summary.publish({ type: 'test', padding });
      await api.t.advance(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // One more message finds the client still behind.
    api.summary.publish({ type: 'test', padding });
    tcp.resume();
    const { code, reason } = await closed(slow);
    assert.equal(code, 1013);
    const m = /^too slow; resume=(\d+)$/.exec(reason);
    assert.ok(m, reason);
    const resumeFrom = Number(m[1]);
    const received = summaryMessages(slow).map((msg) => msg.seq as number);
    assert.equal(received.at(-1), resumeFrom, 'the client got everything up to the resume point');
    assert.deepEqual(
      received,
      received.map((_, i) => start + 1 + i),
    );

    const again = await api.socket(`/api/v1/summary?resume=${resumeFrom}`);
    await api.t.advance(200);
    const latest = api.summary.latest;
    await again.until(() => summaryMessages(again).at(-1)?.seq === latest);
    const rest = summaryMessages(again).map((msg) => msg.seq as number);
    assert.equal(rest[0], resumeFrom + 1);
    assert.equal(rest.length, latest - resumeFrom);
  });
});

describe('run updates websocket /api/v1/runs/<id>/updates (§3.2)', () => {
  let api: TestApi;
  let programs: Map<string, ScriptedProgram>;
  before(async () => {
    const scripted = scriptedDrivers();
    programs = scripted.programs;
    api = await TestApi.start(JOBS, { drivers: scripted.drivers });
    await api.listen();
  });
  after(async () => api?.close());

  it('sends with ?init one object: the run summary, meta, run log and outputs', async () => {
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    program.running({ pid: 42 });
    program.interim('hello');
    await api.t.settle();
    const socket = await api.socket(`/api/v1/runs/${runId}/updates?init`);
    await socket.until(() => socket.json.length === 1);
    const [init] = socket.json;
    assert.deepEqual(keys(init), ['run', 'meta', 'run_log', 'outputs']);
    assert.deepEqual(keys(init.run), SUMMARY_KEYS);
    assert.equal(init.run.state, 'running');
    assert.deepEqual(init.meta.program, { pid: 42 });
    assert.equal(typeof init.meta.elapsed, 'number');
    assert.deepEqual(
      init.run_log.map((e: any) => e.message),
      ['scheduled: now', 'starting', 'running'],
    );
    for (const entry of init.run_log) {
      assert.deepEqual(keys(entry), ['timestamp', 'message']);
      assert.match(entry.timestamp, API_TIME);
    }
    assert.deepEqual(init.outputs, {
      output: { name: 'output', length: 5, content_type: 'text/plain' },
    });
    program.done('success');
    await api.t.settle();
  });

  it('sends transitions, metadata, log lines and output as they happen, one object a frame', async () => {
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    const socket = await api.socket(`/api/v1/runs/${runId}/updates`);
    program.running();
    await api.t.settle();
    program.meta({ progress: 1 });
    await api.t.settle();
    program.log('halfway');
    await api.t.settle();
    program.interim('abc');
    await api.t.settle();
    program.done('success');
    await api.t.settle();
    await socket.until(() => socket.json.some((m) => m.run?.state === 'success'));
    const messages = socket.json;
    assert.ok(messages.every((m) => !Array.isArray(m)));
    const running = messages.find((m) => m.run?.state === 'running');
    assert.deepEqual(keys(running), ['run', 'meta']);
    assert.deepEqual(keys(running.run), SUMMARY_KEYS);
    const line = messages.find((m) => m.run_log_append?.message === 'halfway');
    assert.deepEqual(keys(line.run_log_append), ['timestamp', 'message']);
    assert.match(line.run_log_append.timestamp, API_TIME);
    const output = messages.find((m) => m.outputs);
    assert.deepEqual(output, {
      outputs: { output: { name: 'output', length: 3, content_type: 'text/plain' } },
    });
    const logged = messages.filter((m) => m.run_log_append).map((m) => m.run_log_append.message);
    assert.deepEqual(logged, ['running', 'halfway', 'success']);
    const success = messages.find((m) => m.run?.state === 'success');
    assert.deepEqual(success.meta.program, { progress: 1 }, 'metadata comes with the transition');
    assert.equal(socket.closed, undefined, 'the stream does not close when the run finishes');
  });

  it('sends a metadata update between transitions as {meta} alone', async () => {
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    program.running();
    await api.t.settle();
    const socket = await api.socket(`/api/v1/runs/${runId}/updates`);
    program.meta({ progress: 2 });
    await api.t.settle();
    try {
      await socket.until(() => socket.json.some((m) => keys(m).join() === 'meta'), 500);
    } finally {
      program.done('success');
      await api.t.settle();
    }
  });

  it('accepts ?init=1 as well as a bare ?init (Apsis only the bare flag)', async () => {
    const runId = await submit(api, 'quiet');
    const socket = await api.socket(`/api/v1/runs/${runId}/updates?init=1`);
    await socket.until(() => socket.json.length === 1);
    assert.equal(socket.json[0].run.state, 'success');
  });

  it('closes at once, normally and with nothing sent, for an unknown run', async () => {
    const socket = await api.socket('/api/v1/runs/r9999/updates?init');
    const { code } = await closed(socket);
    assert.equal(code, 1000);
    assert.deepEqual(socket.messages, []);
  });
});

describe('output updates websocket /api/v1/runs/<id>/output/<id>/updates (§3.3)', () => {
  let api: TestApi;
  let programs: Map<string, ScriptedProgram>;
  /** A finished run with 2.5 MiB of streamed output (stored in compressed chunks). */
  let big: string;
  let bigData: Buffer;
  before(async () => {
    const scripted = scriptedDrivers();
    programs = scripted.programs;
    api = await TestApi.start(JOBS, { drivers: scripted.drivers });
    big = await submit(api, 'work');
    const program = programs.get(big)!;
    program.running();
    bigData = Buffer.alloc(2.5 * 1024 * 1024);
    for (let i = 0; i < bigData.length; i++) bigData[i] = (i * 7919) % 251;
    for (let at = 0; at < bigData.length; at += 1024 * 1024)
      await program.append(bigData.subarray(at, at + 1024 * 1024));
    program.done('success');
    await api.t.settle();
    await api.listen();
  });
  after(async () => api?.close());

  /** Every frame's bytes, checked to follow on from the previous frame. */
  function joined(socket: TestSocket, from: number): Buffer {
    let at = from;
    const parts: Buffer[] = [];
    for (const message of socket.messages) {
      const frame = parseOutputFrame(message);
      assert.equal(frame.start, at, 'each frame starts where the previous ended');
      assert.equal(frame.end, at + frame.data.byteLength - 1);
      at += frame.data.byteLength;
      parts.push(frame.data);
    }
    return Buffer.concat(parts);
  }

  it('sends a finished run’s output from start=N to the end in binary frames, then closes normally', async () => {
    const socket = await api.socket(`/api/v1/runs/${big}/output/output/updates?start=100`);
    const { code } = await closed(socket);
    assert.equal(code, 1000);
    assert.ok(socket.messages.length >= 3, `${socket.messages.length} frames`);
    const first = parseOutputFrame(socket.messages[0]!);
    assert.deepEqual(first.headers, [
      'Content-Type: application/octet-stream',
      `Content-Range: bytes=100-${first.end}/${bigData.length}`,
      `Content-Length: ${first.data.byteLength}`,
    ]);
    assert.ok(joined(socket, 100).equals(bigData.subarray(100)));
  });

  it('closes at once with nothing for a finished run without start', async () => {
    const socket = await api.socket(`/api/v1/runs/${big}/output/output/updates`);
    assert.equal((await closed(socket)).code, 1000);
    assert.deepEqual(socket.messages, []);
  });

  it('follows a running run from start=0: catch-up, then each new piece, then closes when it ends', async () => {
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    program.running();
    await program.append('one ');
    await api.t.settle();
    const socket = await api.socket(`/api/v1/runs/${runId}/output/output/updates?start=0`);
    await socket.until(() => socket.messages.length === 1);
    await program.append('two ');
    await api.t.settle();
    await socket.until(() => socket.messages.length === 2);
    await program.append('three');
    program.done('success');
    await api.t.settle();
    const { code } = await closed(socket);
    assert.equal(code, 1000);
    assert.equal(joined(socket, 0).toString(), 'one two three');
    const last = parseOutputFrame(socket.messages.at(-1)!);
    assert.equal(last.length, 13);
  });

  it('follows only new output without start', async () => {
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    program.running();
    await program.append('old ');
    await api.t.settle();
    const socket = await api.socket(`/api/v1/runs/${runId}/output/output/updates`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await program.append('new');
    program.done('success');
    await api.t.settle();
    await closed(socket);
    assert.equal(joined(socket, 4).toString(), 'new');
  });

  it('waits for the output to reach a start beyond its end (Apsis kills the socket)', async () => {
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    program.running();
    await program.append('abc');
    await api.t.settle();
    const socket = await api.socket(`/api/v1/runs/${runId}/output/output/updates?start=5`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(socket.messages, []);
    await program.append('defgh');
    program.done('success');
    await api.t.settle();
    await closed(socket);
    assert.equal(joined(socket, 5).toString(), 'fgh');
  });

  it('follows interim (in-memory) output and its final stored form', async () => {
    const runId = await submit(api, 'work');
    const program = programs.get(runId)!;
    program.running();
    program.interim('partial');
    await api.t.settle();
    const socket = await api.socket(`/api/v1/runs/${runId}/output/output/updates?start=0`);
    await socket.until(() => socket.messages.length === 1);
    assert.match(
      String(parseOutputFrame(socket.messages[0]!).headers[0]),
      /^Content-Type: text\/plain/,
    );
    program.interim('partial and more');
    await api.t.settle();
    program.done('success');
    await api.t.settle();
    await closed(socket);
    assert.equal(joined(socket, 0).toString(), 'partial and more');
  });

  it('closes at once, normally and with nothing sent, for an unknown run', async () => {
    const socket = await api.socket('/api/v1/runs/r9999/output/output/updates?start=0');
    assert.equal((await closed(socket)).code, 1000);
    assert.deepEqual(socket.messages, []);
  });
});

describe('websocket bad input', () => {
  let api: TestApi;
  before(async () => {
    api = await TestApi.start({ quiet: QUIET });
    await api.listen();
  });
  after(async () => api?.close());

  const cases: [string, RegExp][] = [
    ['/api/v1/summary?resume=abc', /^query resume: expected an integer from 0 to \d+, got "abc"$/],
    ['/api/v1/summary?resume=-1', /^query resume: expected an integer/],
    ['/api/v1/summary?resume=1&resume=2', /^query resume: given 2 times/],
    ['/api/v1/summary?init=maybe', /^query init: not a boolean: "maybe"/],
    ['/api/v1/runs/r1/updates?init=maybe', /^query init: not a boolean: "maybe"/],
    ['/api/v1/runs/r1/output/output/updates?start=abc', /^query start: expected an integer/],
    ['/api/v1/runs/r1/output/output/updates?start=-3', /^query start: expected an integer/],
    ['/api/v1/runs/r1/output/output/updates?start=1.5', /^query start: expected an integer/],
  ];
  for (const [path, message] of cases) {
    it(`refuses the upgrade of ${path} with a 400 naming the parameter`, async () => {
      const { status, body } = await refusal(`ws://${api.url}${path}`);
      assert.equal(status, 400);
      assert.equal(body.code, 'bad_request');
      assert.match(body.error, message);
    });
  }

  for (const path of [
    '/api/v1/summary',
    '/api/v1/runs/r1/updates',
    '/api/v1/runs/r1/output/output/updates',
  ]) {
    it(`answers a plain HTTP GET of ${path} with a 400 saying it is a websocket`, async () => {
      const res = await api.inject('GET', path);
      assert.equal(res.status, 400);
      assert.equal(res.json.code, 'bad_request');
      assert.equal(
        res.json.error,
        `header upgrade: ${path} is a websocket; open it with a websocket client`,
      );
    });
  }
});
