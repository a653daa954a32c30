import type { Command } from 'commander';
import { packageVersion } from '../version.js';
import { dump, runClientCommand, type ClientDeps } from './command.js';
import { formatReload } from './format-info.js';

/** `apsisctl reload-jobs`, `restart`, `shut-down` and `version`: the admin calls to a running daemon. */
export function addCtlClientCommands(program: Command, deps: ClientDeps): void {
  const prog = program.name();

  program
    .command('reload-jobs')
    .description(
      'reload the jobs directory in the running daemon; print the jobs removed, added, changed',
    )
    .option('--dry-run', 'report the changes without applying them')
    .option('--quiet', "don't print the changes")
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  apsisctl reload-jobs --dry-run')
    .action((opts: { dryRun?: boolean; quiet?: boolean; json?: boolean }, command: Command) =>
      runClientCommand(prog, deps, command, async (ctx) => {
        const result = await ctx.api.reloadJobs(opts.dryRun ?? false);
        if (opts.json) ctx.io.out(dump(result, 'json'));
        else if (!opts.quiet) ctx.io.out(formatReload(result, ctx.paint));
      }),
    );

  program
    .command('restart')
    .description('restart the daemon (it re-executes itself with the same arguments)')
    .option('--json', 'print the API answer as JSON')
    .action((opts: { json?: boolean }, command: Command) =>
      runClientCommand(prog, deps, command, async (ctx) => {
        const answer = await ctx.api.shutDown(true);
        if (opts.json) ctx.io.out(dump(answer, 'json'));
      }),
    );

  program
    .command('shut-down')
    .description('shut the daemon down cleanly')
    .option('--json', 'print the API answer as JSON')
    .action((opts: { json?: boolean }, command: Command) =>
      runClientCommand(prog, deps, command, async (ctx) => {
        const answer = await ctx.api.shutDown(false);
        if (opts.json) ctx.io.out(dump(answer, 'json'));
      }),
    );

  program
    .command('version')
    .description("print the daemon's address and version, and the client version")
    .option('--json', 'print {"server_address", "server_version", "client_version"}')
    .action((opts: { json?: boolean }, command: Command) =>
      runClientCommand(prog, deps, command, async (ctx) => {
        const { host, port } = ctx.connection.address;
        // The address actually used, from --host/--port too (Apsis printed APSIS_HOST's).
        const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
        const serverVersion = await ctx.api.version();
        const info = {
          server_address: address,
          server_version: serverVersion,
          client_version: packageVersion(),
        };
        if (opts.json) ctx.io.out(dump(info, 'json'));
        else {
          ctx.io.out(
            `server address: ${address}\nserver version: ${serverVersion}\nclient version: ${info.client_version}\n`,
          );
        }
      }),
    );
}
