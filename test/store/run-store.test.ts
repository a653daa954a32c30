import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  COMPRESS_MIN_BYTES,
  CorruptValueError,
  StoreClosedError,
  type RunRecord,
} from '../../src/store/index.js';
import { makeRun, openTestStore, peek, T0 } from '../support/store.js';

const full: RunRecord = {
  runId: 'r7',
  jobId: 'etl/load',
  args: { date: '2024-01-02', region: 'eu', city: 'Zürich' },
  state: 'running',
  times: {
    schedule: T0,
    scheduled: T0 - 5000,
    starting: T0 + 1,
    running: T0 + 2,
    stop: T0 + 3.6e6,
  },
  meta: { job: { labels: ['ingest', 'eu'] }, program: { pid: 42 }, elapsed: 1.5 },
  program: { type: 'no-op', duration: 1.5, success: true },
  conds: [
    {
      type: 'dependency',
      job_id: 'ref',
      args: { date: '2024-01-01' },
      states: ['success'],
      exist: null,
    },
    { type: 'max_running', count: 2, job_id: 'etl/load', args: { region: 'eu' } },
    { type: 'const', value: true },
  ],
  actions: [
    { type: 'schedule', job_id: 'next', args: { date: '{{ date }}' }, if: { states: ['success'] } },
  ],
  runState: { conn_id: 'agent-1', proc_id: 'p-9' },
  timestamp: T0 + 2,
  expected: true,
};

describe('run store: runs', () => {
  it('round-trips every field of a run', () => {
    const { store, endTurn } = openTestStore();
    store.insertRun(full);
    endTurn();
    assert.deepEqual(store.getRun('r7'), full);
  });

  it('rewrites the mutable fields on update and keeps job and args', () => {
    const { store, endTurn } = openTestStore();
    store.insertRun(full);
    const updated: RunRecord = {
      ...full,
      jobId: 'ignored',
      args: { ignored: 'yes' },
      state: 'success',
      times: { ...full.times, success: T0 + 10 },
      meta: { elapsed: 8 },
      program: null,
      conds: null,
      actions: [],
      runState: null,
      timestamp: T0 + 10,
      expected: false,
    };
    store.updateRun(updated);
    endTurn();
    assert.deepEqual(store.getRun('r7'), { ...updated, jobId: full.jobId, args: full.args });
  });

  it('stores a run on update when it was never inserted', () => {
    const { store, endTurn } = openTestStore();
    store.updateRun(makeRun(3, { state: 'waiting' }));
    endTurn();
    assert.equal(store.getRun('r3')?.state, 'waiting');
  });

  it('treats malformed and unknown run ids as not found', () => {
    const { store, endTurn } = openTestStore();
    store.insertRun(makeRun(1));
    endTurn();
    for (const id of ['1', 'r', 'r0', 'r01', 'R1', 'r1x', 'r-1', 'r99999999999999999999', 'r2'])
      assert.equal(store.getRun(id), undefined, id);
    assert.throws(() => store.insertRun(makeRun(1, { runId: 'run1' })), /not a run id/);
  });

  it('finds runs by exact args, whatever their key order, and not by subset', () => {
    const { store, endTurn } = openTestStore();
    store.insertRun(makeRun(1, { args: { a: '1' } }));
    store.insertRun(makeRun(2, { args: { a: '1', b: '2' } }));
    store.insertRun(makeRun(3, { args: { b: '2', a: '1' } }));
    store.insertRun(makeRun(4, { jobId: 'other', args: { a: '1', b: '2' } }));
    endTurn();
    const ids = (runs: RunRecord[]) => runs.map((r) => r.runId);
    assert.deepEqual(ids(store.queryRuns({ jobId: 'job', args: { b: '2', a: '1' } })), [
      'r2',
      'r3',
    ]);
    assert.deepEqual(ids(store.queryRuns({ jobId: 'job', args: { a: '1' } })), ['r1']);
    assert.deepEqual(ids(store.queryRuns({ args: { a: '1', b: '2' } })), ['r2', 'r3', 'r4']);
    assert.deepEqual(ids(store.queryRuns({ jobId: 'job', args: {} })), []);
  });

  it('filters by states and by a half-open timestamp range, in run-number order', () => {
    const { store, endTurn } = openTestStore();
    // Inserted out of order: results follow run numbers, not insertion.
    store.insertRun(makeRun(9, { state: 'success', timestamp: T0 + 9 }));
    store.insertRun(makeRun(2, { state: 'failure', timestamp: T0 + 2 }));
    store.insertRun(makeRun(5, { state: 'success', timestamp: T0 + 5 }));
    store.insertRun(makeRun(7, { state: 'running', timestamp: T0 + 7 }));
    endTurn();
    const ids = (runs: RunRecord[]) => runs.map((r) => r.runId);
    assert.deepEqual(ids(store.queryRuns({})), ['r2', 'r5', 'r7', 'r9']);
    assert.deepEqual(ids(store.queryRuns({ states: ['success', 'failure'] })), ['r2', 'r5', 'r9']);
    assert.deepEqual(ids(store.queryRuns({ states: [] })), []);
    assert.deepEqual(ids(store.queryRuns({ minTimestamp: T0 + 5, maxTimestamp: T0 + 9 })), [
      'r5',
      'r7',
    ]);
    assert.deepEqual(ids(store.queryRuns({ states: ['success'], minTimestamp: T0 + 6 })), ['r9']);
    assert.deepEqual(ids(store.queryRuns({ limit: 2 })), ['r2', 'r5']);
    assert.deepEqual(ids(store.queryRuns({ jobId: 'job', limit: 1, states: ['running'] })), ['r7']);
  });

  it('lists every scheduled, waiting, starting, running and stopping run for restore', () => {
    const { store, endTurn } = openTestStore();
    const states = [
      'new',
      'scheduled',
      'waiting',
      'starting',
      'running',
      'stopping',
      'success',
      'failure',
      'error',
      'skipped',
    ] as const;
    states.forEach((state, i) => store.insertRun(makeRun(i + 1, { state, timestamp: 0 })));
    endTurn();
    assert.deepEqual(
      store.activeRuns().map((r) => r.state),
      ['scheduled', 'waiting', 'starting', 'running', 'stopping'],
    );
    assert.equal(store.countRuns(), states.length);
  });
});

