import { z } from 'zod';
import { formatRunId } from '../runs/index.js';
import { ARCHIVED_TABLES } from '../store/index.js';
import type { WorkerTask } from './task.js';

import { WORKERS_DIR } from './task.js';

/**
 * The metadata of an archive run, key for key as Apsis reports it
 * (apsis-model.md §6.4), plus `jobs deleted`. Row counts are keyed by our
 * table names (`run_log`, not `run_history`).
 */
export interface ArchiveMeta {
  'run count': number;
  run_ids: string[][];
  'row counts': Record<string, number>;
  'jobs deleted': string[];
  time: { 'get runs': number; 'archive runs': number };
}

/**
 * How far an archive run has got: its cutoff, the budget left of `count`,
 * and the metadata so far. It is the run's run state, rewritten by each
 * chunk in the transaction that deletes it, so after a restart the run
 * carries on exactly where the last committed chunk left it.
 *
 * The runs moved are kept as spans of consecutive run numbers, not as the
 * metadata's `run_ids`: the progress crosses to the worker and back and is
 * rewritten after every chunk, and as a list of ids it grew with every
 * chunk (9 MB of JSON a chunk by the end of a million runs, rebuilt and
 * rewritten a thousand times, on the event loop and under the write lock).
 * The oldest runs of a history are mostly consecutive numbers, so a chunk
 * is a few spans. `archiveMeta` lists the ids, once, when the run ends.
 */
export interface ArchiveProgress {
  /** ms since the epoch: runs whose last transition is before this are eligible. */
  cutoff: number;
  budget: number;
  /** The metadata so far, without `run_ids`. */
  meta: Omit<ArchiveMeta, 'run_ids'>;
  /** Per chunk, its runs in order as spans `[first, count, first, count, …]` of run numbers. */
  chunks: number[][];
}

const archiveMetaSchema = z.object({
  'run count': z.number().int().nonnegative(),
  'row counts': z.record(z.string(), z.number().int().nonnegative()),
  'jobs deleted': z.array(z.string()),
  time: z.object({ 'get runs': z.number(), 'archive runs': z.number() }),
});

export const archiveProgressSchema = z.object({
  cutoff: z.number().int(),
  budget: z.number().int(),
  meta: archiveMetaSchema,
  chunks: z.array(z.array(z.number().int().nonnegative())),
});

export function startArchive(cutoff: number, count: number): ArchiveProgress {
  return {
    cutoff,
    budget: count,
    meta: {
      'run count': 0,
      'row counts': {},
      'jobs deleted': [],
      time: { 'get runs': 0, 'archive runs': 0 },
    },
    chunks: [],
  };
}

/** Run numbers, in order, as spans `[first, count, …]` of consecutive numbers. */
function toSpans(numbers: readonly number[]): number[] {
  const spans: number[] = [];
  for (const n of numbers) {
    const last = spans.length - 2;
    if (last >= 0 && spans[last]! + spans[last + 1]! === n) spans[last + 1]!++;
    else spans.push(n, 1);
  }
  return spans;
}

function fromSpans(spans: readonly number[]): string[] {
  const ids: string[] = [];
  for (let i = 0; i + 1 < spans.length; i += 2)
    for (let k = 0; k < spans[i + 1]!; k++) ids.push(formatRunId(spans[i]! + k));
  return ids;
}

/**
 * The run's metadata as apsis-model.md §6.4 has it: the progress's, with
 * `run_ids` (spelt out from the progress's spans unless given).
 */
export function archiveMeta(
  progress: ArchiveProgress,
  runIds: string[][] = progress.chunks.map(fromSpans),
): ArchiveMeta {
  const { meta } = progress;
  return {
    'run count': meta['run count'],
    run_ids: runIds,
    'row counts': meta['row counts'],
    'jobs deleted': meta['jobs deleted'],
    time: meta.time,
  };
}

