import { z } from 'zod';
import { WORKERS_DIR, type WorkerTask } from './task.js';

export const vacuumInput = z.object({
  databasePath: z.string().min(1),
  busyTimeoutMs: z.number().int().nonnegative(),
});
export type VacuumInput = z.infer<typeof vacuumInput>;

const figures = z.object({
  page_size: z.number(),
  page_count: z.number(),
  freelist_count: z.number(),
  file_bytes: z.number(),
  wal_bytes: z.number(),
});

export const vacuumResult = z.object({
  timeS: z.number(),
  before: figures,
  after: figures,
  checkpointed: z.boolean(),
});
export type VacuumTaskResult = z.infer<typeof vacuumResult>;

/** SQLite VACUUM of the whole database, then a truncating checkpoint. */
export const vacuumTask: WorkerTask<VacuumInput, VacuumTaskResult> = {
  name: 'vacuum',
  file: new URL('vacuum.worker.js', WORKERS_DIR),
  exportName: 'vacuum',
  input: vacuumInput,
  result: vacuumResult,
  // Rewrites the whole file: minutes for gigabytes.
  timeoutMs: 60 * 60_000,
};
