// Worker thread entry (piscina): one chunk of an archive run, or the count of
// runs still eligible, each on connections of its own to the files given.
import { archiveChunk as moveChunk, countArchivable as count } from '../src/store/index.js';
import {
  addChunk,
  archiveChunkTask,
  countArchivableTask,
  workerEntry,
} from '../src/worker-tasks/index.js';

export const archiveChunk = workerEntry(archiveChunkTask, (input) => {
  // Nothing moved: nothing was written, and the budget is not spent (§6.4 stops there).
  let progress = input.progress;
  const chunk = moveChunk({
    databasePath: input.databasePath,
    archivePath: input.archivePath,
    before: input.progress.cutoff,
    limit: input.requested,
    exclude: input.exclude,
    busyTimeoutMs: input.busyTimeoutMs,
    lockWaiters: input.lockWaiters && new Int32Array(input.lockWaiters),
    stop: input.stop && new Int32Array(input.stop),
    progress: {
      runId: input.runId,
      // A chunk cut short (stopped, or a crash) spends only what it moved.
      runState: (moved, complete) =>
        (progress = addChunk(
          input.progress,
          complete ? input.requested : moved.runIds.length,
          moved,
        )),
    },
  });
  const { runIds, rowCounts, jobsDeleted } = chunk;
  return { runIds, rowCounts, jobsDeleted, progress };
});

export const countArchivable = workerEntry(countArchivableTask, (input) =>
  count({
    databasePath: input.databasePath,
    before: input.cutoff,
    exclude: input.exclude,
    busyTimeoutMs: input.busyTimeoutMs,
  }),
);
