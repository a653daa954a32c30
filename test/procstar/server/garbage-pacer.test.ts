import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  GarbagePacer,
  v8Collect,
  type Collect,
} from '../../../src/procstar/server/garbage-pacer.js';

function recorder(): { collect: Collect; calls: unknown[] } {
  const calls: unknown[] = [];
  return { calls, collect: (options) => calls.push(options) };
}

describe('GarbagePacer', () => {
  it('collects the young generation once the bytes received reach the threshold', async () => {
    const { collect, calls } = recorder();
    const pacer = new GarbagePacer(1000, collect);
    pacer.received(600);
    await nextTurn();
    assert.equal(calls.length, 0);
    pacer.received(400);
    assert.equal(calls.length, 0, 'not inside the frame handler');
    await nextTurn();
    assert.deepEqual(calls, [{ type: 'minor' }]);
    assert.equal(pacer.collections, 1);
  });

  it('collects once for a burst of frames in one turn, then counts afresh', async () => {
    const { collect, calls } = recorder();
    const pacer = new GarbagePacer(1000, collect);
    for (let i = 0; i < 5; i++) pacer.received(1000);
    await nextTurn();
    assert.equal(calls.length, 1);
    pacer.received(999);
    await nextTurn();
    assert.equal(calls.length, 1);
    pacer.received(1);
    await nextTurn();
    assert.equal(calls.length, 2);
  });

  it("reaches V8's collector without --expose-gc, and frees dead buffers with it", async () => {
    const collect = v8Collect();
    assert.equal(typeof collect, 'function');
    assert.equal(v8Collect(), collect, 'taken once');
    // A dead buffer is freed by a scavenge (its backing store is swept off
    // the main thread, hence the wait).
    const before = process.memoryUsage().arrayBuffers;
    (() => Buffer.allocUnsafe(2 * 1024 * 1024).fill(1))();
    collect({ type: 'minor' });
    const deadline = Date.now() + 2000;
    while (process.memoryUsage().arrayBuffers - before >= 1024 * 1024 && Date.now() < deadline)
      await nextTurn();
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 1024 * 1024, `arrayBuffers grew ${grown} bytes`);
  });
});
