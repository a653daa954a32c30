import { SchedulerError } from '../errors.js';
import { EXIT, type Io } from './context.js';

/**
 * Runs a command action and sets the process exit code: the action's own
 * code, 2 with one line for a known error (bad argument, config, jobs
 * directory), 1 with the stack for anything unexpected.
 */
export async function runCommand(
  prog: string,
  io: Io,
  action: () => Promise<number>,
): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (err) {
    if (err instanceof SchedulerError) {
      io.err(`${prog}: error: ${err.message}\n`);
      process.exitCode = EXIT.usage;
    } else {
      io.err(
        `${prog}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = EXIT.problems;
    }
  }
}
