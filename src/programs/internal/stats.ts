import { appendFile } from 'node:fs/promises';
import { textOutput } from '../../runs/index.js';
import type { BoundProgram } from '../bind.js';
import type { ProgramDriver } from '../running.js';
import type { Housekeeping } from './housekeeping.js';
import { internalRun } from './internal-run.js';

type StatsProgram = Extract<BoundProgram, { type: 'stats' }>;

/**
 * `stats` (apsis-model.md §6.4): the stats object as output `output`, and
 * appended as one JSON line to `path` when given (its folder must exist).
 * Reading the stats takes nothing away from the API's (§10's BUG).
 */
export function statsDriver(
  housekeeping: Pick<Housekeeping, 'stats'>,
): ProgramDriver<StatsProgram> {
  const run = (program: StatsProgram, announce: boolean) =>
    internalRun(announce ? {} : null, async () => {
      const json = JSON.stringify(housekeeping.stats());
      if (program.path !== null) await appendFile(program.path, `${json}\n`);
      return {
        type: 'done',
        outcome: 'success',
        outputs: [textOutput('output', 'combined stdout & stderr', json, 'application/json')],
      };
    });
  return {
    start: (program) => run(program, true),
    // Stats are of now: a run cut off by a restart just reads them again.
    reconnect: (program) => run(program, false),
  };
}
