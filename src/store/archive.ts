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

/** Copies a slice's rows of `table` (`where` picks them) into runs not yet in the archive. */
const COPY: Readonly<Record<ArchivedTable, (where: string) => string>> = Object.fromEntries(
  ARCHIVED_TABLES.map((table) => [
    table,
    (where: string) =>
      `INSERT INTO main.${table} (${COPIED_COLUMNS[table]})
       SELECT ${COPIED_COLUMNS[table]} FROM live.${table} WHERE ${where} ORDER BY ${ORDER[table]}`,
  ]),
) as Record<ArchivedTable, (where: string) => string>;

/**
 * The same, for a slice with runs the archive already holds. Two ways that
 * happens: a slice cut off after its archive commit (the main file still
 * has all the runs' rows, the same as the archive's), or a run moved while
 * a `mark` of it was committing (the daemon's upsert put the run back with
 * only the mark's new log line and transition; the archive has the rest).
 * Merging serves both: the run row and outputs are replaced by the main
 * file's (keyed; the newer), log lines and transitions are added unless the
 * archive has them already.
 */
const MERGE_COPY: Readonly<Record<ArchivedTable, (where: string) => string>> = {
  runs: (where) =>
    `INSERT OR REPLACE INTO main.runs (${COPIED_COLUMNS.runs})
     SELECT ${COPIED_COLUMNS.runs} FROM live.runs WHERE ${where} ORDER BY rowid`,
  output: (where) =>
    `INSERT OR REPLACE INTO main.output (${COPIED_COLUMNS.output})
     SELECT ${COPIED_COLUMNS.output} FROM live.output WHERE ${where} ORDER BY ${ORDER.output}`,
  output_chunk: (where) =>
    `INSERT OR REPLACE INTO main.output_chunk (${COPIED_COLUMNS.output_chunk})
     SELECT ${COPIED_COLUMNS.output_chunk} FROM live.output_chunk WHERE ${where}
     ORDER BY ${ORDER.output_chunk}`,
  run_log: (where) =>
    `INSERT INTO main.run_log (${COPIED_COLUMNS.run_log})
     SELECT ${COPIED_COLUMNS.run_log} FROM live.run_log AS l WHERE ${where}
       AND NOT EXISTS (SELECT 1 FROM main.run_log AS a WHERE a.run_id = l.run_id
         AND a.timestamp = l.timestamp AND a.message = l.message)
     ORDER BY id`,
  run_transition: (where) =>
    `INSERT INTO main.run_transition (${COPIED_COLUMNS.run_transition})
     SELECT ${COPIED_COLUMNS.run_transition} FROM live.run_transition AS l WHERE ${where}
       AND NOT EXISTS (SELECT 1 FROM main.run_transition AS a WHERE a.run_id = l.run_id
         AND a.time = l.time AND a.from_state IS l.from_state AND a.to_state = l.to_state
         AND a.event IS l.event)
     ORDER BY id`,
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
   * Non-zero at index 0 while a commit of the daemon waits for the main
   * file's write lock (`RunStore.writeLockWaiters`): between slices the
   * chunk waits for it to get in.
   */
  readonly lockWaiters?: Int32Array;
  /** Set to non-zero at index 0 to stop after the slice being moved. */
  readonly stop?: Int32Array;
  /**
   * Written to the `run_state` of run `runId` in each transaction that
   * deletes runs, so what the archiving run has done is exactly what is
   * committed, across a crash (see `archiveChunk`). Built from the runs
   * moved so far; `complete` once the last of the chunk's runs is.
   */
  readonly progress?: {
    readonly runId: string;
    readonly runState: (moved: ArchivedChunk, complete: boolean) => object;
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
  getRunsS: number;
  archiveRunsS: number;
  /** False when stopped (`stop`) before every run chosen was moved. */
  complete: boolean;
}

const FINISHED_JSON = JSON.stringify([...FINISHED_STATES]);

/** A main-file log this many pages long (64 MB) is made to start over after a chunk. */
const START_OVER_WAL_FRAMES = 8192;

/**
 * How long a slice should hold the main file's write lock, ms. The daemon's
 * commits (and so the start of the runs they carry) wait that long at worst,
 * plus the millisecond of their retry; shorter slices cost more commits.
 */
const SLICE_TARGET_MS = 4;
const FIRST_SLICE_RUNS = 16;
const MAX_SLICE_RUNS = 1024;
/** How long a slice waits for a waiting commit of the daemon to get in, at most, ms. */
const HANDOFF_MAX_MS = 20;

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
 * The runs are chosen first, without a lock, then moved in slices, each
 * under the main file's write lock and in its own transactions, on two
 * connections so that a crash at any point loses nothing:
 * 1. the main file is write-locked (BEGIN IMMEDIATE) and the slice's runs
 *    checked again (still finished and old enough: a `mark` in between
 *    makes a run recent), so none can change until the slice is done;
 * 2. the archive connection, with the main file attached, copies the rows and
 *    COMMITS (any copies of these runs already there, left by a slice
 *    interrupted after this step, are replaced: run ids are never reused, so
 *    a run in both files is such a leftover, and the main file's rows are the
 *    true ones);
 * 3. the main connection deletes the rows, writes the progress and commits.
 * A crash between 2 and 3 leaves the runs in both files; the next chunk moves
 * them again and replaces the copies. One transaction over both files (an
 * ATTACH on the main connection) would not do: SQLite commits attached WAL
 * databases one file at a time, main first, so a crash in between would lose
 * the slice.
 *
 * The lock is held 60–100 µs a run with a few KB of rows, mostly one page of
 * each `run_id` index per run, and much longer for runs with large outputs
 * or far-apart ids. The daemon's commits wait for it (off its event loop
 * while it shares the lock: `RunStore.shareWriteLock`), and so do the runs
 * they start. So each slice is sized to hold the lock about
 * `SLICE_TARGET_MS` by the last one's time, and after each a commit the
 * daemon has waiting (`lockWaiters`) goes first: its runs wait for one
 * slice, not for the chunk.
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
    if (chunk.runIds.length > 0) {
      const [log] = main.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
      if ((log?.log ?? 0) >= START_OVER_WAL_FRAMES) startLogOver(main, archive);
    }
    return chunk;
  } finally {
    archive?.close();
    main.close();
  }
}

