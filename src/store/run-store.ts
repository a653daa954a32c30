import { runNumber, type State } from '../runs/index.js';
import type { Clock, Time } from '../time/index.js';
import { InvalidValueError } from '../errors.js';
import { releaseWhole } from '../memory/release.js';
import { createCommitter } from './commit.js';
import { checkText, checkTime, ColumnDecoder, rowToRun, runToRow, type RunRow } from './codec.js';
import type { Database } from './database.js';
import { CorruptValueError, StoreClosedError } from './errors.js';
import { databaseFigures, type DatabaseFigures } from './maintenance.js';
import { decodeOutput, encodeChunk, encodeOutput } from './outputs.js';
import type { RunLogEntry, RunOutput, RunRecord } from './records.js';
import { loadRunNumbers, RunNumberAllocator } from './run-numbers.js';
import { createTransitionLog, type RunTransition } from './run-transitions.js';
import { prepareStatements, RunQueryCache, type RunQuery } from './statements.js';
import { WriteQueue, type WriteQueueStats } from './write-queue.js';

export type { RunQuery } from './statements.js';
export type { RunTransition } from './run-transitions.js';
export type { WriteQueueStats as StoreStats } from './write-queue.js';

export interface OutputInfo {
  readonly outputId: string;
  readonly name: string;
  readonly contentType: string;
  /** Uncompressed length in bytes. */
  readonly length: number;
}

/**
 * The run store: domain operations over one SQLite connection (style.md
 * rule 3). The store owns the connection from here on; `close()` closes it.
 *
 * Writes are queued, not run: every write of one event-loop turn commits in
 * one transaction, in call order, after the turn (design.md, "Data flow").
 * Reads run at once and see COMMITTED data only; a write is invisible to
 * them until its batch is flushed. The runtime overlays its in-memory runs,
 * so it never needs to read its own uncommitted writes.
 *
 * One store per database: run numbering is kept in memory, so two stores on
 * one file would hand out the same numbers.
 */
export interface RunStore {
  /** Stores a new run; its number must not be stored already (the batch fails otherwise). */
  insertRun(run: RunRecord): void;
  /** Rewrites a run's mutable columns; stores it whole if it was never inserted. */
  updateRun(run: RunRecord): void;
  appendLog(runId: string, timestamp: Time, message: string): void;
  /**
   * Records that a run went from `from` to `to` at `time`, caused by `event`
   * (a machine event type). Written in the same batch as the run itself.
   */
  recordTransition(
    runId: string,
    time: Time,
    from: State | null,
    to: State,
    event: string | null,
  ): void;
  /** Stores or replaces an output; 16 KiB or more is stored brotli-compressed. */
  putOutput(runId: string, output: RunOutput): void;
  /**
   * Appends `data` at `offset` to an output kept in chunks (created by the
   * first append; a whole output put before is replaced). The chunk is
   * compressed off the event loop; the promise resolves once its write is
   * queued. A chunk that does not compress is written from `data` itself, so
   * the caller may free `data` only once `committed()`; nothing keeps it
   * after that. Appends to one output must be made one after another.
   */
  appendOutput(
    runId: string,
    output: Omit<OutputInfo, 'length'>,
    offset: number,
    data: Uint8Array,
  ): Promise<void>;
  /** The time through which due runs have been started (apsis-model.md §2.9). */
  setClock(time: Time): void;
  /** Stores or replaces an ad hoc job (plain JSON data). */
  putJob(jobId: string, job: unknown): void;
  deleteJob(jobId: string): void;
  /** The first of `count` consecutive run numbers that were never handed out before. */
  reserveRunNumbers(count: number): number;

