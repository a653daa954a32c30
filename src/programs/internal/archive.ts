import type { Clock } from '../../time/index.js';
import {
  archiveMeta,
  archiveProgressSchema,
  startArchive,
  type ArchiveProgress,
} from '../../worker-tasks/index.js';
import type { BoundProgram } from '../bind.js';
import type { ProgramContext, ProgramDriver, ProgramUpdate } from '../running.js';
import type { Housekeeping } from './housekeeping.js';
import { internalRun } from './internal-run.js';

type ArchiveProgram = Extract<BoundProgram, { type: 'archive' }>;
type Done = Extract<ProgramUpdate, { type: 'done' }>;

/** The failure of apsis-model.md §6.4, word for word. */
export function exhaustedMessage(count: number, remaining: number): string {
  return (
    `archive count ${count} exhausted with ${remaining} eligible runs remaining;` +
    ' increase count or archive more frequently'
  );
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `archive` (apsis-model.md §6.4): moves finished runs older than `age`,
 * oldest first, `chunk_size` at a time, `chunk_sleep` seconds apart, to the
 * archive file, until none is left or `count` is spent; then fails if
 * eligible runs remain. Each chunk is a worker task (see `archiveChunk` in
 * the store for why a crash loses and duplicates nothing).
 *
 * The run state is the progress (cutoff, budget left, metadata so far, the
 * runs moved); the worker rewrites it in the transaction that deletes each
 * chunk, so a run resumed after a restart goes on from the last committed
 * chunk, with the same cutoff, budget and metadata (Apsis cannot resume
 * internal programs).
 */
export function archiveDriver(
  housekeeping: Pick<
    Housekeeping,
    'archiveChunk' | 'countArchivable' | 'committed' | 'forgetJobs' | 'shareWriteLock'
  >,
): ProgramDriver<ArchiveProgram> {
  const run = (
    program: ArchiveProgram,
    start: ArchiveProgress,
    announce: boolean,
    context: ProgramContext,
  ) => {
    let progress = start;
    // The metadata's `run_ids`, added to chunk by chunk (the progress keeps
    // spans of run numbers): spelling out a million ids only at the end
    // would hold the event loop for ~200 ms.
    const runIds = archiveMeta(start).run_ids;
    return internalRun(
      announce ? { ...progress } : null,
      async (signal, update): Promise<Done> => {
        if (announce) {
          // The first chunk rewrites this run's run state: the row written on
          // `running` must be committed before, or it would overwrite it.
          // That write is queued by the update above, in microtasks.
          await new Promise((resolve) => setImmediate(resolve));
          await housekeeping.committed();
        }
        // For the whole run, not chunk by chunk: between chunks the daemon
        // would take back its automatic checkpoints, and make them on its
        // event loop.
        const release = housekeeping.shareWriteLock();
        try {
          while (progress.budget > 0) {
            signal.throwIfAborted();
            const requested = Math.min(progress.budget, program.chunk_size ?? progress.budget);
            const chunk = await housekeeping.archiveChunk(
              { archivePath: program.path, requested, runId: context.runId, progress },
              signal,
            );
            if (chunk.runIds.length === 0) break;
            progress = chunk.progress;
            runIds.push(chunk.runIds);
            housekeeping.forgetJobs(chunk.jobsDeleted);
            // The worker wrote this run state with the chunk; the run's next
            // write (this metadata) must carry it, not the one it started with.
            // The metadata leaves out `run_ids` until the end: rewritten after
            // every chunk, the list would cost O(runs moved) each time.
            update({ type: 'update', meta: { ...progress.meta }, runState: { ...progress } });
            if (progress.budget > 0 && program.chunk_sleep)
              await sleep(context.clock, program.chunk_sleep * 1000, signal);
          }
        } finally {
          release();
        }
        const meta = { ...archiveMeta(progress, [...runIds]) };
        if (progress.budget <= 0) {
          const remaining = await housekeeping.countArchivable(progress.cutoff, signal);
          if (remaining > 0)
            return {
              type: 'done',
              outcome: 'failure',
              message: exhaustedMessage(program.count, remaining),
              meta,
            };
        }
        return { type: 'done', outcome: 'success', meta };
      },
      () => ({ ...archiveMeta(progress, [...runIds]) }),
    );
  };
  return {
    start: (program, context) =>
      run(
        program,
        startArchive(context.clock.now() - Math.round(program.age * 1000), program.count),
        true,
        context,
      ),
    reconnect: (program, runState, context) => {
      const stored = archiveProgressSchema.safeParse(runState);
      // A run state that is not ours (a run started by a version before this
      // driver) starts afresh: archiving again is harmless.
      const progress = stored.success
        ? stored.data
        : startArchive(context.clock.now() - Math.round(program.age * 1000), program.count);
      return run(program, progress, false, context);
    },
  };
}
