import type {
  ArchiveChunkResult,
  ArchiveProgress,
  VacuumTaskResult,
} from '../../worker-tasks/index.js';

/**
 * What the internal programs need from the daemon (style.md rule 3: the
 * drivers own this interface; the runtime implements it on its worker pool,
 * its store and its stats). Every method that touches history runs in a
 * worker thread; `signal` cancels it.
 */
export interface Housekeeping {
  /** The stats object of apsis-model.md §10 (with our additions), as the API serves it. */
  stats(): Record<string, unknown>;
  /** Moves one chunk of an archive run (see `archiveChunk` in the store). */
  archiveChunk(
    request: {
      readonly archivePath: string;
      readonly requested: number;
      readonly runId: string;
      readonly progress: ArchiveProgress;
    },
    signal: AbortSignal,
  ): Promise<ArchiveChunkResult>;
  /**
   * Until the returned function is called, worker tasks take the write lock
   * again and again (an archive run's chunks): the daemon's commits wait for
   * it off the event loop (see `RunStore.shareWriteLock`).
   */
  shareWriteLock(): () => void;
  /** How many runs an archive with this cutoff could still move. */
  countArchivable(cutoff: number, signal: AbortSignal): Promise<number>;
  /** VACUUM; the daemon's commits wait meanwhile (held, not blocked on the lock). */
  vacuum(signal: AbortSignal): Promise<VacuumTaskResult>;
  /** Resolves once every write made so far is committed. */
  committed(): Promise<void>;
  /** Ad hoc jobs the archive deleted from the database: the daemon forgets them too. */
  forgetJobs(jobIds: readonly string[]): void;
}