  /** Commits the pending batch now; a no-op when nothing is pending. */
  flush(): void;
  /**
   * Runs `fn` right after every write made so far is committed. With nothing
   * pending, it runs on a microtask. If that batch fails to commit, `fn`
   * never runs (the failure goes to `onError`).
   */
  afterCommit(fn: () => void): void;
  /** Resolves like `afterCommit`; rejects with a `CommitError` if the batch fails. */
  committed(): Promise<void>;
  /** Flushes, then closes the connection. Later writes throw `StoreClosedError`. */
  close(): void;
  stats(): WriteQueueStats;
  /**
   * Defers commits until the returned function is called (see
   * `WriteQueue.hold`): while a worker holds the write lock for long (VACUUM).
   */
  holdCommits(): () => void;
  /**
   * While a worker takes the write lock again and again (archive chunks),
   * until the returned function is called: a commit that finds the lock
   * taken waits off the event loop and is tried again a millisecond later,
   * instead of in SQLite's busy wait, which blocks the loop for as long as
   * the worker holds the lock (tens of milliseconds a chunk), then sleeps
   * past its release. The connection also makes no automatic checkpoint
   * meanwhile (one would copy the worker's pages into the file on the event
   * loop); the worker checkpoints after each chunk. A commit still locked
   * out after the busy timeout waits in SQLite as usual, then fails.
   */
  shareWriteLock(): () => void;
  /**
   * An Int32 at 0, non-zero while a commit waits for the write lock (see
   * `shareWriteLock`): the worker that holds it gives way after its current
   * slice of work (`archiveChunk`), so the commit waits for a slice, not a
   * chunk.
   */
  readonly writeLockWaiters: SharedArrayBuffer;
  /** The database file, for worker threads that open their own connection to it. */
  readonly databasePath: string;
  /** The connection's busy timeout (config `database.timeout`), for those connections too. */
  readonly busyTimeoutMs: number;
  /** Page counts and file sizes (three pragmas and two stats: no scan). */
  databaseFigures(): DatabaseFigures;

  /** A committed run, or undefined (also for a malformed id). */
  getRun(runId: string): RunRecord | undefined;
  /** Committed runs matching every given filter, by run number. */
  queryRuns(q: RunQuery): RunRecord[];
  /** Runs in scheduled, waiting, starting, running or stopping, to restore at start (apsis-model.md §8.4). */
  activeRuns(): RunRecord[];
  runLog(runId: string): RunLogEntry[];
  /** A run's recorded transitions, oldest first; none for a run stored before schema v3. */
  runTransitions(runId: string): RunTransition[];
  outputIds(runId: string): OutputInfo[];
  /** An output, decompressed; throws `CorruptValueError` if it cannot be. */
  getOutput(runId: string, outputId: string): RunOutput | undefined;
  /** An output's stored length in bytes (committed), or 0 when it has none. */
  outputLength(runId: string, outputId: string): number;
  /** An output's bytes, decompressed a stored chunk at a time (one chunk if it was put whole). */
  outputChunks(runId: string, outputId: string): Iterable<Uint8Array>;
  /** Undefined until first set (`apsisctl create` sets it; `openDatabase` with `create` does not). */
  clockTime(): Time | undefined;
  jobs(): { jobId: string; job: unknown }[];
  countRuns(): number;
}

export interface RunStoreOptions {
  clock: Clock;
  /** A batch this large is committed at once, inside the write that fills it (default 5000). */
  maxBatchOps?: number;
  /** Schedules the end-of-turn flush (default `setImmediate`). */
  scheduleFlush?: (fn: () => void) => void;
  /** Schedules the next try of a commit that found the write lock taken (see `shareWriteLock`; default 1 ms). */
  scheduleRetry?: (fn: () => void) => void;
  /**
   * Receives failed commits (`CommitError`), values that do not decode
   * (`CorruptValueError`), and errors thrown by `afterCommit` callbacks.
   * Default: rethrown asynchronously, so an unhandled failure is never silent.
   */
  onError?: (err: unknown) => void;
}

const DEFAULT_MAX_BATCH_OPS = 5000;

