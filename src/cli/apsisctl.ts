#!/usr/bin/env node
import { Command, Option } from 'commander';
import { checkJobs } from './check-jobs.js';
import { addConnectionOptions, addCtlClientCommands, processClientDeps } from './client/index.js';
import { processIo } from './context.js';
import { createDb } from './create-db.js';
import { importApsisCommand, processImportDeps, type ImportApsisOptions } from './import-apsis.js';
import { preview } from './preview.js';
import { serve } from './serve.js';
import { runCommand } from './run-command.js';
import { packageVersion } from './version.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `apsisctl`: the admin command; runs the daemon and works on job directories offline. */
export function createApsisctl(): Command {
  const program = new Command('apsisctl')
    .description(
      'Apsis scheduler administration: check and preview job directories, run the daemon.',
    )
    .version(packageVersion(), '-V, --version', 'print the client version')
    // Global options go before the command: `serve` has its own --host/--port
    // (where to listen), `preview` its own --tz.
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride((err) => {
      // commander exits 1 on usage errors; Apsis's argparse exits 2.
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
  addConnectionOptions(program);

  program
    .command('check-jobs')
    .description(
      'load and check every job in DIR; print each problem as JOB_ID: FILE:LINE:COL: message',
    )
    .argument('<dir>', 'the jobs directory')
    .option('--config <file>', 'config file (for calendar_dir)')
    .option('-o, --override <name=value>', 'override a config key (repeatable)', collect)
    .option('--json', 'print the result as JSON')
    .option('--at <time>', 'check the runs schedules create from TIME (default: now)')
    .action((dir: string, opts: Parameters<typeof checkJobs>[1]) =>
      runCommand('apsisctl', processIo, () => checkJobs(dir, opts, processIo, Date.now())),
    );

  program
    .command('preview')
    .description(
      'print the runs the schedules in DIR would create, in time order; needs no daemon or database',
    )
    .argument('<dir>', 'the jobs directory')
    .argument('[job-ids...]', 'only these jobs (default: all)')
    .requiredOption(
      '--from <time>',
      'start: now, +DURATION, an ISO time, a local date or date-time in --tz, or HH:MM:SS',
    )
    .option('--to <time>', 'end (exclusive), in the same forms')
    .option('--count <n>', 'at most N runs')
    .option('--tz <zone>', 'time zone for local times in arguments and output (default UTC)')
    .option('--json', 'print one JSON object per run')
    .option('--config <file>', 'config file (for calendar_dir)')
    .option('-o, --override <name=value>', 'override a config key (repeatable)', collect)
    .addHelpText(
      'after',
      '\nExample:\n  apsisctl preview jobs --from 2026-03-07 --to 2026-03-10 --tz America/New_York',
    )
    .action((dir: string, jobIds: string[], opts: Parameters<typeof preview>[2]) =>
      runCommand('apsisctl', processIo, () => preview(dir, jobIds, opts, processIo, Date.now())),
    );

  program
    .command('serve')
    .description('run the scheduler daemon until SIGTERM or SIGINT')
    .option('--config <file>', 'config file (default: defaults relative to the current folder)')
    .option(
      '-o, --override <name=value>',
      'override a config key (repeatable, dotted names)',
      collect,
    )
    .option('--host <host>', 'HTTP API interface (default: api.host, else 127.0.0.1)')
    .option('--port <port>', 'HTTP API port (default: api.port, else 5000)')
    .option('--debug', 'log at debug level')
    .action((opts: Parameters<typeof serve>[0], command: Command) => {
      // `apsisctl --port 6000 serve` listens on 6000 too (Apsis's serve ignored
      // the global flags, §4.3); serve's own flags win.
      const globals = command.parent?.opts<{ host?: string; port?: string }>() ?? {};
      const listen = { host: opts.host ?? globals.host, port: opts.port ?? globals.port };
      return runCommand('apsisctl', processIo, () => serve({ ...opts, ...listen }, processIo));
    });

  program
    .command('create')
    .description('create a new, empty database at PATH')
    .argument('<path>', 'the SQLite file to create')
    .action((path: string) =>
      runCommand('apsisctl', processIo, async () => createDb(path, processIo, Date.now())),
    );

  program
    .command('import-apsis')
    .description(
      'copy the runs, run logs, outputs, ad hoc jobs and clock of an Apsis 2.4 database into ours',
    )
    .argument('<old-db>', 'the Apsis database file (only read)')
    .option('--db <path>', "our database (default: the config's database.path); created if missing")
    .option('--config <file>', 'config file (for database.path and calendar_dir)')
    .option('-o, --override <name=value>', 'override a config key (repeatable)', collect)
    .option('--no-progress', 'print no progress, only problems and the summary')
    .action((oldDb: string, opts: ImportApsisOptions) =>
      runCommand('apsisctl', processIo, () => importApsisCommand(oldDb, opts, processImportDeps())),
    );

  // reload-jobs, restart, shut-down, version: calls to the running daemon.
  addCtlClientCommands(program, processClientDeps());

  program.addOption(
    new Option('--log-level <level>', 'log level').choices([
      'DEBUG',
      'INFO',
      'WARNING',
      'ERROR',
      'CRITICAL',
    ]),
  );
  return program;
}

await createApsisctl().parseAsync(process.argv);