export interface ChunkFigures {
  readonly runIds: readonly string[];
  /** The same runs' numbers, in the same order. */
  readonly runNumbers: readonly number[];
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly jobsDeleted: readonly string[];
  readonly getRunsS: number;
  readonly archiveRunsS: number;
}

/**
 * The progress after a chunk that asked for `requested` runs. As in Apsis
 * the budget goes down by what was asked for, not by what was moved.
 */
export function addChunk(
  progress: ArchiveProgress,
  requested: number,
  chunk: ChunkFigures,
): ArchiveProgress {
  const { meta } = progress;
  const rowCounts = { ...meta['row counts'] };
  for (const [table, n] of Object.entries(chunk.rowCounts))
    rowCounts[table] = (rowCounts[table] ?? 0) + n;
  return {
    cutoff: progress.cutoff,
    budget: progress.budget - requested,
    meta: {
      'run count': meta['run count'] + chunk.runIds.length,
      'row counts': rowCounts,
      'jobs deleted': [...meta['jobs deleted'], ...chunk.jobsDeleted],
      time: {
        'get runs': meta.time['get runs'] + chunk.getRunsS,
        'archive runs': meta.time['archive runs'] + chunk.archiveRunsS,
      },
    },
    chunks:
      chunk.runNumbers.length > 0
        ? [...progress.chunks, toSpans(chunk.runNumbers)]
        : progress.chunks,
  };
}

const connection = {
  databasePath: z.string().min(1),
  busyTimeoutMs: z.number().int().nonnegative(),
};

export const archiveChunkInput = z.object({
  ...connection,
  archivePath: z.string().min(1),
  /** Asks for at most this many runs. */
  requested: z.number().int().positive(),
  /** Run ids the daemon holds in memory: never moved. */
  exclude: z.array(z.string()),
  /** The archiving run, whose run state records the progress. */
  runId: z.string(),
  progress: archiveProgressSchema,
  /** `RunStore.writeLockWaiters`: the daemon's commits waiting for the write lock. */
  lockWaiters: z.instanceof(SharedArrayBuffer).optional(),
  /** Set (an Int32 at 0) by the daemon to stop the chunk after the slice being moved. */
  stop: z.instanceof(SharedArrayBuffer).optional(),
});
export type ArchiveChunkInput = z.infer<typeof archiveChunkInput>;

export const archiveChunkResult = z.object({
  /** Runs moved; none means no run was eligible (and nothing changed). */
  runIds: z.array(z.string()),
  rowCounts: z.record(z.enum(ARCHIVED_TABLES), z.number().int().nonnegative()),
  jobsDeleted: z.array(z.string()),
  progress: archiveProgressSchema,
});
export type ArchiveChunkResult = z.infer<typeof archiveChunkResult>;

/** One chunk of an archive run (apsis-model.md §6.4): see `archiveChunk` in the store. */
export const archiveChunkTask: WorkerTask<ArchiveChunkInput, ArchiveChunkResult> = {
  name: 'archive-chunk',
  file: new URL('archive.worker.js', WORKERS_DIR),
  exportName: 'archiveChunk',
  input: archiveChunkInput,
  result: archiveChunkResult,
  // A chunk takes milliseconds; minutes mean a hung thread or a huge chunk.
  timeoutMs: 10 * 60_000,
};

export const countArchivableInput = z.object({
  ...connection,
  cutoff: z.number().int(),
  exclude: z.array(z.string()),
});
export type CountArchivableInput = z.infer<typeof countArchivableInput>;

/** Counts the runs still eligible (a scan of history, so in a thread). */
export const countArchivableTask: WorkerTask<CountArchivableInput, number> = {
  name: 'count-archivable',
  file: new URL('archive.worker.js', WORKERS_DIR),
  exportName: 'countArchivable',
  input: countArchivableInput,
  result: z.number().int().nonnegative(),
  timeoutMs: 10 * 60_000,
};
