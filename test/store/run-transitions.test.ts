import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { runToRow } from '../../src/store/codec.js';
import { createRunStore, MIGRATIONS, openDatabase, SCHEMA_VERSION } from '../../src/store/index.js';
import { migrate, schemaVersion } from '../../src/store/migrations.js';
import { prepareStatements } from '../../src/store/statements.js';
import { ManualClock } from '../../src/time/index.js';
import { makeRun, openTestStore, peek, T0 } from '../support/store.js';
import { tempDir } from '../support/temp-dir.js';

const count = (db: ReturnType<typeof peek>, table: string) =>
  db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

describe('schema v3: run_transition', () => {
  it('upgrades a v2 database in place, keeping its runs, with no transitions for them', () => {
    const path = join(tempDir('apsis-store-'), 'apsis.db');
    closeSync(openSync(path, 'wx'));
    const v2 = new Sqlite(path);
    migrate(v2, path, MIGRATIONS.slice(0, 2));
    assert.equal(schemaVersion(v2), 2);
    const run = makeRun(1, { state: 'success', times: { scheduled: T0, success: T0 + 5 } });
    prepareStatements(v2).insertRun.run(runToRow(run));
    v2.close();

    const store = createRunStore(openDatabase(path), { clock: new ManualClock(T0) });
    try {
      assert.equal(SCHEMA_VERSION, 3);
      assert.equal(schemaVersion(peek(path)), 3);
      assert.deepEqual(store.getRun('r1'), run);
      assert.deepEqual(store.runTransitions('r1'), []);
    } finally {
      store.close();
    }
  });
});

describe('run store: transitions', () => {
  it('commits a run and its transitions in one batch, read back in order', () => {
    const { store, path, endTurn } = openTestStore();
    const other = peek(path);
    store.insertRun(makeRun(1, { state: 'scheduled' }));
    store.recordTransition('r1', T0, 'new', 'scheduled', 'run.schedule');
    store.updateRun(makeRun(1, { state: 'starting' }));
    store.recordTransition('r1', T0 + 1, 'scheduled', 'starting', 'run.due');
    assert.equal(count(other, 'run_transition'), 0, 'nothing before the flush');
    endTurn();
    assert.equal(store.stats().commits, 1);
    // The run (coalesced) and the transitions, each one grouped write.
    assert.equal(store.stats().writes, 2);
    assert.deepEqual(store.runTransitions('r1'), [
      { time: T0, from: 'new', to: 'scheduled', event: 'run.schedule' },
      { time: T0 + 1, from: 'scheduled', to: 'starting', event: 'run.due' },
    ]);
    assert.deepEqual(store.runTransitions('r2'), []);
  });

  it('writes a burst of transitions of many runs as one grouped write', () => {
    const { store, endTurn } = openTestStore();
    for (let n = 1; n <= 100; n++) {
      store.insertRun(makeRun(n, { state: 'success' }));
      store.recordTransition(`r${n}`, T0 + n, 'new', 'scheduled', 'run.schedule');
      store.recordTransition(`r${n}`, T0 + n, 'scheduled', 'success', null);
    }
    endTurn();
    assert.equal(store.stats().writes, 101);
    for (const n of [1, 33, 100])
      assert.deepEqual(
        store.runTransitions(`r${n}`).map((t) => [t.from, t.to, t.event]),
        [
          ['new', 'scheduled', 'run.schedule'],
          ['scheduled', 'success', null],
        ],
      );
  });

  it('loses transitions with the rest of a batch that fails to commit', () => {
    const { store, path, endTurn, errors } = openTestStore();
    store.insertRun(makeRun(1));
    endTurn();
    store.recordTransition('r1', T0, 'new', 'scheduled', 'run.schedule');
    // A second insert of r1 breaks the batch's UNIQUE constraint.
    store.insertRun(makeRun(1));
    endTurn();
    assert.equal(errors.length, 1);
    assert.equal(count(peek(path), 'run_transition'), 0);
  });

  it('leaves out a stored row whose state is not a state, and reports it', () => {
    const { store, path, endTurn, errors } = openTestStore();
    store.recordTransition('r1', T0, 'new', 'scheduled', 'run.schedule');
    endTurn();
    peek(path)
      .prepare(
        "INSERT INTO run_transition (run_id, time, from_state, to_state, event) VALUES ('r1', 1, 'scheduled', 'bogus', NULL)",
      )
      .run();
    assert.equal(store.runTransitions('r1').length, 1);
    assert.equal(errors.length, 1);
  });
});
