import { Option, type Command } from 'commander';
import { formatTimeJso, type Time } from '../../time/index.js';
import { parseTimeArg } from '../time-arg.js';
import { ArgumentError } from '../../errors.js';
import { ClientError } from './errors.js';
import {
  collectNameValue,
  dump,
  matchState,
  outputFormat,
  runClientCommand,
  type ClientContext,
  type ClientDeps,
  type OutputFormat,
} from './command.js';
import {
  formatArgValue,
  formatRun,
  formatRunLog,
  formatRunsTable,
  runStart,
} from './format-run.js';
import type { Run, State } from './schemas.js';

/** `--format json|yaml` and `--json`, as on Apsis's commands that had `--format`. */
export function addFormatOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--format <fmt>', 'write as FMT instead of for people').choices(['json', 'yaml']),
    )
    .addOption(new Option('--json', 'write JSON (same as --format json)').conflicts('format'));
}

/** A TIME argument for the API: `now`, or the instant `parseTimeArg` reads. */
export function apiTimeArg(text: string, ctx: Pick<ClientContext, 'now' | 'zone'>): string {
  if (text.trim() === 'now') return 'now';
  return formatTimeJso(parseTimeArg(text, ctx.now(), ctx.zone));
}

/**
 * `-t/--times FROM..TO` (either end may be left out; one TIME means from):
 * keeps runs whose start (running, else schedule time) lies in [FROM, TO).
 */
export function parseTimespan(
  text: string,
  ctx: Pick<ClientContext, 'now' | 'zone'>,
): { from?: Time; to?: Time } {
  const parts = text.includes('..') ? text.split('..') : [text];
  if (parts.length > 2) throw new ArgumentError(`cannot interpret as timespan: ${text}`);
  const read = (part: string | undefined) =>
    part === undefined || part.trim() === '' ? undefined : parseTimeArg(part, ctx.now(), ctx.zone);
  return { from: read(parts[0]), to: read(parts[1]) };
}

function byRunNumber(a: Run, b: Run): number {
  return Number(a.run_id.slice(1)) - Number(b.run_id.slice(1));
}

/** Prints runs one after another: for people, or one JSON/YAML document each. */
export function printRuns(ctx: ClientContext, runs: readonly Run[], format?: OutputFormat): void {
  [...runs].sort(byRunNumber).forEach((run, i) => printRun(ctx, run, i, format));
}

/** The `index`th run printed by a command; YAML documents after the first start with `---`. */
export function printRun(ctx: ClientContext, run: Run, index: number, format?: OutputFormat): void {
  if (format === undefined) ctx.io.out(formatRun(run, ctx.display()));
  else ctx.io.out(`${format === 'yaml' && index > 0 ? '---\n' : ''}${dump(run, format)}`);
}

function stringArgs(run: Run): Record<string, string> {
  return Object.fromEntries(Object.entries(run.args).map(([k, v]) => [k, formatArgValue(v)]));
}

interface FormatFlags {
  json?: boolean;
  format?: OutputFormat;
}

export function addRunCommands(program: Command, deps: ClientDeps): void {
  const prog = program.name();

  addFormatOptions(
    program
      .command('run')
      .description('display runs')
      .argument('<run-id...>', 'the runs')
      .option(
        '-v, --verbose',
        'also the program and conditions in full, the log, the history',
        (_v, n: number) => n + 1,
        0,
      ),
  ).action((runIds: string[], opts: FormatFlags & { verbose: number }, command: Command) =>
    runClientCommand(prog, deps, command, async (ctx) => {
      const format = outputFormat(opts);
      for (const [index, runId] of runIds.entries()) {
        const run = await ctx.api.getRun(runId);
        if (format !== undefined || opts.verbose === 0) {
          printRun(ctx, run, index, format);
          continue;
        }
        const runLog = await ctx.api.getRunLog(runId);
        let similarRuns: Record<string, Run> | undefined;
        try {
          similarRuns = await ctx.api.getRuns({ jobId: run.job_id, args: stringArgs(run) });
        } catch (err) {
          // A deleted job has no history query (spec §2.2); show the run anyway.
          if (!(err instanceof ClientError)) throw err;
          ctx.io.err(`${prog}: warning: no run history: ${err.message}\n`);
        }
        ctx.io.out(formatRun(run, ctx.display(), { verbosity: opts.verbose, runLog, similarRuns }));
      }
    }),
  );

  addFormatOptions(
    program
      .command('runs')
      .description('query runs and show them as a table')
      .argument('[name=value...]', 'only runs with these args')
      .option('-j, --job <job-id>', 'only runs of JOB-ID (exact, else a unique fuzzy match)')
      .option('-s, --state <state>', 'only runs in STATE (a name or unambiguous prefix)', (s) =>
        matchState(s),
      )
      .option('--since <time>', 'only runs whose last transition is at or after TIME')
      .option(
        '-t, --times <timespan>',
        'only runs that start (or are scheduled) in FROM..TO; FROM alone means from then on',
      )
      .addOption(
        new Option('--summary', 'print each run in full instead of a table').conflicts([
          'format',
          'json',
        ]),
      ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  apsis runs -j daily/load -s failure\n  apsis runs -j daily/load date=2024-10-22 --json\n  apsis runs -t now..+1d',
    )
    .action(
      (
        nameValues: string[],
        opts: FormatFlags & {
          job?: string;
          state?: State;
          since?: string;
          times?: string;
          summary?: boolean;
        },
        command: Command,
      ) =>
        runClientCommand(prog, deps, command, async (ctx) => {
          const format = outputFormat(opts);
          const args = nameValues.reduce<Record<string, string>>(
            (acc, nv) => collectNameValue(nv, acc),
            {},
          );
          const span = opts.times === undefined ? {} : parseTimespan(opts.times, ctx);
          const since =
            opts.since === undefined
              ? undefined
              : formatTimeJso(parseTimeArg(opts.since, ctx.now(), ctx.zone));
          const all = await ctx.api.getRuns({ jobId: opts.job, state: opts.state, since, args });
          const runs = Object.fromEntries(
            Object.entries(all).filter(([, run]) => {
              const start = runStart(run);
              if (span.from !== undefined && (start === undefined || start < span.from)) {
                return false;
              }
              return !(span.to !== undefined && (start === undefined || start >= span.to));
            }),
          );
          if (format !== undefined) ctx.io.out(dump(runs, format));
          else if (opts.summary) printRuns(ctx, Object.values(runs));
          else ctx.io.out(`${formatRunsTable(runs, ctx.display())}\n`);
        }),
    );

  program
    .command('log')
    .description("print a run's log")
    .argument('<run-id>', 'the run')
    .option('--json', 'write the log as JSON')
    .action((runId: string, opts: { json?: boolean }, command: Command) =>
      runClientCommand(prog, deps, command, async (ctx) => {
        const runLog = await ctx.api.getRunLog(runId);
        ctx.io.out(
          opts.json ? dump({ run_log: runLog }, 'json') : formatRunLog(runLog, ctx.display()),
        );
      }),
    );
}
