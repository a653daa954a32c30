import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import {
  COMPRESS_MIN_BYTES,
  CommitError,
  createRunStore,
  openDatabase,
  precompressOutput,
  vacuumDatabase,
  type RunOutput,
} from '../../src/store/index.js';
import { ManualClock } from '../../src/time/index.js';
import { makeRun, openTestStore, peek, T0 } from '../support/store.js';
import { tempDir } from '../support/temp-dir.js';

describe('holdCommits', () => {
  it('defers commits until released, then commits what queued up in one batch', async () => {
    const t = openTestStore({ manualFlush: false, maxBatchOps: 3 });
    const release = t.store.holdCommits();
    for (let n = 1; n <= 5; n++) t.store.insertRun(makeRun(n));
    let committed = false;
    void t.store.committed().then(() => (committed = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(committed, false);
    assert.equal(t.store.stats().held, true);
    assert.equal(peek(t.path).prepare('SELECT count(*) FROM runs').pluck().get(), 0);
    release();
    release();
    await t.store.committed();
    assert.equal(committed, true);
    assert.equal(t.store.stats().commits, 1);
    assert.equal(t.store.countRuns(), 5);
  });

  it('commits held writes when the store closes', () => {
    const t = openTestStore();
    t.store.holdCommits();
    t.store.insertRun(makeRun(1));
    t.store.close();
    assert.equal(peek(t.path).prepare('SELECT count(*) FROM runs').pluck().get(), 1);
  });
});

describe('shareWriteLock', () => {
  it('lets a commit locked out by another connection wait off the event loop, then commit', async () => {
    const retries: (() => void)[] = [];
    const t = openTestStore({ scheduleRetry: (fn) => retries.push(fn) });
    const release = t.store.shareWriteLock();
    const worker = openDatabase(t.path);
    worker.exec('BEGIN IMMEDIATE');
    t.store.insertRun(makeRun(1));
    let committed = false;
    void t.store.committed().then(() => (committed = true));
    const started = performance.now();
    t.endTurn();
    // Not SQLite's busy wait (5 s): the batch waits for its retry.
    assert.ok(performance.now() - started < 1000);
    assert.equal(t.store.stats().lockedRetries, 1);
    assert.equal(retries.length, 1);
    // The worker is told a commit waits, and gives way after its slice.
    const waiters = new Int32Array(t.store.writeLockWaiters);
    assert.equal(Atomics.load(waiters, 0), 1);
    t.store.insertRun(makeRun(2));
    worker.exec('COMMIT');
    for (const retry of retries.splice(0)) retry();
    await t.store.committed();
    assert.equal(committed, true);
    assert.equal(Atomics.load(waiters, 0), 0);
    assert.equal(t.store.stats().commits, 1);
    assert.equal(t.store.countRuns(), 2);
    release();
    worker.close();
  });

  it('waits in SQLite, then fails the batch, once locked out for the busy timeout', async () => {
    const path = join(tempDir('apsis-store-'), 'apsis.db');
    const clock = new ManualClock(T0);
    const errors: unknown[] = [];
    const retries: (() => void)[] = [];
    const store = createRunStore(openDatabase(path, { create: true, busyTimeoutMs: 50 }), {
      clock,
      onError: (err) => errors.push(err),
      scheduleFlush: () => undefined,
      scheduleRetry: (fn) => retries.push(fn),
    });
    store.shareWriteLock();
    const worker = openDatabase(path);
    worker.exec('BEGIN IMMEDIATE');
    store.insertRun(makeRun(1));
    const committed = store.committed();
    store.flush();
    clock.advance(50);
    for (const retry of retries.splice(0)) retry();
    await assert.rejects(committed, CommitError);
    assert.equal(errors.length, 1);
    assert.equal(store.stats().failedCommits, 1);
    worker.exec('COMMIT');
    worker.close();
    store.close();
  });

  it('makes no automatic checkpoint until the last share is released', () => {
    const t = openTestStore();
    const autoCheckpoint = () => t.db.pragma('wal_autocheckpoint', { simple: true });
    const first = t.store.shareWriteLock();
    const second = t.store.shareWriteLock();
    assert.equal(autoCheckpoint(), 0);
    first();
    first();
    assert.equal(autoCheckpoint(), 0);
    second();
    assert.equal(autoCheckpoint(), 1000);
  });

  it('commits a locked-out batch when the store closes', () => {
    const t = openTestStore({ scheduleRetry: () => undefined });
    t.store.shareWriteLock();
    const worker = openDatabase(t.path);
    worker.exec('BEGIN IMMEDIATE');
    t.store.insertRun(makeRun(1));
    t.endTurn();
    assert.equal(t.store.stats().pending, 1);
    worker.exec('COMMIT');
    worker.close();
    t.store.close();
    assert.equal(peek(t.path).prepare('SELECT count(*) FROM runs').pluck().get(), 1);
  });
});

describe('databaseFigures', () => {
  it('reports page counts and file sizes', () => {
    const t = openTestStore();
    const figures = t.store.databaseFigures();
    assert.equal(figures.page_size, 8192);
    assert.ok(figures.page_count > 0);
    assert.equal(typeof figures.freelist_count, 'number');
    assert.ok(figures.file_bytes > 0);
    assert.equal(t.store.databasePath, t.path);
    assert.equal(t.store.busyTimeoutMs, 5000);
  });
});

describe('vacuumDatabase', () => {
  it('gives the pages freed by deletes back to the file system', () => {
    const t = openTestStore();
    const big = 'x'.repeat(4000);
    for (let n = 1; n <= 500; n++) t.store.insertRun(makeRun(n, { meta: { big: `${n}${big}` } }));
    t.endTurn();
    t.db.prepare('DELETE FROM runs').run();
    t.db.pragma('wal_checkpoint(TRUNCATE)');
    const result = vacuumDatabase(t.path, 1000);
    assert.ok(result.before.freelist_count > 200, `free pages ${result.before.freelist_count}`);
    assert.equal(result.after.freelist_count, 0);
    assert.ok(result.after.file_bytes < result.before.file_bytes / 10);
    assert.equal(result.after.wal_bytes, 0);
    assert.equal(result.checkpointed, true);
    assert.ok(result.timeS >= 0);
  });
});

describe('precompressOutput', () => {
  const output = (data: Uint8Array): RunOutput => ({
    outputId: 'output',
    name: 'output',
    contentType: 'text/plain',
    length: data.byteLength,
    data,
  });

  it('compresses a large output ahead, and putOutput stores that result', async () => {
    const t = openTestStore();
    const data = Buffer.from('abcdefgh'.repeat(COMPRESS_MIN_BYTES));
    const prepared = output(data);
    await precompressOutput(prepared);
    t.store.putOutput('r1', prepared);
    t.endTurn();
    const row = peek(t.path)
      .prepare('SELECT compression, length(data) AS stored FROM output')
      .get() as { compression: string; stored: number };
    assert.equal(row.compression, 'br');
    assert.ok(row.stored < data.byteLength / 100);
    assert.deepEqual(t.store.getOutput('r1', 'output')?.data, data);
  });
});
