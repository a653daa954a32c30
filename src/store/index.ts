export type { RunLogEntry, RunOutput, RunRecord } from './records.js';
export { createDatabase, openDatabase, type Database, type OpenOptions } from './database.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
export {
  createRunStore,
  type OutputInfo,
  type RunQuery,
  type RunStore,
  type RunStoreOptions,
  type RunTransition,
  type StoreStats,
} from './run-store.js';
export { COMPRESS_MIN_BYTES, type Compression } from './outputs.js';
export { RUN_NUMBER_BLOCK } from './run-numbers.js';
export {
  CommitError,
  CorruptValueError,
  DatabaseExistsError,
  DatabaseMissingError,
  DatabaseOpenError,
  DatabaseSchemaError,
  StoreClosedError,
} from './errors.js';
