import type { BoundProgram } from '../bind.js';
import type { ProgramDriver } from '../running.js';
import type { Housekeeping } from './housekeeping.js';
import { internalRun } from './internal-run.js';

type VacuumProgram = Extract<BoundProgram, { type: 'vacuum' }>;

/**
 * `vacuum` (apsis-model.md §6.4): SQLite VACUUM in a worker thread. Metadata
 * `time` (seconds, as Apsis) plus the file's figures before and after.
 */
export function vacuumDriver(
  housekeeping: Pick<Housekeeping, 'vacuum'>,
): ProgramDriver<VacuumProgram> {
  const run = (announce: boolean) =>
    internalRun(announce ? {} : null, async (signal) => {
      const result = await housekeeping.vacuum(signal);
      return {
        type: 'done',
        outcome: 'success',
        meta: {
          time: result.timeS,
          before: result.before,
          after: result.after,
          checkpointed: result.checkpointed,
        },
      };
    });
  return {
    start: () => run(true),
    // VACUUM is all or nothing: one cut off by a restart is run again.
    reconnect: () => run(false),
  };
}
