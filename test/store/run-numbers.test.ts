import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { InvalidValueError } from '../../src/errors.js';
import { createRunStore, openDatabase, RUN_NUMBER_BLOCK } from '../../src/store/index.js';
import { ManualClock } from '../../src/time/index.js';
import { createdDatabasePath, makeRun, openTestStore, peek, T0 } from '../support/store.js';
import { repoRoot } from '../support/temp-dir.js';

function reopen(path: string) {
  return createRunStore(openDatabase(path), { clock: new ManualClock(T0) });
}

const persistedNext = (path: string) =>
  peek(path).prepare('SELECT number FROM next_run_number').pluck().get();

describe('run numbers', () => {
  it('hands out consecutive numbers, never the same one twice', () => {
    const { store } = openTestStore({ path: createdDatabasePath() });
    assert.equal(store.reserveRunNumbers(1), 1);
    assert.equal(store.reserveRunNumbers(3), 2);
    assert.equal(store.reserveRunNumbers(1), 5);
  });

  it('persists the next number a block ahead, in the batch of the reservation', () => {
    const { store, path, endTurn } = openTestStore({ path: createdDatabasePath() });
    store.reserveRunNumbers(1);
    assert.equal(persistedNext(path), 1, 'not before the flush');
    endTurn();
    assert.equal(persistedNext(path), 1 + RUN_NUMBER_BLOCK);
    store.reserveRunNumbers(RUN_NUMBER_BLOCK - 1);
    assert.equal(store.stats().pending, 0, 'no write while inside the block');
    store.reserveRunNumbers(1);
    endTurn();
    assert.equal(persistedNext(path), 1 + 2 * RUN_NUMBER_BLOCK);
  });

  it('resumes after the reserved block when reopened, as Apsis does', () => {
    const path = createdDatabasePath();
    const first = reopen(path);
    assert.equal(first.reserveRunNumbers(1), 1);
    first.close();
    const second = reopen(path);
    assert.equal(second.reserveRunNumbers(1), 1 + RUN_NUMBER_BLOCK);
    second.close();
  });

  it('covers a reservation larger than a block', () => {
    const path = createdDatabasePath();
    const first = reopen(path);
    assert.equal(first.reserveRunNumbers(100), 1);
    first.close();
    const second = reopen(path);
    assert.equal(second.reserveRunNumbers(1), 101);
    second.close();
  });

  it('never reuses a committed number after the process is killed', () => {
    const path = createdDatabasePath();
    const storeModule = pathToFileURL(join(repoRoot, 'dist/src/store/index.js')).href;
    // The child reserves and commits 70 runs (crossing a block), then reserves
    // and queues 10 more it never flushes, and dies by SIGKILL mid-turn.
    const child = `
      import { writeSync } from 'node:fs';
      const { openDatabase, createRunStore } = await import(${JSON.stringify(storeModule)});
      const store = createRunStore(openDatabase(${JSON.stringify(path)}), {
        clock: { now: () => 0, setTimeout: () => ({ id: 0 }), clearTimeout: () => {} },
      });
      const run = (n) => ({ runId: 'r' + n, jobId: 'j', args: {}, state: 'new', times: {}, meta: {},
        program: null, conds: null, actions: null, runState: null, timestamp: 0, expected: false });
      const first = store.reserveRunNumbers(1);
      for (let i = 0; i < 69; i++) store.reserveRunNumbers(1);
      for (let n = first; n < first + 70; n++) store.insertRun(run(n));
      store.flush();
      const more = store.reserveRunNumbers(10);
      for (let n = more; n < more + 10; n++) store.insertRun(run(n));
      writeSync(1, JSON.stringify({ committed: [first, first + 69], lost: [more, more + 9] }) + '\\n');
      process.kill(process.pid, 'SIGKILL');
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
      encoding: 'utf8',
    });
    assert.equal(result.signal, 'SIGKILL', result.stderr);
    const { committed, lost } = JSON.parse(result.stdout) as {
      committed: [number, number];
      lost: [number, number];
    };
    assert.deepEqual(committed, [1, 70]);
    assert.deepEqual(lost, [71, 80]);

    const store = reopen(path);
    try {
      assert.equal(store.countRuns(), 70, 'every committed run survived; no queued one did');
      assert.equal(store.getRun('r70')?.jobId, 'j');
      assert.equal(store.getRun('r71'), undefined);
      const next = store.reserveRunNumbers(1);
      assert.ok(next > 70, `handed out ${next} again`);
      // The bump to 129 committed with runs 65–70; the unflushed block is skipped too.
      assert.equal(next, 1 + 2 * RUN_NUMBER_BLOCK);
    } finally {
      store.close();
    }
  });

  it('never numbers below a stored run, log line or output when the counter row is lost', () => {
    const { store, endTurn, path } = openTestStore();
    store.insertRun(makeRun(5));
    store.appendLog('r9', T0, 'scheduled: now');
    store.putOutput('r12', {
      outputId: 'output',
      name: 'output',
      contentType: 'text/plain',
      length: 1,
      data: Buffer.from('x'),
    });
    endTurn();
    store.close();
    peek(path).prepare('DELETE FROM next_run_number').run();
    const lostRow = reopen(path);
    assert.equal(lostRow.reserveRunNumbers(1), 13);
    lostRow.close();

    // A run stored above the persisted number (not through a reservation) is also skipped.
    peek(path).prepare('UPDATE next_run_number SET number = 2').run();
    const lagging = reopen(path);
    lagging.insertRun(makeRun(300));
    lagging.close();
    const after = reopen(path);
    assert.equal(after.reserveRunNumbers(1), 301);
    after.close();
  });

  it('refuses a count that is not a positive integer', () => {
    const { store } = openTestStore();
    for (const count of [0, -1, 1.5, Number.NaN])
      assert.throws(() => store.reserveRunNumbers(count), InvalidValueError);
    assert.equal(store.reserveRunNumbers(1), 1);
  });
});