describe('run store: run log', () => {
  it('returns a run’s log in the order it was written, across batches', () => {
    const { store, endTurn } = openTestStore();
    store.appendLog('r1', T0 + 5, 'scheduled: now');
    store.appendLog('r2', T0, 'other run');
    store.appendLog('r1', T0 + 1, 'waiting');
    endTurn();
    store.appendLog('r1', T0 + 1, 'starting');
    endTurn();
    assert.deepEqual(store.runLog('r1'), [
      { timestamp: T0 + 5, message: 'scheduled: now' },
      { timestamp: T0 + 1, message: 'waiting' },
      { timestamp: T0 + 1, message: 'starting' },
    ]);
    assert.deepEqual(store.runLog('r3'), []);
  });
});

describe('run store: outputs', () => {
  const output = (data: Buffer, outputId = 'output') => ({
    outputId,
    name: outputId,
    contentType: 'text/plain',
    length: data.byteLength,
    data,
  });
  const stored = (path: string, runId: string) =>
    peek(path)
      .prepare<[string], { compression: string | null; length: number; size: number }>(
        'SELECT compression, length, length(data) AS size FROM output WHERE run_id = ?',
      )
      .get(runId);

  it('stores small outputs as they are', () => {
    const { store, endTurn, path } = openTestStore();
    const data = Buffer.from('hello\n');
    store.putOutput('r1', output(data));
    endTurn();
    assert.deepEqual(stored(path, 'r1'), { compression: null, length: 6, size: 6 });
    assert.deepEqual(store.getOutput('r1', 'output'), output(data));
    assert.deepEqual(store.outputIds('r1'), [
      { outputId: 'output', name: 'output', contentType: 'text/plain', length: 6 },
    ]);
  });

  it('stores outputs of 16 KiB or more brotli-compressed, with the uncompressed length', () => {
    const { store, endTurn, path } = openTestStore();
    const data = Buffer.from('line of build output, fairly repetitive\n'.repeat(2000));
    const exact = Buffer.alloc(COMPRESS_MIN_BYTES, 'a');
    store.putOutput('r1', output(data));
    store.putOutput('r2', output(exact));
    endTurn();
    const row = stored(path, 'r1');
    assert.equal(row?.compression, 'br');
    assert.equal(row?.length, data.byteLength);
    assert.ok(row !== undefined && row.size < data.byteLength / 10, `stored ${row?.size} bytes`);
    assert.equal(stored(path, 'r2')?.compression, 'br');
    assert.deepEqual(store.getOutput('r1', 'output'), output(data));
    assert.deepEqual(store.getOutput('r2', 'output'), output(exact));
  });

  it('stores a large output that does not compress as it is', () => {
    const { store, endTurn, path } = openTestStore();
    const data = randomBytes(64 * 1024);
    store.putOutput('r1', output(data));
    endTurn();
    assert.equal(stored(path, 'r1')?.compression, null);
    assert.deepEqual(store.getOutput('r1', 'output')?.data, data);
  });

  it('appends an output in chunks, compressing each large chunk, and reads it back whole or chunk by chunk', async () => {
    const { store, endTurn, path } = openTestStore();
    const info = { outputId: 'output', name: 'output', contentType: 'text/plain' };
    const first = Buffer.from('repetitive line of output\n'.repeat(2000));
    const second = Buffer.from('tail\n');
    await store.appendOutput('r1', info, 0, first);
    endTurn();
    assert.equal(store.outputLength('r1', 'output'), first.byteLength);
    await store.appendOutput('r1', info, first.byteLength, second);
    endTurn();
    const all = Buffer.concat([first, second]);
    assert.equal(store.outputLength('r1', 'output'), all.byteLength);
    assert.deepEqual(store.getOutput('r1', 'output')?.data, all);
    assert.deepEqual(
      [...store.outputChunks('r1', 'output')].map((c) => c.byteLength),
      [first.byteLength, second.byteLength],
    );
    const compression = peek(path)
      .prepare<[], string | null>('SELECT compression FROM output_chunk ORDER BY offset')
      .pluck()
      .all();
    assert.deepEqual(compression, ['br', null]);
    assert.equal(store.outputLength('r1', 'missing'), 0);
  });

  it('releases SQLite page cache after every few megabytes of output, not after each small write', async () => {
    const { store, endTurn, db } = openTestStore();
    const pragmas: string[] = [];
    const pragma = db.pragma.bind(db);
    db.pragma = ((source: string, options?: { simple?: boolean }) => {
      pragmas.push(source);
      return pragma(source, options);
    }) as typeof db.pragma;
    const releases = () => pragmas.filter((p) => p === 'shrink_memory').length;
    const info = { outputId: 'output', name: 'output', contentType: 'text/plain' };
    await store.appendOutput('r1', info, 0, Buffer.from('small\n'));
    endTurn();
    assert.equal(releases(), 0);
    // Random bytes are stored as they are: 3 × 1 MiB passes the 2 MiB mark once.
    let offset = 6;
    for (let i = 0; i < 3; i++) {
      const chunk = randomBytes(1024 * 1024);
      await store.appendOutput('r1', info, offset, chunk);
      offset += chunk.byteLength;
      endTurn();
    }
    assert.equal(releases(), 1);
    assert.equal(store.outputLength('r1', 'output'), offset);
  });

  it('rewrites a chunk appended again at the same offset (a fetch repeated after a restart)', async () => {
    const { store, endTurn } = openTestStore();
    const info = { outputId: 'output', name: 'output', contentType: 'text/plain' };
    await store.appendOutput('r1', info, 0, Buffer.from('abc'));
    await store.appendOutput('r1', info, 0, Buffer.from('abc'));
    await store.appendOutput('r1', info, 3, Buffer.from('def'));
    endTurn();
    assert.equal(store.getOutput('r1', 'output')?.data.toString(), 'abcdef');
  });

  it('refuses to read an output whose chunks have a gap', async () => {
    const { store, endTurn } = openTestStore();
    const info = { outputId: 'output', name: 'output', contentType: 'text/plain' };
    await store.appendOutput('r1', info, 0, Buffer.from('abc'));
    await store.appendOutput('r1', info, 10, Buffer.from('def'));
    endTurn();
    assert.throws(() => store.getOutput('r1', 'output'), CorruptValueError);
  });

  it('replaces a chunked output put whole', async () => {
    const { store, endTurn } = openTestStore();
    const info = { outputId: 'output', name: 'output', contentType: 'text/plain' };
    await store.appendOutput('r1', info, 0, Buffer.from('partial'));
    endTurn();
    store.putOutput('r1', output(Buffer.from('whole')));
    endTurn();
    assert.equal(store.getOutput('r1', 'output')?.data.toString(), 'whole');
    // The old chunks are gone: the whole output is its one chunk.
    assert.deepEqual(
      [...store.outputChunks('r1', 'output')].map((c) => Buffer.from(c).toString()),
      ['whole'],
    );
  });

  it('replaces an output with the same id', () => {
    const { store, endTurn, path } = openTestStore();
    const large = Buffer.from('x'.repeat(100_000));
    store.putOutput('r1', output(large));
    store.putOutput('r1', output(Buffer.from('other'), 'log'));
    endTurn();
    store.putOutput('r1', output(Buffer.from('small now')));
    endTurn();
    assert.equal(stored(path, 'r1')?.compression, null);
    assert.deepEqual(store.getOutput('r1', 'output')?.data, Buffer.from('small now'));
    assert.deepEqual(
      store.outputIds('r1').map((o) => o.outputId),
      ['output', 'log'],
    );
    assert.equal(store.getOutput('r1', 'missing'), undefined);
    assert.equal(store.getOutput('r2', 'output'), undefined);
  });

  it('reads gzip and deflate outputs, and refuses unknown compression with a typed error', () => {
    const { store, path } = openTestStore();
    const text = Buffer.from('from Apsis\n'.repeat(100));
    const insert = peek(path).prepare(
      `INSERT INTO output (run_id, output_id, name, content_type, length, compression, data)
       VALUES (?, ?, 'output', 'text/plain', ?, ?, ?)`,
    );
    insert.run('r1', 'gz', text.byteLength, 'gzip', gzipSync(text));
    insert.run('r1', 'zl', text.byteLength, 'deflate', deflateSync(text));
    insert.run('r1', 'xz', text.byteLength, 'xz', text);
    insert.run('r1', 'bad', text.byteLength, 'br', text);
    assert.deepEqual(store.getOutput('r1', 'gz')?.data, text);
    assert.deepEqual(store.getOutput('r1', 'zl')?.data, text);
    assert.throws(
      () => store.getOutput('r1', 'xz'),
      (e: unknown) => e instanceof CorruptValueError && /unknown/.test(e.message),
    );
    assert.throws(() => store.getOutput('r1', 'bad'), CorruptValueError);
  });
});

