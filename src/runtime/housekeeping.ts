import type { Housekeeping } from '../programs/index.js';
import type { RunStore } from '../store/index.js';
import type { Clock } from '../time/index.js';
import type { WorkerPool } from '../worker-pool/index.js';
import { archiveChunkTask, countArchivableTask, vacuumTask } from '../worker-tasks/index.js';
import type { JobTable } from './job-table.js';
import type { RunRegistry } from './run-registry.js';
import type { RuntimeStats } from './stats.js';

/** How long a stopped archive chunk may take to finish its slice before its thread is stopped. */
const STOP_GRACE_MS = 10_000;

export interface HousekeepingDeps {
  readonly clock: Clock;
  readonly store: RunStore;
  readonly registry: RunRegistry;
  readonly jobs: JobTable;
  readonly stats: Pick<RuntimeStats, 'read'>;
  readonly workers: WorkerPool;
}

/**
 * The internal programs' view of the daemon: worker tasks on the store's
 * database file (each opening its own connection, with the store's busy
 * timeout), the stats, and the in-memory state the archive must respect.
 */
export function createHousekeeping(deps: HousekeepingDeps): Housekeeping {
  const { store, workers } = deps;
  const connection = () => ({
    databasePath: store.databasePath,
    busyTimeoutMs: store.busyTimeoutMs,
  });
  // The runs the daemon holds in memory are never archived, even when
  // finished (one being marked has new rows still to commit). Only those
  // old enough to be eligible matter, which keeps the list short.
  const held = (cutoff: number) => {
    const ids: string[] = [];
    for (const run of deps.registry.all()) if (run.timestamp < cutoff) ids.push(run.runId);
    return ids;
  };
  return {
    stats: () => deps.stats.read(deps.clock.now()),
    archiveChunk: async (request, signal) => {
      // A stop lets the slice being moved finish, so the result (what was
      // moved, as committed) always comes back; the thread is stopped only
      // if it does not answer within STOP_GRACE_MS.
      const stop = new SharedArrayBuffer(4);
      const hard = new AbortController();
      let grace: NodeJS.Timeout | undefined;
      const onStop = () => {
        Atomics.store(new Int32Array(stop), 0, 1);
        grace = setTimeout(() => hard.abort(signal.reason), STOP_GRACE_MS);
      };
      if (signal.aborted) onStop();
      else signal.addEventListener('abort', onStop, { once: true });
      try {
        return await workers.run(
          archiveChunkTask,
          {
            ...connection(),
            ...request,
            exclude: held(request.progress.cutoff),
            lockWaiters: store.writeLockWaiters,
            stop,
          },
          { signal: hard.signal },
        );
      } finally {
        clearTimeout(grace);
        signal.removeEventListener('abort', onStop);
      }
    },
    shareWriteLock: () => store.shareWriteLock(),
    countArchivable: (cutoff, signal) =>
      workers.run(
        countArchivableTask,
        { ...connection(), cutoff, exclude: held(cutoff) },
        { signal },
      ),
    vacuum: async (signal) => {
      // VACUUM holds the write lock throughout: our commits wait in memory
      // rather than in SQLite's busy wait, which would stall the event loop
      // and then fail the batch.
      const release = store.holdCommits();
      try {
        return await workers.run(vacuumTask, connection(), { signal });
      } finally {
        release();
      }
    },
    committed: () => store.committed(),
    forgetJobs: (jobIds) => {
      for (const jobId of jobIds) if (deps.jobs.get(jobId)?.adHoc) deps.jobs.remove(jobId);
    },
  };
}
