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
  /** Rows moved, per table. */
  readonly rowCounts: Record<ArchivedTable, number>;
  /** Ad hoc jobs deleted because none of their runs is left in the main file. */
  readonly jobsDeleted: string[];
  /** Seconds spent finding the runs, and moving them. */
  readonly getRunsS: number;
  readonly archiveRunsS: number;
}

const FINISHED_JSON = JSON.stringify([...FINISHED_STATES]);

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
 * The main file's write lock is held for the copy and the delete: a few ms
 * for a chunk of hundreds of runs; the daemon's commits wait that long (its
 * busy timeout), so keep chunks small.
 */
export function archiveChunk(request: ArchiveChunkRequest): ArchivedChunk {
  const main = openDatabase(request.databasePath, { busyTimeoutMs: request.busyTimeoutMs });
  let archive: Database | undefined;
  try {
    archive = openDatabase(request.archivePath, {
      create: true,
      busyTimeoutMs: request.busyTimeoutMs,
    });
    archive.prepare('ATTACH DATABASE ? AS live').run(request.databasePath);
    return moveChunk(main, archive, request);
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
      return { runIds: [], rowCounts, jobsDeleted: [], getRunsS, archiveRunsS: 0 };
    }
    started = performance.now();
    const runIds = chosen.map((r) => r.run_id);
    const ids = JSON.stringify(runIds);
    const rowids = JSON.stringify(chosen.map((r) => r.rowid));
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
    const chunk: ArchivedChunk = { runIds, rowCounts, jobsDeleted, getRunsS, archiveRunsS };
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
  const db = openDatabase(request.databasePath, { busyTimeoutMs: request.busyTimeoutMs });
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
