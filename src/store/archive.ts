import { performance } from 'node:perf_hooks';
import { FINISHED_STATES } from '../runs/index.js';
import type { Time } from '../time/index.js';
import { openDatabase, type Database } from './database.js';

/**
 * The tables whose rows belong to one run, in the order they are moved. The
 * archive file is an apsis-ts database of its own (same schema, migrated by
 * this code), so it holds these tables exactly as the main file does.
 */
export const ARCHIVED_TABLES = [
  'runs',
  'run_log',
  'output',
  'output_chunk',
  'run_transition',
] as const;

export type ArchivedTable = (typeof ARCHIVED_TABLES)[number];

/**
 * Columns copied per table. `run_log` and `run_transition` leave out their
 * `id`: the archive numbers its own rows (in the main file's order), since
 * SQLite may reuse the id of a deleted last row in the main file.
 */
const COPIED_COLUMNS: Readonly<Record<ArchivedTable, string>> = {
  runs:
    'rowid, run_id, job_id, args, state, timestamp, times, meta, program, conds, actions,' +
    ' run_state, expected',
  run_log: 'run_id, timestamp, message',
  output: 'run_id, output_id, name, content_type, length, compression, data',
  output_chunk: 'run_id, output_id, offset, length, compression, data',
  run_transition: 'run_id, time, from_state, to_state, event',
};

const ORDER: Readonly<Record<ArchivedTable, string>> = {
  runs: 'rowid',
  run_log: 'id',
  output: 'run_id, output_id',
  output_chunk: 'run_id, output_id, offset',
  run_transition: 'id',
};

export interface ArchiveChunkRequest {
  /** The main database. */
  readonly databasePath: string;
  /** The archive file; created (with its parent's permissions) when missing. */
  readonly archivePath: string;
  /** Only runs whose last transition is before this are moved. */
  readonly before: Time;
  /** At most this many runs. */
  readonly limit: number;
  /** Run ids never to move (runs the daemon holds in memory). */
  readonly exclude: readonly string[];
  readonly busyTimeoutMs: number;
  /**
   * Written to the `run_state` of run `runId` in the transaction that deletes
   * the chunk, so what the archiving run has done is exactly what is
   * committed, across a crash (see `archiveChunk`). Built from the chunk.
   */
  readonly progress?: {
    readonly runId: string;
    readonly runState: (chunk: ArchivedChunk) => object;
  };
}

export interface ArchivedChunk {
  /** The runs moved, oldest first. Empty when no run was eligible. */
  readonly runIds: string[];
  /** Their run numbers (`runs.rowid`), in the same order. */
  readonly runNumbers: number[];
  /** Rows moved, per table. */
  readonly rowCounts: Record<ArchivedTable, number>;
  /** Ad hoc jobs deleted because none of their runs is left in the main file. */
  readonly jobsDeleted: string[];
  /** Seconds spent finding the runs, and moving them. */
  readonly getRunsS: number;
  readonly archiveRunsS: number;
}

const FINISHED_JSON = JSON.stringify([...FINISHED_STATES]);

/** A main-file log this many pages long (64 MB) is made to start over after a chunk. */
const START_OVER_WAL_FRAMES = 8192;

/**
 * Lets the main file's log start over from the top, which happens only when
 * a writer begins with every page of the log copied into the file. After
 * each chunk this connection copies the chunk's pages (a PASSIVE
 * checkpoint, no lock), but the daemon's commits that waited for the
 * chunk's lock land while it copies, so the log is never all copied when
 * the next writer begins, and would grow by every chunk (637 MB over a
 * million runs). Here, under the write lock (so nothing is added
 * meanwhile), the rest is copied: the pages the daemon wrote since. The
 * next writer starts the log over. It costs the daemon's commits a wait of
 * 5–30 ms (the copy's syncs), so it is done only once the log is long.
 */
function startLogOver(main: Database, archive: Database): void {
  main.exec('BEGIN IMMEDIATE');
  try {
    archive.pragma('live.wal_checkpoint(PASSIVE)');
  } finally {
    main.exec('COMMIT');
  }
}

/**
 * Moves up to `limit` finished runs older than `before`, oldest first, with
 * every row that belongs to them, from the main file to the archive.
 *
 * Two connections, so that a crash at any point loses nothing:
 * 1. the main file is write-locked (BEGIN IMMEDIATE) and the runs chosen, so
 *    no run can change (a `mark`) until the chunk is done;
 * 2. the archive connection, with the main file attached, copies the rows and
 *    COMMITS (any copies of these runs already there, left by a chunk
 *    interrupted after this step, are replaced: run ids are never reused, so
 *    a run in both files is such a leftover, and the main file's rows are the
 *    true ones);
 * 3. the main connection deletes the rows and commits.
 * A crash between 2 and 3 leaves the runs in both files; the next chunk moves
 * them again and replaces the copies. One transaction over both files (an
 * ATTACH on the main connection) would not do: SQLite commits attached WAL
 * databases one file at a time, main first, so a crash in between would lose
 * the chunk.
 *
 * The main file's write lock is held for the copy and the delete: 60–100 µs
 * a run with a few KB of rows (~20 ms for 250 runs; bench/housekeeping-
 * archive.ts), mostly one page of each `run_id` index per run. The daemon's
 * commits wait that long (off its event loop while it shares the lock:
 * `RunStore.shareWriteLock`), and so do the runs they start: keep chunks
 * small.
 */
