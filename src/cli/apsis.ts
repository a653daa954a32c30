#!/usr/bin/env node
import { Command, Option } from 'commander';
import { addAgentCommand } from './agent.js';
import { addClientCommands, addConnectionOptions, processClientDeps } from './client/index.js';
import { processIo } from './context.js';
import { packageVersion } from './version.js';

/**
 * `apsis`: the user client. Its commands talk to the daemon's HTTP API
 * (docs/cli.md); `agent` runs a procstar agent.
 */
export function createApsis(): Command {
  const program = new Command('apsis')
    .description('Apsis scheduler client.')
    .version(packageVersion(), '-V, --version', 'print the client version')
    // Global options go before the command, as in Apsis: `agent` has its own
    // `--token`, and `adhoc` passes everything after TIME to the command.
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
  addConnectionOptions(program);
  program.addOption(
    new Option('--log-level <level>', 'DEBUG logs each request on stderr').choices([
      'DEBUG',
      'INFO',
      'WARNING',
      'ERROR',
      'CRITICAL',
    ]),
  );

  program
    .command('version')
    .description('print the client version')
    .action(() => {
      processIo.out(`client version: ${packageVersion()}\n`);
    });

  addClientCommands(program, processClientDeps());
  addAgentCommand(program, processIo);
  return program;
}

await createApsis().parseAsync(process.argv);