/** The `output.compression` of an output stored in `output_chunk` rows. */
const CHUNKED = 'chunks';

/** The restore set (apsis-model.md §8.4); `new` runs are never restored. */
const RESTORE_STATES: readonly State[] = [
  'scheduled',
  'waiting',
  'starting',
  'running',
  'stopping',
];

function rethrowAsync(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

/**
 * Output bytes written between two releases of SQLite's page cache. Output
 * pages are written once and seldom read, yet each stays in the cache (32 MB,
 * apsis-model.md §8.1) until evicted: a large output would fill it, and malloc
 * keeps what the cache reached. Releasing the unused pages after every few
 * megabytes of output bounds that at a few megabytes; the scheduler's own
 * pages, released with them, are read back from the OS's cache when next needed.
 */
const RELEASE_CACHE_EVERY_OUTPUT_BYTES = 2 * 1024 * 1024;

/** Run-log rows per multi-row INSERT: fewer statements in a burst of log lines. */
const LOG_ROWS_PER_STATEMENT = 32;

export function createRunStore(db: Database, options: RunStoreOptions): RunStore {
  const onError = options.onError ?? rethrowAsync;
  const stmts = prepareStatements(db);
  const queries = new RunQueryCache(db);
  const committer = createCommitter(db, options.clock);
  let outputBytesUnreleased = 0;
  const queue = new WriteQueue({
    commit(writes) {
      if (!committer.commit(writes)) return false;
      if (outputBytesUnreleased >= RELEASE_CACHE_EVERY_OUTPUT_BYTES) {
        outputBytesUnreleased = 0;
        db.pragma('shrink_memory');
      }
      return true;
    },
    maxBatchOps: options.maxBatchOps ?? DEFAULT_MAX_BATCH_OPS,
    scheduleFlush: options.scheduleFlush ?? ((fn) => setImmediate(fn)),
    scheduleRetry: options.scheduleRetry ?? ((fn) => setTimeout(fn, 1)),
    onError,
    now: () => options.clock.now(),
  });
  const transitions = createTransitionLog(db, queue, onError);
  const numbers = new RunNumberAllocator(loadRunNumbers(stmts), (next) =>
    queue.enqueue('reserveRunNumbers', () => stmts.setNextRunNumber.run(next)),
  );

  // Coalescing: the writes of one run within a batch become one statement
  // carrying its latest row (a run that starts and finishes in one turn is
  // written once). The entry leaves the map when its statement runs.
  const pendingRuns = new Map<string, { row: RunRow; insert: boolean }>();
  const writeRun = (run: RunRecord, kind: 'insert' | 'update') => {
    const row = runToRow(run);
    const pending = pendingRuns.get(run.runId);
    if (pending) {
      // An update keeps the job and args the run was stored with.
      pending.row = { ...row, job_id: pending.row.job_id, args: pending.row.args };
      return;
    }
    const entry = { row, insert: kind === 'insert' };
    pendingRuns.set(run.runId, entry);
    queue.enqueue(kind === 'insert' ? 'insertRun' : 'updateRun', () => {
      pendingRuns.delete(run.runId);
      if (entry.insert) stmts.insertRun.run(entry.row);
      else stmts.updateRun.run(entry.row);
    });
  };

  // Run-log lines queued in this batch, flat: run id, timestamp, message, ….
  let pendingLog: (string | number)[] = [];
  const logChunk = db.prepare(
    `INSERT INTO run_log (run_id, timestamp, message) VALUES ${Array(LOG_ROWS_PER_STATEMENT).fill('(?, ?, ?)').join(', ')}`,
  );
  const writeLog = () => {
    const rows = pendingLog;
    pendingLog = [];
    const per = LOG_ROWS_PER_STATEMENT * 3;
    let i = 0;
    for (; i + per <= rows.length; i += per) logChunk.run(rows.slice(i, i + per));
    for (; i < rows.length; i += 3)
      stmts.appendLog.run(rows[i] as string, rows[i + 1] as number, rows[i + 2] as string);
  };

  const toRun = (row: RunRow) => rowToRun(row, onError);
  const toRuns = (rows: RunRow[]) => rows.flatMap((row) => toRun(row) ?? []);
  const read = <T>(operation: string, fn: () => T): T => {
    if (queue.isClosed) throw new StoreClosedError(operation);
    return fn();
  };

  function* chunksOf(runId: string, outputId: string): Generator<Buffer> {
    const what = `output ${outputId} of ${runId}`;
    let expected = 0;
    for (;;) {
      const chunk = stmts.outputChunkAt.get(runId, outputId, expected);
      if (chunk === undefined) return;
      // A hole would silently shift every later byte: refuse it.
      if (chunk.offset !== expected)
        throw new CorruptValueError(what, 'chunks', `have a gap at byte ${expected}`);
      expected = chunk.offset + chunk.length;
      yield decodeOutput(what, chunk.compression, chunk.data);
    }
  }

  return {
    insertRun(run) {
      writeRun(run, 'insert');
    },
    updateRun(run) {
      writeRun(run, 'update');
    },
    appendLog(runId, timestamp, message) {
      checkText(runId, 'run log: run id');
      checkTime(timestamp, `run log of ${runId}: timestamp`);
      checkText(message, `run log of ${runId}: message`);
      // Log lines of one batch are written together, many rows a statement.
      if (pendingLog.length === 0) queue.enqueue('appendLog', writeLog);
      pendingLog.push(runId, timestamp, message);
    },
    recordTransition: (runId, time, from, to, event) =>
      transitions.record(runId, time, from, to, event),
    putOutput(runId, output) {
      const { outputId, name, contentType, length } = output;
      for (const [key, value] of Object.entries({ runId, outputId, name, contentType }))
        checkText(value, `output of ${runId}: ${key}`);
      if (!Number.isSafeInteger(length) || length < 0)
        throw new InvalidValueError(`output ${outputId} of ${runId}: bad length ${String(length)}`);
      const { compression, data } = encodeOutput(output);
      queue.enqueue('putOutput', () => {
        stmts.deleteOutputChunks.run(runId, outputId);
        stmts.putOutput.run(runId, outputId, name, contentType, length, compression, data);
        outputBytesUnreleased += data.byteLength;
      });
    },
    async appendOutput(runId, output, offset, bytes) {
      const { outputId, name, contentType } = output;
      for (const [key, value] of Object.entries({ runId, outputId, name, contentType }))
        checkText(value, `output of ${runId}: ${key}`);
      if (!Number.isSafeInteger(offset) || offset < 0)
        throw new InvalidValueError(`output ${outputId} of ${runId}: bad offset ${String(offset)}`);
      if (queue.isClosed) throw new StoreClosedError('appendOutput');
      const { compression, data } = await encodeChunk(bytes);
      // The write keeps the length, not the caller's bytes: they may be freed once committed.
      const length = bytes.byteLength;
      queue.enqueue('appendOutput', () => {
        stmts.appendOutputHead.run(runId, outputId, name, contentType, offset + length);
        stmts.putOutputChunk.run(runId, outputId, offset, length, compression, data);
        outputBytesUnreleased += data.byteLength;
      });
      // Once SQLite has its copy, the compressed chunk (ours alone) is freed at once.
      if (compression !== null) queue.afterCommit(() => releaseWhole(data));
    },
    setClock(time) {
      checkTime(time, 'clock');
      queue.enqueue('setClock', () => stmts.setClock.run(time));
    },
    putJob(jobId, job) {
      checkText(jobId, 'job id');
      // JSON.stringify returns undefined for undefined and functions.
      const json = JSON.stringify(job) as string | undefined;
      if (json === undefined) throw new InvalidValueError(`job ${jobId}: not storable as JSON`);
      queue.enqueue('putJob', () => stmts.putJob.run(jobId, json));
    },
    deleteJob(jobId) {
      queue.enqueue('deleteJob', () => stmts.deleteJob.run(jobId));
    },
    reserveRunNumbers(count) {
      if (queue.isClosed) throw new StoreClosedError('reserveRunNumbers');
      return numbers.reserve(count);
    },

    flush: () => queue.flush(),
    afterCommit: (fn) => queue.afterCommit(fn),
    committed: () => queue.committed(),
    close() {
      if (queue.isClosed) return;
      // Held or locked-out writes commit now, waiting for the lock if need be.
      committer.stopSharing();
      queue.close();
      try {
        // Keeps the query planner's statistics fresh (SQLite's advice for long-lived connections).
        db.pragma('optimize');
      } finally {
        db.close();
      }
    },
    stats: () => queue.stats(),
    holdCommits: () => queue.hold(),
    shareWriteLock: () => committer.share(() => queue.isClosed),
    writeLockWaiters: committer.waiters,
    databasePath: db.name,
    busyTimeoutMs: committer.busyTimeoutMs,
    databaseFigures: () => read('databaseFigures', () => databaseFigures(db)),

    getRun: (runId) =>
      read('getRun', () => {
        const n = runNumber(runId);
        const row = n === undefined ? undefined : stmts.getRun.get(n);
        return row === undefined ? undefined : toRun(row);
      }),
    queryRuns: (q) =>
      read('queryRuns', () => {
        const { stmt, params } = queries.statement(q);
        return toRuns(stmt.all(params));
      }),
    activeRuns: () =>
      read('activeRuns', () => toRuns(stmts.runsInStates.all(JSON.stringify(RESTORE_STATES)))),
    runLog: (runId) => read('runLog', () => stmts.runLog.all(runId)),
    runTransitions: (runId) => read('runTransitions', () => transitions.read(runId)),
    outputIds: (runId) =>
      read('outputIds', () =>
        stmts.outputIds.all(runId).map((r) => ({
          outputId: r.output_id,
          name: r.name,
          contentType: r.content_type,
          length: r.length,
        })),
      ),
    getOutput: (runId, outputId) =>
      read('getOutput', () => {
        const row = stmts.getOutput.get(runId, outputId);
        if (row === undefined) return undefined;
        const data =
          row.compression === CHUNKED
            ? Buffer.concat([...chunksOf(runId, outputId)])
            : decodeOutput(`output ${outputId} of ${runId}`, row.compression, row.data);
        return {
          outputId: row.output_id,
          name: row.name,
          contentType: row.content_type,
          length: row.length,
          data,
        };
      }),
    outputLength: (runId, outputId) =>
      read('outputLength', () => stmts.outputLength.get(runId, outputId) ?? 0),
    outputChunks: (runId, outputId) =>
      read('outputChunks', (): Iterable<Uint8Array> => {
        const row = stmts.getOutput.get(runId, outputId);
        if (row === undefined) return [];
        if (row.compression === CHUNKED) return chunksOf(runId, outputId);
        // An output put whole is one chunk.
        return [decodeOutput(`output ${outputId} of ${runId}`, row.compression, row.data)];
      }),
    clockTime: () => read('clockTime', () => stmts.clockTime.get()),
    jobs: () =>
      read('jobs', () =>
        stmts.jobs.all().flatMap(({ job_id, job }) => {
          // A job that does not parse is left out (and reported): it could not be scheduled anyway.
          const value = new ColumnDecoder(`job ${job_id}`, onError).object('job', job, isDefined);
          return value === null ? [] : [{ jobId: job_id, job: value }];
        }),
      ),
    countRuns: () => read('countRuns', () => stmts.countRuns.get() ?? 0),
  };
}

function isDefined(v: unknown): v is NonNullable<unknown> {
  return v !== null && v !== undefined;
}
