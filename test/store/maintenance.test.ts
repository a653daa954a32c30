import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  COMPRESS_MIN_BYTES,
  precompressOutput,
  vacuumDatabase,
  type RunOutput,
} from '../../src/store/index.js';
import { makeRun, openTestStore, peek } from '../support/store.js';

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
