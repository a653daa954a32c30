import type { Command } from 'commander';
import { parseDuration } from '../../time/index.js';
import type { ApsisApi } from './api.js';
import {
  collectNameValue,
  dump,
  matchState,
  outputFormat,
  parseCount,
  runClientCommand,
  type ClientContext,
  type ClientDeps,
  type OutputFormat,
} from './command.js';
import { addFormatOptions, apiTimeArg, printRun, printRuns } from './run-commands.js';
import type { State } from './schemas.js';

/** `--stop-time`: a duration (added to the schedule time by the daemon) passes through; a TIME is read here. */
export function apiStopTime(text: string, ctx: Pick<ClientContext, 'now' | 'zone'>): string {
  try {
    parseDuration(text.trim());
    return text.trim();
  } catch {
    // Not a duration: an absolute TIME (`parseTimeArg` reports a bad one).
  }
  return apiTimeArg(text, ctx);
}

/**
 * Runs one operation per run id, in order, stopping at the first error (as
 * Apsis does). Silent for people; `--json` prints `{run_id: answer}`.
 */
function perRun(
  program: Command,
  deps: ClientDeps,
  command: Command,
  describe: { description: string; example: string },
  operation: (api: ApsisApi, runId: string, first: string) => Promise<unknown>,
): void {
  command
    .description(describe.description)
    .option('--json', 'print the API answer for each run, keyed by run id')
    .addHelpText('after', `\nExample:\n  ${describe.example}`);
  const takesFirst = command.registeredArguments.length > 0;
  command.argument('<run-id...>', 'the runs');
  command.action((...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = args[args.length - 2] as { json?: boolean };
    const first = takesFirst ? (args[0] as string) : '';
    const runIds = args[takesFirst ? 1 : 0] as string[];
    return runClientCommand(program.name(), deps, cmd, async (ctx) => {
      const answers: Record<string, unknown> = {};
      for (const runId of runIds) answers[runId] = await operation(ctx.api, runId, first);
      if (opts.json) ctx.io.out(dump(answers, 'json'));
    });
  });
}

export function addOperationCommands(program: Command, deps: ClientDeps): void {
  const prog = program.name();

  program
    .command('schedule')
    .description('schedule new runs of a job')
    .argument('<time>', "when: 'now', +DURATION, an ISO time, a local date-time, or HH:MM:SS")
    .argument('<job-id>', 'the job (exact, else a unique fuzzy match)')
    .argument('[name=value...]', 'the run args')
    .option('--count <num>', 'schedule NUM runs', parseCount, 1)
    .option('--stop-time <time>', 'stop the program at TIME, or DURATION after the schedule time')
    .option('--json', 'print the new runs as JSON, one document each')
    .addHelpText(
      'after',
      '\nExamples:\n  apsis schedule now daily/load date=2024-10-22\n  apsis schedule 17:30:00 reports/eod --stop-time 30m',
    )
    .action(
      (
        time: string,
        jobId: string,
        nameValues: string[],
        opts: { count: number; stopTime?: string; json?: boolean },
        command: Command,
      ) =>
        runClientCommand(prog, deps, command, async (ctx) => {
          const args = nameValues.reduce<Record<string, string>>(
            (acc, nv) => collectNameValue(nv, acc),
            {},
          );
          const runs = await ctx.api.schedule(
            { jobId, args },
            {
              time: apiTimeArg(time, ctx),
              stopTime: opts.stopTime === undefined ? undefined : apiStopTime(opts.stopTime, ctx),
              count: opts.count,
            },
          );
          printRuns(ctx, runs, opts.json ? 'json' : undefined);
        }),
    );

  program
    .command('adhoc')
    .description('schedule an ad hoc run of a command')
    .argument('<time>', "when: 'now', +DURATION, an ISO time, a local date-time, or HH:MM:SS")
    .argument('<cmd...>', 'the command and its arguments')
    .option('--shell', 'run CMD as shell code (its words joined with spaces)')
    .option('--json', 'print the new run as JSON')
    .passThroughOptions()
    .addHelpText(
      'after',
      "\nOptions go before TIME; everything after it is the command.\n\nExamples:\n  apsis adhoc now /bin/ls -l /tmp\n  apsis adhoc --shell +10m 'df -h | grep /data'",
    )
    .action(
      (time: string, cmd: string[], opts: { shell?: boolean; json?: boolean }, command: Command) =>
        runClientCommand(prog, deps, command, async (ctx) => {
          const runs = await ctx.api.schedule(
            { adhoc: { program: opts.shell ? cmd.join(' ') : cmd } },
            { time: apiTimeArg(time, ctx) },
          );
          printRuns(ctx, runs, opts.json ? 'json' : undefined);
        }),
    );

  addFormatOptions(
    program
      .command('rerun')
      .description('rerun runs now (usually failed or error ones); prints the new runs')
      .argument('<run-id...>', 'the runs to rerun'),
  ).action((runIds: string[], opts: { json?: boolean; format?: OutputFormat }, command: Command) =>
    runClientCommand(prog, deps, command, async (ctx) => {
      // Printed as they come: an error on a later run leaves the earlier ones shown.
      let printed = 0;
      for (const runId of runIds) {
        for (const run of await ctx.api.rerun(runId)) {
          printRun(ctx, run, printed++, outputFormat(opts));
        }
      }
    }),
  );

  perRun(
    program,
    deps,
    program.command('skip'),
    { description: 'skip scheduled or waiting runs', example: 'apsis skip r12 r13' },
    (api, runId) => api.skip(runId),
  );
  perRun(
    program,
    deps,
    program.command('start'),
    {
      description: 'start scheduled or waiting runs now, skipping their remaining conditions',
      example: 'apsis start r12',
    },
    (api, runId) => api.start(runId),
  );
  perRun(
    program,
    deps,
    program.command('stop'),
    { description: 'ask running runs to stop in order', example: 'apsis stop r12' },
    (api, runId) => api.stop(runId),
  );
  perRun(
    program,
    deps,
    program
      .command('signal')
      .argument('<signal>', 'a signal name (TERM, SIGTERM) or number', (s) => s.toUpperCase()),
    { description: "send a signal to running runs' processes", example: 'apsis signal USR1 r12' },
    (api, runId, signal) => api.signal(runId, signal),
  );
  const MARKABLE: State[] = ['success', 'failure', 'error', 'skipped'];
  perRun(
    program,
    deps,
    program
      .command('mark')
      .addArgument(
        program
          .createArgument('<state>', `the new state: ${MARKABLE.join(', ')} (or a unique prefix)`)
          .argParser((s: string) => matchState(s, MARKABLE)),
      ),
    {
      description: 'mark finished runs as a different finished state',
      example: 'apsis mark success r12',
    },
    (api, runId, state) => api.mark(runId, state as State),
  );
}
