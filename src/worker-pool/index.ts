export {
  WorkerPool,
  type RunTaskOptions,
  type WorkerPoolOptions,
  type WorkerPoolStats,
} from './pool.js';
export {
  WorkerAbortedError,
  WorkerCrashedError,
  WorkerTaskError,
  WorkerTimeoutError,
} from './errors.js';
