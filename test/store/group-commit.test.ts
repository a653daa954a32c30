import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { InvalidValueError } from '../../src/errors.js';
import { CommitError } from '../../src/store/index.js';
import { makeRun, openTestStore, peek } from '../support/store.js';

const count = (db: ReturnType<typeof peek>, table: string) =>
  db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

describe('group commit', () => {
  it('commits every write of one tick in a single transaction', () => {
    const { store, path, scheduled, endTurn } = openTestStore();
    const other = peek(path);
    for (let n = 1; n <= 500; n++) {
      store.insertRun(makeRun(n));
      store.appendLog(`r${n}`, n, 'scheduled: now');
    }
    store.setClock(1000);
    assert.equal(scheduled.length, 1, 'one flush scheduled for the whole turn');
    assert.equal(count(other, 'runs'), 0, 'nothing visible before the flush');
    assert.equal(store.getRun('r1'), undefined, 'reads see committed data only');
    endTurn();
    assert.equal(count(other, 'runs'), 500);
    assert.equal(count(other, 'run_log'), 500);
    assert.equal(store.stats().commits, 1);
    // 500 runs, the clock, and the log lines as one grouped write.
    assert.equal(store.stats().writes, 502);
  });

  it('flushes at the end of the event-loop turn by default', async () => {
    const { store, path } = openTestStore({ manualFlush: false });
    const other = peek(path);
    store.insertRun(makeRun(1));
    store.insertRun(makeRun(2));
    assert.equal(count(other, 'runs'), 0);
    await nextTurn();
    assert.equal(count(other, 'runs'), 2);
    assert.equal(store.stats().commits, 1);
  });

  it('runs afterCommit callbacks only once the data is visible to another connection', () => {
    const { store, path, endTurn } = openTestStore();
    const other = peek(path);
    const seen: number[] = [];
    store.insertRun(makeRun(1));
    store.afterCommit(() => seen.push(count(other, 'runs')));
    store.insertRun(makeRun(2));
    store.afterCommit(() => seen.push(count(other, 'runs')));
    assert.deepEqual(seen, []);
    endTurn();
    assert.deepEqual(seen, [2, 2]);
  });

  it('resolves committed() after the flush', async () => {
    const { store, path } = openTestStore({ manualFlush: false });
    const other = peek(path);
    store.insertRun(makeRun(1));
    await store.committed();
    assert.equal(count(other, 'runs'), 1);
  });

  it('runs afterCommit on a microtask when nothing is pending, never synchronously', async () => {
    const { store } = openTestStore();
    const order: string[] = [];
    store.afterCommit(() => order.push('callback'));
    order.push('after call');
    await Promise.resolve();
    assert.deepEqual(order, ['after call', 'callback']);
  });

  it('flushes a batch that reaches maxBatchOps inside the write that fills it', async () => {
    const { store, path, scheduled, endTurn } = openTestStore({ maxBatchOps: 10 });
    const other = peek(path);
    const fired: number[] = [];
    for (let n = 1; n <= 25; n++) {
      store.insertRun(makeRun(n));
      store.afterCommit(() => fired.push(n));
      if (n === 9) assert.equal(count(other, 'runs'), 0);
      if (n === 10) assert.equal(count(other, 'runs'), 10);
    }
    assert.equal(count(other, 'runs'), 20);
    // 10 and 20 were registered after their own write had committed, so they
    // queue behind earlier callbacks, and still run in registration order.
    const upTo = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    assert.deepEqual(fired, upTo(1, 19));
    assert.equal(scheduled.length, 1, 'the writes after an early flush ride on the scheduled one');
    endTurn();
    assert.equal(count(other, 'runs'), 25);
    assert.deepEqual(fired, upTo(1, 25));
    await Promise.resolve();
    assert.deepEqual(fired, upTo(1, 25), 'each callback ran once');
    assert.equal(store.stats().commits, 3);
  });

  it('keeps callbacks in registration order when a callback writes and flushes', () => {
    const { store, endTurn } = openTestStore({ maxBatchOps: 2 });
    const order: string[] = [];
    store.insertRun(makeRun(1));
    store.afterCommit(() => {
      order.push('a');
      // Fills a batch of two: a nested flush whose callback must wait for b.
      store.appendLog('r1', 1, 'x');
      store.afterCommit(() => order.push('c'));
      store.appendLog('r1', 2, 'y');
    });
    store.afterCommit(() => order.push('b'));
    store.flush();
    endTurn();
    assert.deepEqual(order, ['a', 'b', 'c']);
  });
});

