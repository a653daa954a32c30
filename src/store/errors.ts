import { errorMessage, SchedulerError } from '../errors.js';

/** `openDatabase` without `create` on a path that does not exist (apsis-model.md §8.1). */
export class DatabaseMissingError extends SchedulerError {
  constructor(readonly path: string) {
    super('db_missing', `no database at ${path}; create one with: apsisctl create ${path}`);
  }
}

/** `apsisctl create PATH` where PATH already exists: never overwrite a database. */
export class DatabaseExistsError extends SchedulerError {
  constructor(readonly path: string) {
    super('db_exists', `${path} already exists; remove it first or choose another path`);
  }
}

/** The file exists but SQLite cannot use it (not a database, no permission, locked). */
export class DatabaseOpenError extends SchedulerError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super('db_open', `can't open database ${path}: ${errorMessage(cause)}`, { cause });
  }
}

/** The schema is newer than this code, or not ours at all. */
export class DatabaseSchemaError extends SchedulerError {
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('db_schema', `database ${path}: ${detail}`, options);
  }
}

/**
 * A batch failed to commit and was rolled back whole: none of its writes is
 * stored and none of its `afterCommit` callbacks ran.
 */
export class CommitError extends SchedulerError {
  constructor(
    readonly writes: number,
    cause: unknown,
  ) {
    super(
      'db_commit',
      `commit of ${writes} write${writes === 1 ? '' : 's'} failed (none of them was stored): ${errorMessage(cause)}`,
      { cause },
    );
  }
}

/** A stored value that cannot be decoded; the reader substitutes a safe value and reports this. */
export class CorruptValueError extends SchedulerError {
  constructor(
    readonly what: string,
    readonly column: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('db_corrupt', `${what}: column ${column} ${detail}`, options);
  }
}

export class StoreClosedError extends SchedulerError {
  constructor(operation: string) {
    super('db_closed', `the run store is closed: can't ${operation}`);
  }
}
