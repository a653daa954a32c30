import type BetterSqlite3 from 'better-sqlite3';
import { DatabaseSchemaError } from './errors.js';

type Database = BetterSqlite3.Database;

/**
 * One step of the schema: `MIGRATIONS[n]` takes a database at version `n` to
 * `n + 1`. It runs inside the transaction that also sets `user_version`, so a
 * step is applied whole or not at all. To change the schema, append a step;
 * never edit one that has shipped.
 */
export type Migration = (db: Database) => void;

/**
 * Schema v1, our own layout of what Apsis stores (apsis-model.md §8.2).
 * Differences from Apsis, and why:
 * - times are integer milliseconds since the Unix epoch (Apsis: float seconds),
 *   in `timestamp`, `run_log.timestamp`, `clock.time` and the values of `times`;
 * - `run_history` is `run_log` (an Apsis FIXME), `next_run_id` is
 *   `next_run_number`; the unused `message` and `rerun` columns are gone;
 * - no `run_summary` table: it duplicates `runs` and was never pruned (§11.3);
 * - one-row tables have a checked key, so a second row cannot appear;
 * - `(state)` and `(timestamp)` indexes serve restore and lookback queries.
 */
function createV1(db: Database): void {
  db.exec(`
    CREATE TABLE runs (
      rowid INTEGER PRIMARY KEY,        -- the run number: r123 is row 123
      run_id TEXT NOT NULL UNIQUE,
      job_id TEXT NOT NULL,
      args TEXT NOT NULL,               -- canonical JSON, so exact-args lookup is equality
      state TEXT NOT NULL,
      timestamp INTEGER NOT NULL,       -- ms; when the run last changed state
      times TEXT NOT NULL,              -- JSON: state (or schedule, stop) -> ms
      meta TEXT NOT NULL,               -- JSON object
      program TEXT,                     -- JSON of the bound program, null until bound
      conds TEXT,                       -- JSON array of bound conditions
      actions TEXT,                     -- JSON array of actions
      run_state TEXT,                   -- JSON object: what reconnecting a program needs
      expected INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_job_args ON runs (job_id, args);
    CREATE INDEX runs_state ON runs (state);
    CREATE INDEX runs_timestamp ON runs (timestamp);

    CREATE TABLE run_log (
      id INTEGER PRIMARY KEY,           -- insertion order, which is log order
      run_id TEXT NOT NULL,
      timestamp INTEGER NOT NULL,
      message TEXT NOT NULL
    );
    CREATE INDEX run_log_run_id ON run_log (run_id);

    CREATE TABLE output (
      run_id TEXT NOT NULL,
      output_id TEXT NOT NULL,
      name TEXT NOT NULL,
      content_type TEXT NOT NULL,
      length INTEGER NOT NULL,          -- uncompressed size in bytes
      compression TEXT,                 -- null, 'br', 'gzip' or 'deflate'
      data BLOB NOT NULL,
      PRIMARY KEY (run_id, output_id)
    );

    CREATE TABLE clock (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      time INTEGER NOT NULL             -- ms through which due runs have been started
    );

    CREATE TABLE next_run_number (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      number INTEGER NOT NULL           -- no run number at or above this was handed out
    );

    CREATE TABLE jobs (
      job_id TEXT PRIMARY KEY,
      job TEXT NOT NULL                 -- JSON of an ad hoc job
    );
  `);
}

/**
 * v2: outputs appended in chunks while a program runs. A chunked output's
 * `output` row has compression 'chunks' and empty data; its bytes are the
 * chunks in offset order, each compressed on its own. A program's output of
 * any size is stored (and later read) a chunk at a time, never whole in memory.
 */
function addOutputChunks(db: Database): void {
  db.exec(`
    CREATE TABLE output_chunk (
      run_id TEXT NOT NULL,
      output_id TEXT NOT NULL,
      offset INTEGER NOT NULL,          -- of the chunk's first byte in the output
      length INTEGER NOT NULL,          -- uncompressed
      compression TEXT,                 -- null or 'br'
      data BLOB NOT NULL,
      PRIMARY KEY (run_id, output_id, offset)
    );
  `);
}

/**
 * v3: every run's transitions, for the API's `/runs/{id}/transitions`. One
 * row per transition, written in the batch that writes the run (so the log
 * and the run never disagree after a crash). Runs stored before v3 have no
 * rows; their path is rebuilt from `runs.times`. `id` is insertion order,
 * which is transition order.
 */
function addRunTransitions(db: Database): void {
  db.exec(`
    CREATE TABLE run_transition (
      id INTEGER PRIMARY KEY,
      run_id TEXT NOT NULL,
      time INTEGER NOT NULL,            -- ms; the run's timestamp after the transition
      from_state TEXT,                  -- null when the state before is not known
      to_state TEXT NOT NULL,
      event TEXT                        -- the machine event's type, null when not known
    );
    CREATE INDEX run_transition_run_id ON run_transition (run_id);
  `);
}

export const MIGRATIONS: readonly Migration[] = [createV1, addOutputChunks, addRunTransitions];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function hasTables(db: Database): boolean {
  return (
    db
      .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .get() !== undefined
  );
}

/**
 * Brings the schema to `SCHEMA_VERSION`, one step per transaction. Each step
 * re-reads the version under a write lock (BEGIN IMMEDIATE), so two processes
 * opening the same file at once cannot both apply it. Returns the versions
 * before and after.
 */
export function migrate(
  db: Database,
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  const target = migrations.length;
  const from = schemaVersion(db);
  checkVersion(db, path, from, target);
  for (;;) {
    const step = db.transaction(() => {
      const version = schemaVersion(db);
      checkVersion(db, path, version, target);
      const migration = migrations[version];
      if (migration === undefined) return false;
      migration(db);
      // user_version is in the file header, written by this same transaction.
      db.pragma(`user_version = ${version + 1}`);
      return true;
    });
    if (!step.immediate()) break;
  }
  return { from, to: target };
}

function checkVersion(db: Database, path: string, version: number, target: number): void {
  if (version > target)
    throw new DatabaseSchemaError(
      path,
      `schema version ${version} is newer than this version understands (${target});` +
        ' upgrade apsis-ts, or use a copy of the database made before the upgrade',
    );
  // Apsis 2.4 databases (and other files) have tables but never set user_version.
  if (version === 0 && hasTables(db))
    throw new DatabaseSchemaError(
      path,
      'has tables but no schema version: it is not an apsis-ts database' +
        ' (to use an Apsis 2.4 database, import it: apsisctl import-apsis OLD.db; see docs/migrating.md)',
    );
}
