import type { Command } from 'commander';
import { processIo } from '../context.js';
import type { ClientDeps, ClientIo } from './command.js';
import { addInfoCommands } from './info-commands.js';
import { addOperationCommands } from './op-commands.js';
import { addRunCommands } from './run-commands.js';
import { addStreamCommands } from './stream-commands.js';
import { wantColor } from './style.js';

export { addCtlClientCommands } from './ctl-commands.js';
export { createApi, type ApsisApi } from './api.js';
export { resolveConnection, type Connection } from './address.js';
export type { ClientDeps, ClientIo } from './command.js';

/** The global options client commands read: where the daemon is, the token, the display zone. */
export function addConnectionOptions(program: Command): Command {
  return program
    .option('--host <host>', 'daemon host (default: APSIS_HOST, else localhost)')
    .option('--port <port>', 'daemon port (default: APSIS_HOST, else 5000)')
    .option('--token <token>', 'API access token (default: APSIS_TOKEN)')
    .option('--tz <zone>', 'show times in ZONE (default: the system time zone)');
}

/** Adds every `apsis` command that talks to the daemon. */
export function addClientCommands(program: Command, deps: ClientDeps): void {
  addRunCommands(program, deps);
  addOperationCommands(program, deps);
  addStreamCommands(program, deps);
  addInfoCommands(program, deps);
}

/** The real process: its streams, environment, clock and terminal. */
export function processClientDeps(): ClientDeps {
  const io: ClientIo = {
    ...processIo,
    outBytes: (data) =>
      new Promise((resolve) => {
        if (process.stdout.write(data)) resolve();
        else process.stdout.once('drain', resolve);
      }),
  };
  return {
    io,
    prepare: () => {
      // A reader that goes away (`apsis output r1 | head`) ends the command
      // quietly, as in Apsis. Only for client commands: the daemon logs to stdout.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
        throw err;
      });
    },
    env: process.env,
    now: () => Date.now(),
    color: wantColor(process.stdout.isTTY === true, process.env),
    colorErr: wantColor(process.stderr.isTTY === true, process.env),
    systemZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  };
}
