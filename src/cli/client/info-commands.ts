import type { Command } from 'commander';
import {
  dump,
  outputFormat,
  parseCount,
  runClientCommand,
  type ClientDeps,
  type OutputFormat,
} from './command.js';
import { formatActor, formatActorsTable, formatJob, formatJobsTable } from './format-info.js';
import { addFormatOptions } from './run-commands.js';

interface FormatFlags {
  json?: boolean;
  format?: OutputFormat;
}

export function addInfoCommands(program: Command, deps: ClientDeps): void {
  const prog = program.name();

  addFormatOptions(
    program
      .command('job')
      .description('display a job')
      .argument('<job-id>', 'the job (exact, else a unique fuzzy match)'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  apsis job daily/load\n  apsis job daily/load --format yaml',
    )
    .action((jobId: string, opts: FormatFlags, command: Command) =>
      runClientCommand(prog, deps, command, async (ctx) => {
        const job = await ctx.api.getJob(jobId);
        const format = outputFormat(opts);
        ctx.io.out(format === undefined ? formatJob(job, ctx.paint) : dump(job, format));
      }),
    );

  addFormatOptions(
    program
      .command('jobs')
      .description('list jobs')
      .option('--label <label>', 'only jobs with LABEL'),
  ).action((opts: FormatFlags & { label?: string }, command: Command) =>
    runClientCommand(prog, deps, command, async (ctx) => {
      const jobs = await ctx.api.getJobs(opts.label);
      const format = outputFormat(opts);
      ctx.io.out(
        format === undefined ? `${formatJobsTable(jobs, ctx.paint)}\n` : dump(jobs, format),
      );
    }),
  );

  program
    .command('actors')
    .description("list the daemon's actors (scheduler, runs, agents) and their states")
    .option('--machine <machine>', 'only actors of MACHINE: run, scheduler or agent-connection')
    .option(
      '--state <state>',
      'only actors in STATE (a state name, or a dotted path such as live.running)',
    )
    .option('--limit <num>', 'at most NUM actors (the daemon lists 1000 by default)', parseCount)
    .option('--json', 'write the API answer as JSON')
    .addHelpText('after', '\nExample:\n  apsis actors --machine run --state waiting')
    .action(
      (
        opts: { machine?: string; state?: string; limit?: number; json?: boolean },
        command: Command,
      ) =>
        runClientCommand(prog, deps, command, async (ctx) => {
          const list = await ctx.api.getActors({
            machine: opts.machine,
            state: opts.state,
            limit: opts.limit,
          });
          if (opts.json) return ctx.io.out(dump(list, 'json'));
          ctx.io.out(formatActorsTable(list.actors, ctx.paint, ctx.zone));
          if (list.total !== undefined && list.total > list.actors.length) {
            ctx.io.out(
              `(${list.actors.length} of ${list.total} actors; narrow with --machine, --state or raise --limit)\n`,
            );
          }
        }),
    );

  program
    .command('actor')
    .description('display one actor: its state, snapshot and recent events')
    .argument('<id>', 'the actor id, as `apsis actors` lists it')
    .option('--json', 'write the API answer as JSON')
    .action((id: string, opts: { json?: boolean }, command: Command) =>
      runClientCommand(prog, deps, command, async (ctx) => {
        const actor = await ctx.api.getActor(id);
        ctx.io.out(opts.json ? dump({ actor }, 'json') : formatActor(actor, ctx.paint, ctx.zone));
      }),
    );
}
