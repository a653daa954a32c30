import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { ArgumentError, SchedulerError } from '../errors.js';
import type { Time } from '../time/index.js';
import { DatabaseExistsError, DatabaseMissingError, DatabaseOpenError } from './errors.js';
import { migrate } from './migrations.js';

/** An open SQLite connection (better-sqlite3). All access is synchronous. */
export type Database = Sqlite.Database;

export interface OpenOptions {
  /** Create the file and schema when the path does not exist (default false: a missing file is an error). */
  create?: boolean;
  /** How long a statement waits for another connection's lock before failing (config `database.timeout`). */
  busyTimeoutMs?: number;
  /**
   * Refresh the planner's statistics on opening (default true: right for the
   * daemon's long-lived connection). A worker's connection for one task
   * passes false: the refresh may run ANALYZE, which write-locks the file
   * for as long as it takes (~100 ms on a million runs), and a thousand
   * archive chunks would run it again and again.
   */
  optimize?: boolean;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The in-memory database, for tests that need no file: always created fresh. */
const MEMORY = ':memory:';

/**
 * Opens a database and brings its schema up to date (apsis-model.md §8.1).
 * A missing file is an error unless `create`: a typo in the config must not
 * silently start an empty scheduler. A file newer than this code, or one that
 * is not ours, is refused before anything is written to it.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  if (path !== MEMORY && !existsSync(path)) {
    if (!options.create) throw new DatabaseMissingError(path);
    createEmptyFile(path);
  }
  return openExisting(
    path,
    options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    options.optimize ?? true,
  );
}

/**
 * `apsisctl create PATH`: a fresh database with the current schema and the
 * clock at `now` (apsis-model.md §8.2: the clock starts at creation time).
 * Refuses an existing path, even an empty file, rather than overwrite it.
 */
export function createDatabase(path: string, now: Time): void {
  if (path === MEMORY) throw new ArgumentError('create needs a file path, not :memory:');
  createEmptyFile(path);
  let db: Database | undefined;
  try {
    db = openExisting(path, DEFAULT_BUSY_TIMEOUT_MS);
    db.prepare('INSERT INTO clock (id, time) VALUES (1, ?)').run(now);
    db.prepare('INSERT INTO next_run_number (id, number) VALUES (1, 1)').run();
    db.close();
  } catch (err) {
    db?.close();
    // A half-made database would be refused as existing next time; remove it.
    for (const p of [path, `${path}-wal`, `${path}-shm`]) rmSync(p, { force: true });
    throw err;
  }
}

/** Creates `path` as an empty file, failing if anything is there (O_EXCL, so no race). */
function createEmptyFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if (isErrno(err, 'EEXIST')) throw new DatabaseExistsError(path);
    throw new DatabaseOpenError(path, err);
  }
  closeSync(fd);
}

function openExisting(path: string, busyTimeoutMs: number, optimize = true): Database {
  let db: Database;
  try {
    db = new Sqlite(path, { fileMustExist: path !== MEMORY, timeout: busyTimeoutMs });
  } catch (err) {
    throw new DatabaseOpenError(path, err);
  }
  try {
    applyPragmas(db);
    migrate(db, path);
    // Refreshes planner statistics that are missing or stale (SQLite's advice
    // on opening a long-lived connection; Apsis does the same). Without them a
    // table analysed while tiny would keep being scanned, not searched.
    if (optimize) db.pragma('optimize = 0x10002');
    return db;
  } catch (err) {
    db.close();
    // SQLITE_NOTADB, SQLITE_BUSY and friends surface on the first statement, not the constructor.
    throw err instanceof SchedulerError ? err : new DatabaseOpenError(path, err);
  }
}

/**
 * The pragmas of apsis-model.md §8.1, except mmap (256 MB, not 2 GB: the
 * mapping counts against the address space of every worker connection too).
 * `page_size` only takes effect on a new, empty file, so it is harmless on
 * an existing one and must come before WAL is switched on.
 */
function applyPragmas(db: Database): void {
  db.pragma('page_size = 8192');
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL never corrupts; a power loss (not a kill -9) may roll
  // back the last commits. Fsync per commit would cost far more than batching saves.
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -32768');
  db.pragma('mmap_size = 268435456');
  db.pragma('foreign_keys = OFF');
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
