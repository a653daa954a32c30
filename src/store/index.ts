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
export { COMPRESS_MIN_BYTES, precompressOutput, type Compression } from './outputs.js';
export {
  ARCHIVED_TABLES,
  archiveChunk,
  countArchivable,
  type ArchiveChunkRequest,
  type ArchivedChunk,
  type ArchivedTable,
} from './archive.js';
export {
  databaseFigures,
  vacuumDatabase,
  type DatabaseFigures,
  type VacuumResult,
} from './maintenance.js';
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
