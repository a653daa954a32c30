import type Sqlite from 'better-sqlite3';
import { canonicalArgs, type State } from '../runs/index.js';
import type { Time } from '../time/index.js';
import { RUN_COLUMNS, type RunRow } from './codec.js';
import type { Database } from './database.js';

export interface OutputMetaRow {
  output_id: string;
  name: string;
  content_type: string;
  length: number;
}

export interface OutputRow extends OutputMetaRow {
  compression: string | null;
  data: Uint8Array;
}

type Stmt<P extends unknown[], R = unknown> = Sqlite.Statement<P, R>;

/**
 * Every fixed statement the store runs, prepared once per store: preparing is
 * the costly part of a small statement, and the write path runs thousands a
 * second.
 */
export function prepareStatements(db: Database) {
  const prepare = <P extends unknown[], R = unknown>(sql: string): Stmt<P, R> =>
    db.prepare<P, R>(sql);
  return {
    insertRun: prepare<[RunRow]>(
      `INSERT INTO runs (${RUN_COLUMNS}) VALUES
        (@rowid, @run_id, @job_id, @args, @state, @timestamp, @times, @meta,
         @program, @conds, @actions, @run_state, @expected)`,
    ),
    // An upsert: a run updated before it was ever inserted (an expected run's
    // first persisted transition) is stored rather than silently lost.
    updateRun: prepare<[RunRow]>(
      `INSERT INTO runs (${RUN_COLUMNS}) VALUES
        (@rowid, @run_id, @job_id, @args, @state, @timestamp, @times, @meta,
         @program, @conds, @actions, @run_state, @expected)
       ON CONFLICT (rowid) DO UPDATE SET
         state = excluded.state, timestamp = excluded.timestamp, times = excluded.times,
         meta = excluded.meta, program = excluded.program, conds = excluded.conds,
         actions = excluded.actions, run_state = excluded.run_state, expected = excluded.expected`,
    ),
    appendLog: prepare<[string, Time, string]>(
      'INSERT INTO run_log (run_id, timestamp, message) VALUES (?, ?, ?)',
    ),
    putOutput: prepare<[string, string, string, string, number, string | null, Uint8Array]>(
      `INSERT INTO output (run_id, output_id, name, content_type, length, compression, data)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, output_id) DO UPDATE SET
         name = excluded.name, content_type = excluded.content_type, length = excluded.length,
         compression = excluded.compression, data = excluded.data`,
    ),
    appendOutputHead: prepare<[string, string, string, string, number]>(
      `INSERT INTO output (run_id, output_id, name, content_type, length, compression, data)
       VALUES (?, ?, ?, ?, ?, 'chunks', x'')
       ON CONFLICT (run_id, output_id) DO UPDATE SET
         name = excluded.name, content_type = excluded.content_type,
         length = max(length, excluded.length), compression = 'chunks', data = x''`,
    ),
    putOutputChunk: prepare<[string, string, number, number, string | null, Uint8Array]>(
      `INSERT OR REPLACE INTO output_chunk (run_id, output_id, offset, length, compression, data)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    deleteOutputChunks: prepare<[string, string]>(
      'DELETE FROM output_chunk WHERE run_id = ? AND output_id = ?',
    ),
    // One chunk a query, not an open cursor: a reader may stream an output
    // across event-loop turns while the store commits in between.
    outputChunkAt: prepare<
      [string, string, number],
      { offset: number; length: number; compression: string | null; data: Uint8Array }
    >(
      `SELECT offset, length, compression, data FROM output_chunk
       WHERE run_id = ? AND output_id = ? AND offset >= ? ORDER BY offset LIMIT 1`,
    ),
    outputLength: prepare<[string, string], number>(
      'SELECT length FROM output WHERE run_id = ? AND output_id = ?',
    ).pluck(),
    setClock: prepare<[Time]>(
      'INSERT INTO clock (id, time) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET time = excluded.time',
    ),
    setNextRunNumber: prepare<[number]>(
      `INSERT INTO next_run_number (id, number) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET number = max(number, excluded.number)`,
    ),
    putJob: prepare<[string, string]>(
      'INSERT INTO jobs (job_id, job) VALUES (?, ?) ON CONFLICT (job_id) DO UPDATE SET job = excluded.job',
    ),
    deleteJob: prepare<[string]>('DELETE FROM jobs WHERE job_id = ?'),

    getRun: prepare<[number], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE rowid = ?`),
    runsInStates: prepare<[string], RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs
       WHERE state IN (SELECT value FROM json_each(?)) ORDER BY rowid`,
    ),
    runLog: prepare<[string], { timestamp: Time; message: string }>(
      'SELECT timestamp, message FROM run_log WHERE run_id = ? ORDER BY id',
    ),
    outputIds: prepare<[string], OutputMetaRow>(
      `SELECT output_id, name, content_type, length FROM output
       WHERE run_id = ? ORDER BY rowid`,
    ),
    getOutput: prepare<[string, string], OutputRow>(
      `SELECT output_id, name, content_type, length, compression, data FROM output
       WHERE run_id = ? AND output_id = ?`,
    ),
    clockTime: prepare<[], Time>('SELECT time FROM clock WHERE id = 1').pluck(),
    jobs: prepare<[], { job_id: string; job: string }>(
      'SELECT job_id, job FROM jobs ORDER BY job_id',
    ),
    countRuns: prepare<[], number>('SELECT COUNT(*) FROM runs').pluck(),
    nextRunNumber: prepare<[], number>('SELECT number FROM next_run_number WHERE id = 1').pluck(),
    maxRunRowid: prepare<[], number | null>('SELECT MAX(rowid) FROM runs').pluck(),
    // Full scans; run only when the next_run_number row is missing (apsis-model.md §8.2).
    maxLoggedNumber: prepare<[], number | null>(
      "SELECT MAX(CAST(substr(run_id, 2) AS INTEGER)) FROM run_log WHERE run_id GLOB 'r[1-9]*'",
    ).pluck(),
    maxOutputNumber: prepare<[], number | null>(
      "SELECT MAX(CAST(substr(run_id, 2) AS INTEGER)) FROM output WHERE run_id GLOB 'r[1-9]*'",
    ).pluck(),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export interface RunQuery {
  readonly jobId?: string;
  /** Exact match: the run's args equal these, no more and no fewer. */
  readonly args?: Readonly<Record<string, string>>;
  readonly states?: readonly State[];
  /** Runs whose last transition was at or after this time. */
  readonly minTimestamp?: Time;
  /** Runs whose last transition was before this time (exclusive, so ranges tile). */
  readonly maxTimestamp?: Time;
  /** Runs that have each of these args (and perhaps others), as Apsis's arg filters match. */
  readonly argsInclude?: Readonly<Record<string, string>>;
  /** Runs whose job had every one of these labels when the run was created. */
  readonly labels?: readonly string[];
  /** Only these run numbers. */
  readonly runNumbers?: readonly number[];
  /** Run numbers above this (exclusive): the keyset cursor of an ascending page. */
  readonly afterNumber?: number;
  /** Run numbers below this (exclusive): the keyset cursor of a descending page. */
  readonly beforeNumber?: number;
  /** Highest run number first. Default ascending. */
  readonly descending?: boolean;
  /** At most this many runs: the first that match, in order. */
  readonly limit?: number;
}

/**
 * Prepares `queryRuns` statements on demand, one per combination of filters
 * used (at most a few hundred), each cached for the life of the store. States go in as a
 * JSON array so any number of them shares one statement.
 *
 * A page (a query with a limit) finds its run numbers first and reads the
 * rows of those runs only. Run queries ask for rowid order, which no index
 * on `job_id` gives; ordered rows in one step made SQLite read every run
 * of the job, whole (~2 KB each), to sort them and keep a page: 235 ms for
 * the newest 50 of a job with 100,000 runs. The numbers alone come from
 * the `(job_id, args)` index without touching the table: 12 ms
 * (docs/performance.md, "HTTP API").
 */
export class RunQueryCache {
  private readonly cache = new Map<string, Stmt<[Record<string, unknown>], RunRow>>();

  constructor(private readonly db: Database) {}

  statement(q: RunQuery): {
    stmt: Stmt<[Record<string, unknown>], RunRow>;
    params: Record<string, unknown>;
  } {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    let key = '';
    const add = (name: string, clause: string, value: unknown) => {
      where.push(clause);
      params[name] = value;
      key += `${name};`;
    };
    if (q.jobId !== undefined) add('job_id', 'job_id = @job_id', q.jobId);
    if (q.args !== undefined) add('args', 'args = @args', canonicalArgs(q.args));
    if (q.states !== undefined)
      add('states', 'state IN (SELECT value FROM json_each(@states))', JSON.stringify(q.states));
    if (q.minTimestamp !== undefined) add('min', 'timestamp >= @min', q.minTimestamp);
    if (q.maxTimestamp !== undefined) add('max', 'timestamp < @max', q.maxTimestamp);
    if (q.argsInclude !== undefined) {
      const entries = Object.entries(q.argsInclude);
      // `"name":"value"` is in a run's canonical args text (canonicalArgs: JSON
      // with no spaces) when the run has that arg: a substring test rules out
      // most rows at a fraction of the cost of json_each, which then decides.
      entries.forEach(([name, value], i) => {
        where.push(`instr(args, @arg_text_${i}) > 0`);
        params[`arg_text_${i}`] = `${JSON.stringify(name)}:${JSON.stringify(value)}`;
      });
      add(
        'args_include',
        '(SELECT count(*) FROM json_each(@args_include) f JOIN json_each(runs.args) a' +
          ' ON a.key = f.key AND a.value = f.value) = @args_include_count',
        JSON.stringify(Object.fromEntries(entries)),
      );
      params.args_include_count = entries.length;
      key += `args:${entries.length};`;
    }
    if (q.labels !== undefined) {
      const labels = [...new Set(q.labels)];
      // As for args: a label the run has is in its meta text as a JSON string.
      labels.forEach((label, i) => {
        where.push(`instr(meta, @label_text_${i}) > 0`);
        params[`label_text_${i}`] = JSON.stringify(label);
      });
      add(
        'labels',
        "(SELECT count(DISTINCT l.value) FROM json_each(runs.meta, '$.job.labels') l" +
          ' WHERE l.value IN (SELECT value FROM json_each(@labels))) = @labels_count',
        JSON.stringify(labels),
      );
      params.labels_count = labels.length;
      key += `labels:${labels.length};`;
    }
    if (q.runNumbers !== undefined)
      add(
        'numbers',
        'rowid IN (SELECT value FROM json_each(@numbers))',
        JSON.stringify(q.runNumbers),
      );
    if (q.afterNumber !== undefined) add('after', 'rowid > @after', q.afterNumber);
    if (q.beforeNumber !== undefined) add('before', 'rowid < @before', q.beforeNumber);
    if (q.descending) key += 'desc;';
    if (q.limit !== undefined) {
      params.limit = q.limit;
      key += 'limit;';
    }
    let stmt = this.cache.get(key);
    if (stmt === undefined) {
      const filter = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
      const order = ` ORDER BY rowid${q.descending ? ' DESC' : ''}`;
      const sql =
        q.limit === undefined
          ? `SELECT ${RUN_COLUMNS} FROM runs${filter}${order}`
          : `SELECT ${RUN_COLUMNS} FROM runs WHERE rowid IN` +
            ` (SELECT rowid FROM runs${filter}${order} LIMIT @limit)${order}`;
      stmt = this.db.prepare<[Record<string, unknown>], RunRow>(sql);
      this.cache.set(key, stmt);
    }
    return { stmt, params };
  }
}
