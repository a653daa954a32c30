import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import {
  ARCHIVED_TABLES,
  archiveChunk,
  countArchivable,
  createRunStore,
  openDatabase,
  type Database,
  type RunStore,
} from '../../src/store/index.js';
import { textOutput } from '../../src/runs/index.js';
import { ManualClock } from '../../src/time/index.js';
import { makeRun, openTestStore, peek, T0 } from '../support/store.js';
import { tempDir } from '../support/temp-dir.js';

const HOUR = 3_600_000;

/**
 * Run r<n> finished (`state`) at T0 + n hours, with a log line, a whole
 * output, a chunked output and a transition; `jobId` defaults to `job`.
 */
async function addRun(
  store: RunStore,
  n: number,
  state: 'success' | 'failure' | 'running' = 'success',
  jobId = 'job',
): Promise<string> {
  const run = makeRun(n, { state, jobId, timestamp: T0 + n * HOUR });
  store.insertRun(run);
  store.appendLog(run.runId, run.timestamp, `log of ${run.runId}`);
  store.recordTransition(run.runId, run.timestamp, 'running', state, 'program.done');
  store.putOutput(run.runId, textOutput('output', 'output', `output of ${run.runId}`));
  const info = { outputId: 'stream', name: 'stream', contentType: 'text/plain' };
  await store.appendOutput(run.runId, info, 0, Buffer.from('abc'));
  await store.appendOutput(run.runId, info, 3, Buffer.from('def'));
  return run.runId;
}