describe('commit failure', () => {
  it('rolls the whole batch back, runs none of its callbacks, reports it, and recovers', async () => {
    const { store, path, errors, endTurn } = openTestStore();
    const other = peek(path);
    store.insertRun(makeRun(1));
    endTurn();

    const fired: string[] = [];
    store.insertRun(makeRun(2));
    store.appendLog('r2', 1, 'scheduled: now');
    store.insertRun(makeRun(1)); // duplicate run number: the commit fails
    store.afterCommit(() => fired.push('failed batch'));
    const promise = store.committed();
    endTurn();
    await assert.rejects(promise, CommitError);
    assert.equal(fired.length, 0);
    assert.equal(count(other, 'runs'), 1);
    assert.equal(count(other, 'run_log'), 0, 'earlier writes of the batch rolled back');
    assert.equal(errors.length, 1);
    const err = errors[0];
    assert.ok(err instanceof CommitError);
    assert.equal(err.code, 'db_commit');
    assert.equal(err.writes, 3);
    assert.match(String((err.cause as { code?: unknown }).code), /^SQLITE_CONSTRAINT/);

    store.insertRun(makeRun(3));
    store.afterCommit(() => fired.push('next batch'));
    endTurn();
    assert.deepEqual(fired, ['next batch']);
    assert.equal(count(other, 'runs'), 2);
    assert.equal(store.stats().failedCommits, 1);
  });

  it('reports a full disk and stores later batches once there is room', () => {
    const { store, db, path, errors, endTurn } = openTestStore();
    const other = peek(path);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    // Random hex: brotli halves it at best, so it cannot fit in two pages.
    const big = Buffer.from(randomBytes(100_000).toString('hex'));
    store.insertRun(makeRun(1));
    store.putOutput('r1', {
      outputId: 'o',
      name: 'o',
      contentType: 'text/plain',
      length: big.length,
      data: big,
    });
    endTurn();
    assert.equal(errors.length, 1);
    assert.match(String((errors[0] as CommitError).cause), /full/);
    assert.equal(count(other, 'runs'), 0);

    db.pragma('max_page_count = 1073741823');
    store.insertRun(makeRun(1));
    endTurn();
    assert.equal(count(other, 'runs'), 1);
  });

  it('refuses a malformed write in the call itself, so the rest of its batch commits', () => {
    const { store, path, errors, endTurn } = openTestStore();
    store.insertRun(makeRun(1));
    assert.throws(() => store.insertRun(makeRun(2, { timestamp: Number.NaN })), InvalidValueError);
    assert.throws(
      () => store.appendLog('r1', 1, undefined as unknown as string),
      InvalidValueError,
    );
    assert.throws(() => store.putJob('j', undefined), InvalidValueError);
    store.appendLog('r1', 1, 'scheduled: now');
    endTurn();
    assert.equal(errors.length, 0);
    assert.equal(count(peek(path), 'run_log'), 1);
    assert.equal(store.countRuns(), 1);
  });

  it('reports a throwing callback and still runs the others', () => {
    const { store, errors, endTurn } = openTestStore();
    const fired: string[] = [];
    store.insertRun(makeRun(1));
    store.afterCommit(() => {
      throw new Error('subscriber broke');
    });
    store.afterCommit(() => fired.push('second'));
    endTurn();
    assert.deepEqual(fired, ['second']);
    assert.match(String(errors[0]), /subscriber broke/);
  });
});