export function archiveChunk(request: ArchiveChunkRequest): ArchivedChunk {
  const main = openDatabase(request.databasePath, {
    busyTimeoutMs: request.busyTimeoutMs,
    optimize: false,
  });
  let archive: Database | undefined;
  try {
    archive = openDatabase(request.archivePath, {
      create: true,
      busyTimeoutMs: request.busyTimeoutMs,
      optimize: false,
    });
    // Checkpoints after the main file's write lock is released, never
    // inside it: the archive file's happens when this connection, its last,
    // closes (an automatic one would run in the copy's commit, under the
    // main file's lock); the main file's just after the chunk commits, here
    // rather than on the daemon's event loop (`RunStore.shareWriteLock`).
    main.pragma('wal_autocheckpoint = 0');
    archive.pragma('wal_autocheckpoint = 0');
    archive.prepare('ATTACH DATABASE ? AS live').run(request.databasePath);
    const chunk = moveChunk(main, archive, request);
    const [log] = main.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    if ((log?.log ?? 0) >= START_OVER_WAL_FRAMES) startLogOver(main, archive);
    return chunk;
  } finally {
    archive?.close();
    main.close();
  }
}

function moveChunk(main: Database, archive: Database, request: ArchiveChunkRequest): ArchivedChunk {
  const rowCounts = Object.fromEntries(ARCHIVED_TABLES.map((t) => [t, 0])) as Record<
    ArchivedTable,
    number
  >;
  main.exec('BEGIN IMMEDIATE');
  try {
    let started = performance.now();
    const chosen = main
      .prepare<[Time, string, string, number], { rowid: number; run_id: string }>(
        `SELECT rowid, run_id FROM runs
         WHERE timestamp < ? AND state IN (SELECT value FROM json_each(?))
           AND run_id NOT IN (SELECT value FROM json_each(?))
         ORDER BY timestamp, rowid LIMIT ?`,
      )
      .all(request.before, FINISHED_JSON, JSON.stringify(request.exclude), request.limit);
    const getRunsS = (performance.now() - started) / 1000;
    if (chosen.length === 0) {
      main.exec('ROLLBACK');
      return { runIds: [], runNumbers: [], rowCounts, jobsDeleted: [], getRunsS, archiveRunsS: 0 };
    }
    started = performance.now();
    const runIds = chosen.map((r) => r.run_id);
    const runNumbers = chosen.map((r) => r.rowid);
    const ids = JSON.stringify(runIds);
    const rowids = JSON.stringify(runNumbers);
    const where = (table: ArchivedTable) =>
      table === 'runs'
        ? 'rowid IN (SELECT value FROM json_each(@rowids))'
        : 'run_id IN (SELECT value FROM json_each(@ids))';

    archive.transaction(() => {
      for (const table of ARCHIVED_TABLES) {
        archive.prepare(`DELETE FROM main.${table} WHERE ${where(table)}`).run({ ids, rowids });
        const columns = COPIED_COLUMNS[table];
        rowCounts[table] = archive
          .prepare(
            `INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM live.${table}
             WHERE ${where(table)} ORDER BY ${ORDER[table]}`,
          )
          .run({ ids, rowids }).changes;
      }
      // Deferred: BEGIN IMMEDIATE would write-lock every attached file, the
      // main one too, which the main connection holds. The first statement
      // writes the archive, so its lock is taken at once all the same.
    })();

    for (const table of ARCHIVED_TABLES) {
      const deleted = main.prepare(`DELETE FROM ${table} WHERE ${where(table)}`).run({
        ids,
        rowids,
      }).changes;
      // Both connections read the same committed rows under the write lock.
      if (deleted !== rowCounts[table])
        throw new Error(
          `archive: ${table}: copied ${rowCounts[table]} rows but found ${deleted} to delete`,
        );
    }
    const jobsDeleted = main
      .prepare<[], string>(
        `DELETE FROM jobs WHERE NOT EXISTS
           (SELECT 1 FROM runs WHERE runs.job_id = jobs.job_id)
         RETURNING job_id`,
      )
      .pluck()
      .all();
    const archiveRunsS = (performance.now() - started) / 1000;
    const chunk: ArchivedChunk = {
      runIds,
      runNumbers,
      rowCounts,
      jobsDeleted,
      getRunsS,
      archiveRunsS,
    };
    if (request.progress)
      main
        .prepare('UPDATE runs SET run_state = ? WHERE run_id = ?')
        .run(JSON.stringify(request.progress.runState(chunk)), request.progress.runId);
    main.exec('COMMIT');
    return chunk;
  } catch (err) {
    if (main.inTransaction) main.exec('ROLLBACK');
    throw err;
  }
}

/** How many runs `archiveChunk` could still move (for the failure message of §6.4). */
export function countArchivable(request: {
  readonly databasePath: string;
  readonly before: Time;
  readonly exclude: readonly string[];
  readonly busyTimeoutMs: number;
}): number {
  const db = openDatabase(request.databasePath, {
    busyTimeoutMs: request.busyTimeoutMs,
    optimize: false,
  });
  try {
    return db
      .prepare<[Time, string, string], number>(
        `SELECT count(*) FROM runs
         WHERE timestamp < ? AND state IN (SELECT value FROM json_each(?))
           AND run_id NOT IN (SELECT value FROM json_each(?))`,
      )
      .pluck()
      .get(request.before, FINISHED_JSON, JSON.stringify(request.exclude)) as number;
  } finally {
    db.close();
  }
}