function rowsOf(db: Database, table: string, runId: string): number {
  return db.prepare(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(runId) as number;
}

function setup() {
  const t = openTestStore();
  const archivePath = join(tempDir('apsis-archive-'), 'archive.db');
  const request = (overrides: Partial<Parameters<typeof archiveChunk>[0]> = {}) => ({
    databasePath: t.path,
    archivePath,
    before: T0 + 100 * HOUR,
    limit: 100,
    exclude: [],
    busyTimeoutMs: 1000,
    ...overrides,
  });
  return { ...t, archivePath, request };
}

describe('archiveChunk', () => {
  it('moves finished runs older than the cutoff, with every row of theirs, oldest first', async () => {
    const t = setup();
    // Numbered out of time order: r3 finished first.
    for (const n of [5, 3, 4]) await addRun(t.store, n);
    await addRun(t.store, 1, 'running');
    await addRun(t.store, 200);
    t.endTurn();

    const chunk = archiveChunk(t.request({ limit: 2 }));
    assert.deepEqual(chunk.runIds, ['r3', 'r4']);
    assert.deepEqual(chunk.rowCounts, {
      runs: 2,
      run_log: 2,
      output: 4,
      output_chunk: 4,
      run_transition: 2,
    });

    const main = peek(t.path);
    const archive = openDatabase(t.archivePath);
    for (const table of ARCHIVED_TABLES)
      for (const runId of ['r3', 'r4']) {
        assert.equal(rowsOf(main, table, runId), 0, `${table} ${runId} left in the main file`);
        assert.ok(rowsOf(archive, table, runId) > 0, `${table} ${runId} in the archive`);
      }
    // Running, too recent, or not asked for yet: left alone.
    for (const runId of ['r1', 'r5', 'r200']) assert.equal(rowsOf(main, 'runs', runId), 1);
    const copied = archive
      .prepare('SELECT rowid, state, timestamp FROM runs WHERE run_id = ?')
      .get('r3') as Record<string, unknown>;
    assert.deepEqual(copied, { rowid: 3, state: 'success', timestamp: T0 + 3 * HOUR });
    const chunks = archive
      .prepare("SELECT offset, length FROM output_chunk WHERE run_id = 'r3' ORDER BY offset")
      .all();
    assert.deepEqual(chunks, [
      { offset: 0, length: 3 },
      { offset: 3, length: 3 },
    ]);
    archive.close();
  });

  it('is an apsis-ts database the store can read', async () => {
    const t = setup();
    await addRun(t.store, 2);
    t.endTurn();
    archiveChunk(t.request());
    const reader = createRunStore(openDatabase(t.archivePath), { clock: new ManualClock(T0) });
    assert.equal(reader.getRun('r2')?.state, 'success');
    assert.deepEqual(
      reader.runLog('r2').map((e) => e.message),
      ['log of r2'],
    );
    assert.equal(Buffer.from(reader.getOutput('r2', 'stream')?.data ?? []).toString(), 'abcdef');
    assert.equal(reader.runTransitions('r2').length, 1);
    reader.close();
  });

  it('leaves out the runs it is told to and finds none when nothing is eligible', async () => {
    const t = setup();
    await addRun(t.store, 2);
    await addRun(t.store, 3);
    t.endTurn();
    assert.deepEqual(archiveChunk(t.request({ exclude: ['r2'] })).runIds, ['r3']);
    const none = archiveChunk(t.request({ exclude: ['r2'] }));
    assert.deepEqual(none.runIds, []);
    assert.equal(countArchivable(t.request()), 1);
    assert.equal(countArchivable(t.request({ exclude: ['r2'] })), 0);
  });

  it('deletes ad hoc jobs left without runs, and only those', async () => {
    const t = setup();
    t.store.putJob('adhoc-1', { program: { type: 'no-op' } });
    t.store.putJob('adhoc-2', { program: { type: 'no-op' } });
    await addRun(t.store, 2, 'success', 'adhoc-1');
    await addRun(t.store, 3, 'success', 'adhoc-2');
    await addRun(t.store, 300, 'success', 'adhoc-2');
    t.endTurn();
    const chunk = archiveChunk(t.request());
    assert.deepEqual(chunk.runIds, ['r2', 'r3']);
    assert.deepEqual(chunk.jobsDeleted, ['adhoc-1']);
    assert.deepEqual(
      t.store.jobs().map((j) => j.jobId),
      ['adhoc-2'],
    );
  });

  it('writes the archiving run’s progress in the transaction that deletes the chunk', async () => {
    const t = setup();
    t.store.insertRun(makeRun(900, { state: 'running', timestamp: T0 + 500 * HOUR }));
    await addRun(t.store, 2);
    t.endTurn();
    archiveChunk(
      t.request({
        progress: { runId: 'r900', runState: (chunk) => ({ moved: chunk.runIds }) },
      }),
    );
    assert.deepEqual(t.store.getRun('r900')?.runState, { moved: ['r2'] });
  });

  it('moves a chunk in slices, each committing the progress, complete only with the last', async () => {
    const t = setup();
    t.store.insertRun(makeRun(900, { state: 'running', timestamp: T0 + 500 * HOUR }));
    for (let n = 1; n <= 60; n++) await addRun(t.store, n);
    t.endTurn();
    const calls: { moved: number; complete: boolean }[] = [];
    const chunk = archiveChunk(
      t.request({
        progress: {
          runId: 'r900',
          runState: (moved, complete) => {
            calls.push({ moved: moved.runIds.length, complete });
            return { moved: moved.runIds.length, complete };
          },
        },
      }),
    );
    assert.equal(chunk.runIds.length, 60);
    assert.equal(chunk.complete, true);
    assert.ok(calls.length >= 2, JSON.stringify(calls));
    assert.deepEqual(calls.at(-1), { moved: 60, complete: true });
    for (const [i, call] of calls.slice(0, -1).entries()) {
      assert.equal(call.complete, false);
      assert.ok(call.moved > (calls[i - 1]?.moved ?? 0));
    }
    assert.deepEqual(t.store.getRun('r900')?.runState, { moved: 60, complete: true });
  });

  it('stops after the slice being moved when asked, leaving the rest', async () => {
    const t = setup();
    t.store.insertRun(makeRun(900, { state: 'running', timestamp: T0 + 500 * HOUR }));
    for (let n = 1; n <= 60; n++) await addRun(t.store, n);
    t.endTurn();
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const chunk = archiveChunk(
      t.request({
        stop,
        progress: {
          runId: 'r900',
          runState: (moved, complete) => {
            Atomics.store(stop, 0, 1);
            return { moved: moved.runIds.length, complete };
          },
        },
      }),
    );
    assert.equal(chunk.complete, false);
    assert.ok(chunk.runIds.length > 0 && chunk.runIds.length < 60);
    assert.deepEqual(t.store.getRun('r900')?.runState, {
      moved: chunk.runIds.length,
      complete: false,
    });
    assert.equal(countArchivable(t.request()), 60 - chunk.runIds.length);
    assert.equal(rowsOf(peek(t.archivePath), 'runs', chunk.runIds.at(-1)!), 1);
  });

  it('waits between slices while a commit of the daemon waits for the lock', async () => {
    const t = setup();
    for (let n = 1; n <= 60; n++) await addRun(t.store, n);
    t.endTurn();
    const lockWaiters = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(lockWaiters, 0, 1); // never let in: each wait runs to its limit
    let slices = 0;
    const started = performance.now();
    archiveChunk(
      t.request({
        lockWaiters,
        progress: { runId: 'r999', runState: () => ({ slice: ++slices }) },
      }),
    );
    assert.ok(slices >= 2);
    assert.ok(performance.now() - started >= 20 * slices - 1);
  });

  it('replaces the copies a chunk interrupted after its archive commit left behind', async () => {
    const t = setup();
    await addRun(t.store, 2);
    await addRun(t.store, 3);
    t.endTurn();
    // The archive commits before the main file deletes: a crash in between
    // leaves both files with the runs. Made here by archiving a copy of the
    // main file, which leaves the main file as it was.
    const copy = join(tempDir('apsis-copy-'), 'copy.db');
    t.db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(t.path, copy);
    archiveChunk(t.request({ databasePath: copy }));

    const chunk = archiveChunk(t.request());
    assert.deepEqual(chunk.runIds, ['r2', 'r3']);
    const archive = peek(t.archivePath);
    for (const table of ARCHIVED_TABLES) {
      const counts = archive
        .prepare(`SELECT run_id, count(*) AS n FROM ${table} GROUP BY run_id ORDER BY run_id`)
        .all();
      assert.deepEqual(
        counts,
        [
          { run_id: 'r2', n: chunk.rowCounts[table] / 2 },
          { run_id: 'r3', n: chunk.rowCounts[table] / 2 },
        ],
        table,
      );
    }
    assert.equal(countArchivable(t.request()), 0);
  });

  it('merges a run put back by a mark that committed after its slice: no row lost or doubled', async () => {
    const t = setup();
    await addRun(t.store, 2);
    t.endTurn();
    archiveChunk(t.request());
    // The daemon read r2 before its slice and commits the mark after it: the
    // upsert puts the run back with only the mark's log line and transition.
    const marked = makeRun(2, { state: 'failure', jobId: 'job', timestamp: T0 + 3 * HOUR });
    t.store.updateRun(marked);
    t.store.appendLog('r2', marked.timestamp, 'marked failure');
    t.store.recordTransition('r2', marked.timestamp, 'success', 'failure', 'run.mark');
    t.endTurn();
    await t.store.committed();

    archiveChunk(t.request());
    const archive = peek(t.archivePath);
    assert.equal(
      archive.prepare("SELECT state FROM runs WHERE run_id = 'r2'").pluck().get(),
      'failure',
    );
    assert.deepEqual(
      archive.prepare("SELECT message FROM run_log WHERE run_id = 'r2' ORDER BY id").pluck().all(),
      ['log of r2', 'marked failure'],
    );
    assert.deepEqual(
      archive
        .prepare("SELECT to_state FROM run_transition WHERE run_id = 'r2' ORDER BY id")
        .pluck()
        .all(),
      ['success', 'failure'],
    );
    assert.equal(rowsOf(archive, 'output', 'r2'), 2);
    assert.equal(rowsOf(archive, 'output_chunk', 'r2'), 2);
    for (const table of ARCHIVED_TABLES) assert.equal(rowsOf(t.db, table, 'r2'), 0, table);
  });

  it('rolls back the main file when the archive cannot be written', async () => {
    const t = setup();
    await addRun(t.store, 2);
    t.endTurn();
    assert.throws(() => archiveChunk(t.request({ archivePath: '/nonexistent/dir/archive.db' })));
    assert.equal(t.store.getRun('r2')?.state, 'success');
    assert.equal(countArchivable(t.request()), 1);
  });
});
