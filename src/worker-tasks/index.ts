export {
  isErrorCode,
  replySchema,
  workerEntry,
  WORKERS_DIR,
  type WorkerReply,
  type WorkerTask,
} from './task.js';
export {
  addChunk,
  archiveChunkTask,
  archiveMeta,
  archiveProgressSchema,
  countArchivableTask,
  startArchive,
  type ArchiveChunkInput,
  type ArchiveChunkResult,
  type ArchiveMeta,
  type ArchiveProgress,
  type ChunkFigures,
  type CountArchivableInput,
} from './archive.js';
export { vacuumTask, type VacuumInput, type VacuumTaskResult } from './vacuum.js';
