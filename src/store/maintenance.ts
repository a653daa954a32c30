import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openDatabase, type Database } from './database.js';

/** Size figures of a database file (the stats' `sqlite`). */
export interface DatabaseFigures {
  readonly page_size: number;
  readonly page_count: number;
  /** Pages free for reuse: what VACUUM would give back to the file system. */
  readonly freelist_count: number;
  /** Bytes of the database file and of its write-ahead log. */
  readonly file_bytes: number;
  readonly wal_bytes: number;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    // No WAL file (or an in-memory database): nothing on disk.
    return 0;
  }
}

/** Reads page counts (three pragmas, no scan) and file sizes. */
export function databaseFigures(db: Database): DatabaseFigures {
  const pragma = (name: string) => db.pragma(name, { simple: true }) as number;
  return {
    page_size: pragma('page_size'),
    page_count: pragma('page_count'),
    freelist_count: pragma('freelist_count'),
    file_bytes: db.memory ? 0 : fileSize(db.name),
    wal_bytes: db.memory ? 0 : fileSize(`${db.name}-wal`),
  };
}

export interface VacuumResult {
  /** Seconds VACUUM took (Apsis's metadata `time`). */
  readonly timeS: number;
  readonly before: DatabaseFigures;
  readonly after: DatabaseFigures;
  /** Whether the checkpoint after VACUUM copied the whole log back (false: a reader held it). */
  readonly checkpointed: boolean;
}

/**
 * Rebuilds the database file without its free pages (SQLite `VACUUM`), then
 * checkpoints the write-ahead log into it and truncates the log.
 *
 * In WAL mode VACUUM writes the whole database into the log under the write
 * lock: other connections keep reading (their snapshot) but none can commit
 * until it ends. The file shrinks at the checkpoint.
 */
export function vacuumDatabase(databasePath: string, busyTimeoutMs: number): VacuumResult {
  const db = openDatabase(databasePath, { busyTimeoutMs });
  try {
    const before = databaseFigures(db);
    const started = performance.now();
    db.exec('VACUUM');
    const timeS = (performance.now() - started) / 1000;
    const [checkpoint] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return { timeS, before, after: databaseFigures(db), checkpointed: checkpoint?.busy === 0 };
  } finally {
    db.close();
  }
}
