import { join } from 'node:path';
import { after } from 'node:test';
import Sqlite from 'better-sqlite3';
import {
  createDatabase,
  createRunStore,
  openDatabase,
  type Database,
  type RunRecord,
  type RunStore,
  type RunStoreOptions,
} from '../../src/store/index.js';
import { ManualClock } from '../../src/time/index.js';
import { tempDir } from './temp-dir.js';

export const T0 = Date.UTC(2024, 0, 2, 7, 0, 0);

/** A minimal run `r<n>`; override any field. */
export function makeRun(n: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: `r${n}`,
    jobId: 'job',
    args: {},
    state: 'new',
    times: {},
    meta: {},
    program: null,
    conds: null,
    actions: null,
    runState: null,
    timestamp: T0,
    expected: false,
    ...overrides,
  };
}

export interface TestStore {
  readonly path: string;
  readonly db: Database;
  readonly store: RunStore;
  /** Everything reported to `onError`. */
  readonly errors: unknown[];
  /** Flushes scheduled and not yet run (the store's `scheduleFlush` only queues here). */
  readonly scheduled: (() => void)[];
  /** Runs the scheduled flushes, as the end of the event-loop turn would. */
  endTurn(): void;
}

/**
 * A store on a fresh database file (or on `path`), with flushes under the
 * test's control and errors collected. Closed when the test file ends.
 */
export function openTestStore(
  options: { path?: string; manualFlush?: boolean } & Partial<RunStoreOptions> = {},
): TestStore {
  const { manualFlush = true, path: given, ...storeOptions } = options;
  const path = given ?? join(tempDir('apsis-store-'), 'apsis.db');
  const db = openDatabase(path, { create: true });
  const errors: unknown[] = [];
  const scheduled: (() => void)[] = [];
  const store = createRunStore(db, {
    clock: new ManualClock(T0),
    onError: (err) => errors.push(err),
    ...(manualFlush ? { scheduleFlush: (fn: () => void) => scheduled.push(fn) } : {}),
    ...storeOptions,
  });
  after(() => store.close());
  return {
    path,
    db,
    store,
    errors,
    scheduled,
    endTurn() {
      for (const fn of scheduled.splice(0)) fn();
    },
  };
}

/** A fresh database made as `apsisctl create` makes it. */
export function createdDatabasePath(now = T0): string {
  const path = join(tempDir('apsis-store-'), 'apsis.db');
  createDatabase(path, now);
  return path;
}

/** A second, independent connection: sees only what the store has committed. */
export function peek(path: string): Database {
  const db = new Sqlite(path);
  after(() => db.close());
  return db;
}