type ChosenRun = { rowid: number; run_id: string };

const ELIGIBLE = `timestamp < @before AND state IN (SELECT value FROM json_each(@finished))
  AND run_id NOT IN (SELECT value FROM json_each(@exclude))`;

function moveChunk(main: Database, archive: Database, request: ArchiveChunkRequest): ArchivedChunk {
  const params = {
    before: request.before,
    finished: FINISHED_JSON,
    exclude: JSON.stringify(request.exclude),
  };
  const started = performance.now();
  const chosen = main
    .prepare<[typeof params & { limit: number }], ChosenRun>(
      `SELECT rowid, run_id FROM runs WHERE ${ELIGIBLE} ORDER BY timestamp, rowid LIMIT @limit`,
    )
    .all({ ...params, limit: request.limit });
  const moved: ArchivedChunk = {
    runIds: [],
    runNumbers: [],
    rowCounts: Object.fromEntries(ARCHIVED_TABLES.map((t) => [t, 0])) as Record<
      ArchivedTable,
      number
    >,
    jobsDeleted: [],
    getRunsS: (performance.now() - started) / 1000,
    archiveRunsS: 0,
    complete: chosen.length === 0,
  };
  const recheck = main.prepare<[typeof params & { rowids: string }], ChosenRun>(
    `SELECT rowid, run_id FROM runs
     WHERE rowid IN (SELECT value FROM json_each(@rowids)) AND ${ELIGIBLE}
     ORDER BY timestamp, rowid`,
  );
  let size = FIRST_SLICE_RUNS;
  for (let next = 0; next < chosen.length;) {
    if (request.stop && Atomics.load(request.stop, 0) !== 0) break;
    const slice = chosen.slice(next, next + size);
    next += slice.length;
    const sliceStarted = performance.now();
    main.exec('BEGIN IMMEDIATE');
    try {
      const runs = recheck.all({ ...params, rowids: JSON.stringify(slice.map((r) => r.rowid)) });
      const last = next >= chosen.length;
      if (runs.length > 0 || last) {
        moveSlice(main, archive, runs, moved);
        if (last) {
          moved.complete = true;
          moved.jobsDeleted.push(
            ...main
              .prepare<[], string>(
                `DELETE FROM jobs WHERE NOT EXISTS
                   (SELECT 1 FROM runs WHERE runs.job_id = jobs.job_id)
                 RETURNING job_id`,
              )
              .pluck()
              .all(),
          );
        }
        moved.archiveRunsS += (performance.now() - sliceStarted) / 1000;
        if (request.progress)
          main
            .prepare('UPDATE runs SET run_state = ? WHERE run_id = ?')
            .run(
              JSON.stringify(request.progress.runState(moved, moved.complete)),
              request.progress.runId,
            );
      }
      main.exec('COMMIT');
    } catch (err) {
      if (main.inTransaction) main.exec('ROLLBACK');
      throw err;
    }
    size = nextSliceSize(size, performance.now() - sliceStarted);
    letWaitingCommitIn(request.lockWaiters);
  }
  return moved;
}