describe('run store: clock and jobs', () => {
  it('has no clock time until one is set, then the latest', () => {
    const { store, endTurn } = openTestStore();
    assert.equal(store.clockTime(), undefined);
    store.setClock(T0);
    store.setClock(T0 + 1000);
    endTurn();
    assert.equal(store.clockTime(), T0 + 1000);
  });

  it('stores, replaces and deletes ad hoc jobs as JSON', () => {
    const { store, endTurn } = openTestStore();
    store.putJob('adhoc/b', { program: { type: 'no-op' } });
    store.putJob('adhoc/a', { params: ['x'] });
    store.putJob('adhoc/c', { n: 1 });
    endTurn();
    store.putJob('adhoc/a', { params: ['y'] });
    store.deleteJob('adhoc/c');
    endTurn();
    assert.deepEqual(store.jobs(), [
      { jobId: 'adhoc/a', job: { params: ['y'] } },
      { jobId: 'adhoc/b', job: { program: { type: 'no-op' } } },
    ]);
  });
});

describe('run store: damaged rows', () => {
  it('reads a run with an undecodable column as empty, reports it, and keeps querying', () => {
    const { store, endTurn, path, errors } = openTestStore();
    for (let n = 1; n <= 4; n++)
      store.insertRun(
        makeRun(n, { program: { type: 'no-op', duration: null, success: null }, meta: { a: n } }),
      );
    endTurn();
    const other = peek(path);
    other.prepare("UPDATE runs SET meta = '{not json' WHERE rowid = 2").run();
    other.prepare("UPDATE runs SET program = '[1, 2]', times = '5' WHERE rowid = 3").run();
    other.prepare("UPDATE runs SET state = 'bogus' WHERE rowid = 4").run();
    const runs = store.queryRuns({ jobId: 'job' });
    assert.deepEqual(
      runs.map((r) => r.runId),
      ['r1', 'r2', 'r3'],
    );
    assert.deepEqual(runs[1]?.meta, {});
    assert.equal(runs[2]?.program, null);
    assert.deepEqual(runs[2]?.times, {});
    assert.deepEqual(runs[0]?.meta, { a: 1 });
    const reported = errors.map((e) =>
      e instanceof CorruptValueError ? `${e.code} ${e.what} ${e.column}` : e,
    );
    assert.deepEqual(reported, [
      'db_corrupt run r2 meta',
      'db_corrupt run r3 times',
      'db_corrupt run r3 program',
      'db_corrupt run r4 state',
    ]);
    assert.equal(store.getRun('r4'), undefined);
  });

  it('leaves out an ad hoc job whose JSON is damaged, and reports it', () => {
    const { store, endTurn, path, errors } = openTestStore();
    store.putJob('good', { a: 1 });
    endTurn();
    peek(path).prepare("INSERT INTO jobs (job_id, job) VALUES ('bad', '{')").run();
    assert.deepEqual(store.jobs(), [{ jobId: 'good', job: { a: 1 } }]);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof CorruptValueError);
  });
});

describe('run store: closing', () => {
  it('flushes pending writes on close, then refuses writes and reads', () => {
    const { store, path } = openTestStore();
    store.insertRun(makeRun(1));
    store.close();
    assert.equal(peek(path).prepare('SELECT COUNT(*) FROM runs').pluck().get(), 1);
    assert.throws(
      () => store.insertRun(makeRun(2)),
      (e: unknown) => e instanceof StoreClosedError && e.code === 'db_closed',
    );
    assert.throws(() => store.reserveRunNumbers(1), StoreClosedError);
    assert.throws(() => store.getRun('r1'), StoreClosedError);
    store.close();
  });
});
