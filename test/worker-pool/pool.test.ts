import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  WorkerAbortedError,
  WorkerCrashedError,
  WorkerPool,
  WorkerTaskError,
  WorkerTimeoutError,
} from '../../src/worker-pool/index.js';
import { openDatabase } from '../../src/store/index.js';
import { createdDatabasePath } from '../support/store.js';
import { testTasks } from '../support/worker-tasks.js';

describe('WorkerPool', () => {
  const pool = new WorkerPool({ maxThreads: 1 });
  after(() => pool.close());

  it('runs a named task in a thread and returns its checked result', async () => {
    assert.deepEqual(await pool.run(testTasks.echo, { text: 'hi' }), { echoed: 'hi' });
  });

  it('fails a task whose thread exits, with a clear message, and runs the next task', async () => {
    await assert.rejects(pool.run(testTasks.exit, {}), (err) => {
      assert.ok(err instanceof WorkerCrashedError);
      assert.equal(err.code, 'worker_crashed');
      assert.equal(err.message, 'worker task test-exit crashed: worker exited with code: 3');
      return true;
    });
    assert.deepEqual(await pool.run(testTasks.echo, { text: 'after' }), { echoed: 'after' });
    assert.equal(pool.stats().crashed, 1);
  });

  it('fails a task whose thread dies of an uncaught error, and runs the next task', async () => {
    await assert.rejects(pool.run(testTasks.throwLater, {}), (err) => {
      assert.ok(err instanceof WorkerCrashedError);
      assert.match(err.message, /^worker task test-throwLater crashed: boom outside the task$/);
      return true;
    });
    assert.deepEqual(await pool.run(testTasks.echo, { text: 'again' }), { echoed: 'again' });
  });

  it('reports an error thrown past the reply envelope as a crash', async () => {
    await assert.rejects(pool.run(testTasks.throwNow, {}), {
      code: 'worker_crashed',
      message: 'worker task test-throwNow crashed: thrown by the task',
    });
  });

  it('rebuilds an error the task reported, by its code', async () => {
    await assert.rejects(pool.run(testTasks.fail, {}), (err) => {
      assert.ok(err instanceof WorkerTaskError);
      assert.equal(err.code, 'db_missing');
      assert.match(err.message, /^worker task test-fail failed: .*\/nowhere\/apsis\.db/);
      return true;
    });
  });

  it('refuses a result that does not match the task’s schema', async () => {
    await assert.rejects(pool.run(testTasks.malformed, {}), {
      code: 'worker_failed',
      message: /^worker task test-malformed returned a malformed result: /,
    });
  });

  it('refuses bad input inside the thread, naming the field', async () => {
    await assert.rejects(pool.run(testTasks.echo, { text: 3 } as never), {
      code: 'worker_failed',
      message: /^worker task test-echo: bad input: .*text/s,
    });
  });

  it('stops a task past its time limit, replaces the thread, and runs the next task', async () => {
    const started = Date.now();
    await assert.rejects(pool.run(testTasks.block, { ms: 5_000 }, { timeoutMs: 100 }), (err) => {
      assert.ok(err instanceof WorkerTimeoutError);
      assert.equal(err.code, 'worker_timeout');
      assert.equal(
        err.message,
        'worker task test-block timed out after 0.1 s; its thread was stopped',
      );
      return true;
    });
    assert.ok(Date.now() - started < 2_000, 'the blocked thread was not waited for');
    assert.deepEqual(await pool.run(testTasks.block, { ms: 1 }), { blocked: 1 });
    assert.equal(pool.stats().timed_out, 1);
  });

  it('cancels a running task through its AbortSignal', async () => {
    const controller = new AbortController();
    const task = pool.run(testTasks.block, { ms: 5_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('program stopped')), 50);
    await assert.rejects(task, (err) => {
      assert.ok(err instanceof WorkerAbortedError);
      assert.equal(err.message, 'worker task test-block was cancelled: program stopped');
      return true;
    });
    assert.deepEqual(await pool.run(testTasks.echo, { text: 'still here' }), {
      echoed: 'still here',
    });
  });

  it('releases the write lock of a thread stopped in the middle of a transaction', async () => {
    const path = createdDatabasePath();
    const controller = new AbortController();
    const task = pool.run(
      testTasks.lockAndBlock,
      { path, ms: 10_000 },
      { signal: controller.signal },
    );
    const db = openDatabase(path, { busyTimeoutMs: 5_000 });
    // Wait until the thread holds the lock.
    let locked = false;
    db.pragma('busy_timeout = 0');
    for (let i = 0; i < 200 && !locked; i++) {
      try {
        db.exec('BEGIN IMMEDIATE; ROLLBACK');
        await new Promise((resolve) => setTimeout(resolve, 10));
      } catch {
        // SQLITE_BUSY: the thread has it.
        locked = true;
      }
    }
    assert.ok(locked, 'the thread took the write lock');
    controller.abort(new Error('program stopped'));
    await assert.rejects(task, { code: 'worker_aborted' });
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE clock SET time = 1').run();
    assert.equal(db.prepare('SELECT time FROM clock').pluck().get(), 1);
    db.close();
  });

  it('keeps the scheduler’s event loop free while a task blocks its thread', async () => {
    const task = pool.run(testTasks.block, { ms: 300 });
    let ticks = 0;
    const interval = setInterval(() => ticks++, 10);
    await task;
    clearInterval(interval);
    assert.ok(ticks >= 15, `the main thread ticked ${ticks} times in 300 ms`);
  });

  it('counts what it ran', () => {
    const stats = pool.stats();
    assert.equal(stats.max_threads, 1);
    assert.equal(stats.running, 0);
    assert.ok(stats.completed >= 6);
    assert.ok(stats.failed >= 2);
  });

  it('refuses tasks once closed', async () => {
    const closed = new WorkerPool();
    await closed.close();
    await assert.rejects(closed.run(testTasks.echo, { text: 'x' }), { code: 'worker_aborted' });
  });
});
