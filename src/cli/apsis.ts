#!/usr/bin/env node
import { Command } from 'commander';
import { addAgentCommand } from './agent.js';
import { processIo } from './context.js';
import { packageVersion } from './version.js';

/**
 * `apsis`: the user client. Its commands talk to the daemon's HTTP API; this
 * release has only those that need no server.
 */
export function createApsis(): Command {
  const program = new Command('apsis')
    .description('Apsis scheduler client.')
    .version(packageVersion(), '-V, --version', 'print the client version')
    .option('--host <host>', 'server host (default: APSIS_HOST or localhost)')
    .option('--port <port>', 'server port (default 5000)')
    .showHelpAfterError()
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    });

  program
    .command('version')
    .description('print the client version')
    .action(() => {
      processIo.out(`client version: ${packageVersion()}\n`);
    });

  addAgentCommand(program, processIo);
  return program;
}

await createApsis().parseAsync(process.argv);
