import { existsSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { ArgumentError } from '../../errors.js';
import { DatabaseOpenError, DatabaseSchemaError } from '../errors.js';
import type { ApsisRunRow } from './run-row.js';

/** A row of Apsis's `run_history` (the run log). */
export interface ApsisLogRow {
  run_id: unknown;
  timestamp: unknown;
  message: unknown;
}

/** A row of Apsis's `output`. */
export interface ApsisOutputRow {
  run_id: unknown;
  output_id: unknown;
  name: unknown;
  content_type: unknown;
  length: unknown;
  compression: unknown;
  data: unknown;
}

const RUN_COLUMNS = [
  'run_id',
  'timestamp',
  'job_id',
  'args',
  'state',
  'program',
  'times',
  'meta',
  'run_state',
] as const;

/**
 * An Apsis 2.4 database (apsis-model.md §8.2), open read-only on its own
 * connection. Every table is read with `iterate()`, one row at a time, so a
 * database of any size is read in bounded memory.
 */
export class ApsisDatabase {
  private constructor(
    private readonly db: Sqlite.Database,
    private readonly tables: ReadonlySet<string>,
    private readonly runColumns: string,
  ) {}

  static open(path: string): ApsisDatabase {
    if (!existsSync(path)) throw new ArgumentError(`no Apsis database at ${path}`);
    let db: Sqlite.Database;
    try {
      db = new Sqlite(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new DatabaseOpenError(path, err);
    }
    try {
      const tables = new Set(
        db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all(),
      );
      if (tables.has('run_log') || tables.has('next_run_number'))
        throw new DatabaseSchemaError(
          path,
          'is an apsis-ts database, not an Apsis one: there is nothing to import',
        );
      if (!tables.has('runs'))
        throw new DatabaseSchemaError(path, 'has no runs table: it is not an Apsis database');
      const columns = new Set(
        db.prepare<[string], string>('SELECT name FROM pragma_table_info(?)').pluck().all('runs'),
      );
      const missing = RUN_COLUMNS.filter((c) => !columns.has(c));
      if (missing.length > 0)
        throw new DatabaseSchemaError(
          path,
          `runs table lacks ${missing.join(', ')}: not an Apsis 2.x database`,
        );
      // `conds` and `actions` came with Apsis 0.33.7 (scripts/migrate-db.py);
      // an older file reads as runs without them.
      const optional = ['conds', 'actions'].map((c) => (columns.has(c) ? c : `NULL AS ${c}`));
      return new ApsisDatabase(db, tables, ['rowid', ...RUN_COLUMNS, ...optional].join(', '));
    } catch (err) {
      db.close();
      throw err instanceof DatabaseSchemaError ? err : new DatabaseOpenError(path, err);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Rows of a table, 0 when the table is absent (Apsis creates some lazily). */
  count(table: 'runs' | 'run_history' | 'output' | 'jobs'): number {
    if (!this.tables.has(table)) return 0;
    return this.db.prepare<[], number>(`SELECT COUNT(*) FROM ${table}`).pluck().get() ?? 0;
  }

  /** In run-number order, which is also the order their log and outputs are read in. */
  runs(): IterableIterator<ApsisRunRow> {
    return this.db
      .prepare<[], ApsisRunRow>(`SELECT ${this.runColumns} FROM runs ORDER BY rowid`)
      .iterate();
  }

  /** Insertion order, which is log order: Apsis has no other. */
  logLines(): IterableIterator<ApsisLogRow> {
    return this.iterate<ApsisLogRow>(
      'run_history',
      'SELECT run_id, timestamp, message FROM run_history ORDER BY rowid',
    );
  }

  outputs(): IterableIterator<ApsisOutputRow> {
    return this.iterate<ApsisOutputRow>(
      'output',
      `SELECT run_id, output_id, name, content_type, length, compression, data
       FROM output ORDER BY rowid`,
    );
  }

  jobs(): IterableIterator<{ job_id: unknown; job: unknown }> {
    return this.iterate('jobs', 'SELECT job_id, job FROM jobs ORDER BY rowid');
  }

  /** The one row of `clock`, in float seconds; undefined when the table or row is missing. */
  clock(): unknown {
    if (!this.tables.has('clock')) return undefined;
    return this.db.prepare<[], unknown>('SELECT time FROM clock').pluck().get();
  }

  /** The one row of `next_run_id`; undefined when missing (Apsis then derives it, §8.2). */
  nextRunId(): unknown {
    if (!this.tables.has('next_run_id')) return undefined;
    return this.db.prepare<[], unknown>('SELECT number FROM next_run_id').pluck().get();
  }

  private iterate<T>(table: string, sql: string): IterableIterator<T> {
    if (!this.tables.has(table)) return [][Symbol.iterator]();
    return this.db.prepare<[], T>(sql).iterate();
  }
}
