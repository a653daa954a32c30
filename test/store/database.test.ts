import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SchedulerError } from '../../src/errors.js';
import {
  createDatabase,
  createRunStore,
  DatabaseExistsError,
  DatabaseMissingError,
  DatabaseOpenError,
  DatabaseSchemaError,
  MIGRATIONS,
  openDatabase,
  SCHEMA_VERSION,
} from '../../src/store/index.js';
import { migrate, schemaVersion, type Migration } from '../../src/store/migrations.js';
import { ManualClock } from '../../src/time/index.js';
import { createdDatabasePath, peek, T0 } from '../support/store.js';
import { tempDir } from '../support/temp-dir.js';

const tableNames = (path: string) =>
  peek(path)
    .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') ORDER BY name")
    .pluck()
    .all();

describe('openDatabase', () => {
  it('refuses a missing file, naming the path and the command that creates it', () => {
    const path = join(tempDir(), 'nope.db');
    assert.throws(
      () => openDatabase(path),
      (err: unknown) =>
        err instanceof DatabaseMissingError &&
        err.code === 'db_missing' &&
        err.message.includes(path) &&
        err.message.includes(`apsisctl create ${path}`),
    );
    assert.equal(existsSync(path), false);
  });

  it('creates the file and the current schema when asked to', () => {
    const path = join(tempDir(), 'new.db');
    openDatabase(path, { create: true }).close();
    assert.equal(schemaVersion(peek(path)), SCHEMA_VERSION);
    const names = tableNames(path);
    for (const table of ['runs', 'run_log', 'output', 'clock', 'next_run_number', 'jobs'])
      assert.ok(names.includes(table), table);
  });

  it('applies WAL, synchronous NORMAL, a 32 MB cache and the busy timeout', () => {
    const path = createdDatabasePath();
    const db = openDatabase(path, { busyTimeoutMs: 1234 });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 1);
      assert.equal(db.pragma('cache_size', { simple: true }), -32768);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 0);
      assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
      assert.equal(db.pragma('page_size', { simple: true }), 8192);
    } finally {
      db.close();
    }
  });

  it('reopens a database without re-applying its migrations', () => {
    const path = createdDatabasePath();
    const before = tableNames(path);
    for (let i = 0; i < 3; i++) openDatabase(path).close();
    assert.deepEqual(tableNames(path), before);
    assert.equal(schemaVersion(peek(path)), SCHEMA_VERSION);
  });

  it('refuses a database whose schema is newer than this code', () => {
    const path = createdDatabasePath();
    peek(path).pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    assert.throws(
      () => openDatabase(path),
      (err: unknown) =>
        err instanceof DatabaseSchemaError &&
        err.code === 'db_schema' &&
        err.message.includes(path) &&
        err.message.includes(`schema version ${SCHEMA_VERSION + 1} is newer`),
    );
    assert.equal(schemaVersion(peek(path)), SCHEMA_VERSION + 1, 'left untouched');
  });

  it('refuses a database with tables but no schema version, such as an Apsis 2.4 one', () => {
    const path = join(tempDir(), 'apsis.db');
    peek(path).exec('CREATE TABLE runs (rowid INTEGER PRIMARY KEY, run_id VARCHAR)');
    assert.throws(() => openDatabase(path), /not an apsis-ts database/);
    assert.equal(schemaVersion(peek(path)), 0);
  });

  it('opens :memory: as a fresh database with the current schema', () => {
    const db = openDatabase(':memory:');
    try {
      assert.equal(schemaVersion(db), SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('refuses a file that is not SQLite with a db_open error', () => {
    const path = join(tempDir(), 'text.db');
    writeFileSync(path, 'this is not a database, just some text that is long enough '.repeat(20));
    assert.throws(
      () => openDatabase(path),
      (err: unknown) =>
        err instanceof DatabaseOpenError && err.code === 'db_open' && err.message.includes(path),
    );
  });
});

describe('createDatabase', () => {
  it('starts the clock at the creation time and numbering at r1', () => {
    const path = createdDatabasePath(T0);
    const store = createRunStore(openDatabase(path), { clock: new ManualClock(T0) });
    try {
      assert.equal(store.clockTime(), T0);
      assert.equal(store.reserveRunNumbers(1), 1);
    } finally {
      store.close();
    }
  });

  it('refuses an existing path, even an empty file, and leaves it alone', () => {
    const path = join(tempDir(), 'exists.db');
    writeFileSync(path, '');
    assert.throws(
      () => createDatabase(path, T0),
      (err: unknown) => err instanceof DatabaseExistsError && err.code === 'db_exists',
    );
    assert.equal(existsSync(path), true);
    const created = createdDatabasePath();
    assert.throws(() => createDatabase(created, T0), DatabaseExistsError);
    assert.equal(schemaVersion(peek(created)), SCHEMA_VERSION);
  });

  it('reports a folder that does not exist as a SchedulerError', () => {
    const path = join(tempDir(), 'no', 'such', 'dir', 'x.db');
    assert.throws(() => createDatabase(path, T0), SchedulerError);
  });
});

describe('migrations', () => {
  const addNotes: Migration = (db) => db.exec('ALTER TABLE runs ADD COLUMN notes TEXT');

  it('applies a new step once, to databases of the previous version only', () => {
    const path = createdDatabasePath();
    const db = peek(path);
    const steps = [...MIGRATIONS, addNotes];
    assert.deepEqual(migrate(db, path, steps), { from: SCHEMA_VERSION, to: SCHEMA_VERSION + 1 });
    assert.deepEqual(migrate(db, path, steps), {
      from: SCHEMA_VERSION + 1,
      to: SCHEMA_VERSION + 1,
    });
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('runs');
    assert.equal(columns.filter((c) => c === 'notes').length, 1);
  });

  it('rolls a failing step back whole, leaving the version where it was', () => {
    const path = createdDatabasePath();
    const db = peek(path);
    const broken: Migration = (d) => {
      addNotes(d);
      throw new Error('step failed');
    };
    assert.throws(() => migrate(db, path, [...MIGRATIONS, broken]), /step failed/);
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('runs');
    assert.equal(columns.includes('notes'), false);
  });
});
