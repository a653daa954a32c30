import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import Sqlite from 'better-sqlite3';

/**
 * The schema of an Apsis 2.4 database, verbatim: what SQLAlchemy 1.4/2.0's
 * `METADATA.create_all()` emits for the tables of python/apsis/sqlite.py
 * (apsis-scheduler/apsis 764f0af5), read back from `sqlite_schema` of a file
 * it created. Apsis holds no CREATE TABLE text of its own; `run_summary`
 * matches scripts/migrate-db.py's.
 */
export const APSIS_DDL = `CREATE TABLE clock (
	time FLOAT NOT NULL
);
CREATE TABLE next_run_id (
	number INTEGER NOT NULL
);
CREATE TABLE jobs (
	job_id VARCHAR NOT NULL, 
	job VARCHAR NOT NULL
);
CREATE TABLE runs (
	rowid INTEGER NOT NULL, 
	run_id VARCHAR NOT NULL, 
	timestamp FLOAT NOT NULL, 
	job_id VARCHAR NOT NULL, 
	args VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	program VARCHAR, 
	times VARCHAR NOT NULL, 
	meta VARCHAR NOT NULL, 
	message VARCHAR, 
	run_state VARCHAR, 
	rerun VARCHAR, 
	expected BOOLEAN, 
	conds VARCHAR, 
	actions VARCHAR, 
	PRIMARY KEY (rowid)
);
CREATE INDEX idx_runs_job_args ON runs (job_id, args);
CREATE TABLE run_summary (
	run_id VARCHAR NOT NULL, 
	timestamp FLOAT NOT NULL, 
	payload VARCHAR NOT NULL, 
	UNIQUE (run_id)
);
CREATE INDEX idx_timestamp ON run_summary (timestamp);
CREATE TABLE run_history (
	run_id VARCHAR NOT NULL, 
	timestamp FLOAT NOT NULL, 
	message VARCHAR NOT NULL
);
CREATE INDEX idx_run_id ON run_history (run_id);
CREATE TABLE output (
	run_id VARCHAR NOT NULL, 
	output_id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	content_type VARCHAR NOT NULL, 
	length INTEGER NOT NULL, 
	compression VARCHAR, 
	data BINARY NOT NULL, 
	PRIMARY KEY (run_id, output_id)
);
`;

/** `str(ora.Time)`: eight fractional digits and a `+00:00` offset, as Apsis writes `times`. */
export function oraTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-02T07:00:00.123Z
  return `${iso.slice(0, 23)}00000+00:00`;
}

/** Apsis's `canonical_args_json`: sorted keys, compact separators, non-ASCII kept. */
export function apsisArgs(args: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(args).sort(([a], [b]) => (a < b ? -1 : 1))),
  );
}

export interface ApsisRun {
  rowid: number;
  jobId: string;
  args?: Record<string, string>;
  state: string;
  /** State (or schedule, stop) → epoch ms; written as ora time strings. */
  times: Record<string, number>;
  /** Epoch ms of the last transition; written as float seconds. */
  timestamp: number;
  program?: unknown;
  conds?: unknown[] | null;
  actions?: unknown[] | null;
  meta?: Record<string, unknown>;
  runState?: Record<string, unknown> | null;
}

/** Builds an Apsis 2.4 database file, writing rows as python/apsis/sqlite.py writes them. */
export class ApsisDbBuilder {
  readonly db: Sqlite.Database;

  constructor(path: string, options: { clockMs?: number; nextRunId?: number } = {}) {
    this.db = new Sqlite(path);
    // Apsis's pragmas (apsis-model.md §8.1).
    this.db.pragma('journal_mode = WAL');
    this.db.exec(APSIS_DDL);
    this.db.prepare('INSERT INTO next_run_id VALUES (?)').run(options.nextRunId ?? 1);
    if (options.clockMs !== undefined)
      this.db.prepare('INSERT INTO clock VALUES (?)').run(options.clockMs / 1000);
  }

  /** `RunDB.upsert` for a new run, plus its `run_summary` row, as Apsis writes both. */
  run(run: ApsisRun): this {
    const runId = `r${run.rowid}`;
    const times = Object.fromEntries(Object.entries(run.times).map(([k, v]) => [k, oraTime(v)]));
    const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
    this.raw({
      rowid: run.rowid,
      run_id: runId,
      timestamp: run.timestamp / 1000,
      job_id: run.jobId,
      args: apsisArgs(run.args ?? {}),
      state: run.state,
      program: json(run.program),
      conds: json(run.conds),
      actions: json(run.actions),
      times: JSON.stringify(times),
      meta: JSON.stringify(run.meta ?? { job: { labels: [] } }),
      run_state: JSON.stringify(run.runState ?? null),
    });
    this.db
      .prepare('INSERT INTO run_summary (run_id, timestamp, payload) VALUES (?, ?, ?)')
      .run(
        runId,
        run.timestamp / 1000,
        JSON.stringify({ type: 'run_summary', run_summary: { run_id: runId, state: run.state } }),
      );
    return this;
  }

  /** A `runs` row exactly as given, for rows Apsis would not have written. */
  raw(row: Record<string, unknown>): this {
    const cols = Object.keys(row);
    this.db
      .prepare(
        `INSERT INTO runs (${cols.join(', ')}, expected) VALUES (${cols.map((c) => `@${c}`).join(', ')}, 0)`,
      )
      .run(row);
    return this;
  }

  log(runId: string, ms: number, message: string): this {
    this.db.prepare('INSERT INTO run_history VALUES (?, ?, ?)').run(runId, ms / 1000, message);
    return this;
  }

  /** `OutputDB.upsert`; `compression` compresses `data` as Apsis (or an older writer) would. */
  output(
    runId: string,
    data: Buffer,
    options: {
      outputId?: string;
      name?: string;
      contentType?: string;
      compression?: 'br' | 'gzip' | 'deflate' | null;
      length?: number;
      stored?: Buffer;
    } = {},
  ): this {
    const compression = options.compression ?? null;
    const stored =
      options.stored ??
      (compression === 'br'
        ? brotliCompressSync(data)
        : compression === 'gzip'
          ? gzipSync(data)
          : compression === 'deflate'
            ? deflateSync(data)
            : data);
    this.db
      .prepare('INSERT INTO output VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        runId,
        options.outputId ?? 'output',
        options.name ?? 'combined stdout & stderr',
        options.contentType ?? 'application/octet-stream',
        options.length ?? data.byteLength,
        compression,
        stored,
      );
    return this;
  }

  job(jobId: string, jso: unknown): this {
    this.db.prepare('INSERT INTO jobs VALUES (?, ?)').run(jobId, JSON.stringify(jso));
    return this;
  }

  close(): void {
    this.db.close();
  }
}
