import { Option, type Command } from 'commander';
import { apiPath } from './http.js';
import { runClientCommand, type ClientContext, type ClientDeps } from './command.js';
import { BadResponseError, StreamClosedError } from './errors.js';
import { formatDisplayTime } from './format-run.js';
import { isFinished, runUpdateSchema, type RunUpdate } from './schemas.js';
import { checkNormalEnd, openStream, parseOutputFrame, type MessageStream } from './websocket.js';

const OUTPUT_ID = 'output';

function stream(
  ctx: ClientContext,
  path: string,
  query?: Record<string, string | number | boolean | undefined>,
): MessageStream {
  const t = ctx.api.transport;
  return openStream(t.wsUrl(path, query), {
    headers: t.headers(),
    baseUrl: ctx.connection.baseUrl,
  });
}

interface OutputFlags {
  follow?: boolean;
  followNew?: boolean;
  json?: boolean;
}

/**
 * `output -f/-F`: writes each frame's bytes as it arrives. Frames must
 * continue where the last one ended; an overlap is trimmed. When the stream
 * ends (the run finished), whatever the last frame missed is fetched over
 * HTTP: Apsis drops a large output's final update (spec §3.3).
 */
async function followOutput(ctx: ClientContext, runId: string, opts: OutputFlags): Promise<void> {
  const path = apiPath('/api/v1', 'runs', runId, 'output', OUTPUT_ID, 'updates');
  const updates = stream(ctx, path, { start: opts.follow ? 0 : undefined });
  let pos: number | undefined = opts.follow ? 0 : undefined;
  let frames = 0;
  const write = async (start: number, data: Uint8Array) => {
    if (opts.json)
      ctx.io.out(`${JSON.stringify({ start, data: Buffer.from(data).toString('utf8') })}\n`);
    else await ctx.io.outBytes(data);
  };
  for await (const message of updates) {
    frames++;
    const frame = parseOutputFrame(message.data);
    let { start, data } = frame;
    if (pos !== undefined && start < pos) {
      data = data.subarray(Math.min(data.length, pos - start));
      start = pos;
    }
    if (data.length > 0) await write(start, data);
    pos = Math.max(pos ?? 0, frame.start + frame.data.length);
  }
  checkNormalEnd(await updates.ended, `following the output of ${runId}`);
  // The daemon closes at once, with nothing, for an unknown run: say so.
  if (frames === 0) await ctx.api.getRun(runId);
  if (pos === undefined) return;
  const length = await ctx.api.getOutputLength(runId, OUTPUT_ID);
  if (length !== undefined && length > pos) {
    const all = await ctx.api.getOutput(runId, OUTPUT_ID);
    await write(pos, all.subarray(pos));
  }
}

export function addStreamCommands(program: Command, deps: ClientDeps): void {
  const prog = program.name();

  program
    .command('output')
    .description("write a run's output to stdout, as raw bytes")
    .argument('<run-id>', 'the run')
    .addOption(
      new Option('-f, --follow', 'write the output so far, then follow it until the run ends'),
    )
    .addOption(
      new Option('-F, --follow-new', 'follow only output written from now on').conflicts('follow'),
    )
    .option(
      '--json',
      'write {"run_id", "output_id", "length", "data"} (follow: {"start", "data"} per update)',
    )
    .addHelpText('after', '\nExamples:\n  apsis output r12 > r12.log\n  apsis output -f r12')
    .action((runId: string, opts: OutputFlags, command: Command) =>
      runClientCommand(prog, deps, command, async (ctx) => {
        if (opts.follow || opts.followNew) return followOutput(ctx, runId, opts);
        const data = await ctx.api.getOutput(runId, OUTPUT_ID);
        if (!opts.json) return ctx.io.outBytes(data);
        ctx.io.out(
          `${JSON.stringify({ run_id: runId, output_id: OUTPUT_ID, length: data.length, data: Buffer.from(data).toString('utf8') }, null, 2)}\n`,
        );
      }),
    );

  program
    .command('watch')
    .description("print a run's log as it grows; exit when the run finishes (0 on success)")
    .argument('<run-id>', 'the run')
    .option('--finish', 'exit when the run finishes: 0 for success, 1 otherwise (default)', true)
    .option('--no-finish', 'keep watching after the run finishes')
    .addOption(new Option('-s, --silent', 'print nothing (wait only)'))
    .addOption(
      new Option('--json', 'print each update as JSON lines, one per key').conflicts('silent'),
    )
    .addHelpText(
      'after',
      '\nExample:\n  apsis schedule now daily/load date=2024-10-22 && apsis watch r12',
    )
    .action(
      (
        runId: string,
        opts: { finish: boolean; silent?: boolean; json?: boolean },
        command: Command,
      ) =>
        runClientCommand(prog, deps, command, async (ctx) => {
          const updates = stream(ctx, apiPath('/api/v1', 'runs', runId, 'updates'), { init: true });
          let received = 0;
          for await (const message of updates) {
            received++;
            const json = parseJsonMessage(message.data, `GET ${runId} updates`);
            if (opts.json) {
              if (json !== null && typeof json === 'object') {
                for (const [key, value] of Object.entries(json)) {
                  ctx.io.out(`${JSON.stringify({ [key]: value })}\n`);
                }
              }
            }
            const update = runUpdateSchema.safeParse(json);
            if (!update.success) continue;
            if (!opts.json && !opts.silent) printLog(ctx, update.data);
            const state = update.data.run?.state;
            if (opts.finish && state !== undefined && isFinished(state)) {
              updates.close();
              return state === 'success' ? 0 : 1;
            }
          }
          checkNormalEnd(await updates.ended, `watching ${runId}`);
          // Apsis closes at once, silently, for an unknown run: ask, to say so.
          if (received === 0) await ctx.api.getRun(runId);
          if (opts.finish) {
            throw new StreamClosedError(
              `watching ${runId}`,
              'the daemon closed the stream before the run finished',
            );
          }
        }),
    );
}

/** Log lines of an update: the history in the first message, then each new line. */
function printLog(ctx: ClientContext, update: RunUpdate): void {
  const entries = [
    ...(update.run_log ?? []),
    ...(update.run_log_append ? [update.run_log_append] : []),
  ];
  for (const entry of entries) {
    const time = ctx.paint('time', formatDisplayTime(entry.timestamp, ctx.zone));
    ctx.io.out(`${time}: ${entry.message}\n`);
  }
}

function parseJsonMessage(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new BadResponseError(what, 'a websocket message is not JSON', { cause: err });
  }
}