/**
 * Copies the runs' rows into the archive (committed there) and deletes them
 * from the main file (not committed: the caller's transaction), adding them
 * to `moved`.
 */
function moveSlice(
  main: Database,
  archive: Database,
  runs: readonly ChosenRun[],
  moved: ArchivedChunk,
): void {
  if (runs.length === 0) return;
  const ids = JSON.stringify(runs.map((r) => r.run_id));
  const rowids = JSON.stringify(runs.map((r) => r.rowid));
  const where = (table: ArchivedTable) =>
    table === 'runs'
      ? 'rowid IN (SELECT value FROM json_each(@rowids))'
      : 'run_id IN (SELECT value FROM json_each(@ids))';
  const copied: Partial<Record<ArchivedTable, number>> = {};
  let merged = false;
  archive.transaction(() => {
    merged =
      archive
        .prepare<[{ rowids: string }], number>(
          'SELECT count(*) FROM main.runs WHERE rowid IN (SELECT value FROM json_each(@rowids))',
        )
        .pluck()
        .get({ rowids })! > 0;
    for (const table of ARCHIVED_TABLES)
      copied[table] = archive
        .prepare((merged ? MERGE_COPY : COPY)[table](where(table)))
        .run({ ids, rowids }).changes;
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
    if (!merged && deleted !== copied[table])
      throw new Error(
        `archive: ${table}: copied ${copied[table]} rows but found ${deleted} to delete`,
      );
    moved.rowCounts[table] += deleted;
  }
  for (const run of runs) {
    moved.runIds.push(run.run_id);
    moved.runNumbers.push(run.rowid);
  }
}

/** Halves or doubles at most, towards `SLICE_TARGET_MS` of lock by the last slice's time. */
function nextSliceSize(size: number, lockMs: number): number {
  const scaled = Math.round((size * SLICE_TARGET_MS) / Math.max(lockMs, 0.05));
  return Math.min(MAX_SLICE_RUNS, Math.max(1, Math.ceil(size / 2), Math.min(scaled, size * 2)));
}

/**
 * Waits, at most `HANDOFF_MAX_MS`, while a commit of the daemon is waiting
 * for the write lock: it tries again every millisecond, so without this the
 * next slice could take the lock first, again and again.
 */
function letWaitingCommitIn(waiters: Int32Array | undefined): void {
  if (waiters && Atomics.load(waiters, 0) !== 0) Atomics.wait(waiters, 0, 1, HANDOFF_MAX_MS);
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
