import { InvalidArgumentError, type Command } from 'commander';
import { stringify } from 'yaml';
import { SchedulerError } from '../../errors.js';
import { getTimeZone, type Time, type TimeZone } from '../../time/index.js';
import { EXIT, type Io } from '../context.js';
import { resolveConnection, type Connection, type ConnectionFlags } from './address.js';
import { createApi, type ApsisApi } from './api.js';
import { ApiError, ClientError } from './errors.js';
import type { Display } from './format-run.js';
import { STATES, type State } from './schemas.js';
import { createPaint, type Paint } from './style.js';

/** Where client commands write: text, and raw bytes (run output) with back-pressure. */
export interface ClientIo extends Io {
  outBytes(data: Uint8Array): Promise<void>;
}

/** What the bin provides: streams, environment, clock and terminal facts. */
export interface ClientDeps {
  io: ClientIo;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Time;
  /** Colour stdout (a terminal, no NO_COLOR). */
  color: boolean;
  /** Colour stderr. */
  colorErr: boolean;
  /** The system's time zone name, the default display zone. */
  systemZone: string;
  createApi?: (connection: Connection) => ApsisApi;
  /** Called once as a client command starts (process-wide handlers). */
  prepare?: () => void;
}

/** Global options of `apsis` and `apsisctl` that client commands read. */
export interface GlobalFlags extends ConnectionFlags {
  tz?: string;
  /** Apsis's `--log-level`; DEBUG logs each request to stderr. */
  logLevel?: string;
}

/** fetch, logging each request (`GET http://…`) and its status on stderr. */
function loggingFetch(io: Io): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    io.err(`debug: ${init?.method ?? 'GET'} ${url}\n`);
    const response = await fetch(input, init);
    io.err(`debug: ${response.status} ${response.statusText}\n`);
    return response;
  };
}

/** Everything a client command's action works with. */
export interface ClientContext {
  prog: string;
  api: ApsisApi;
  connection: Connection;
  io: ClientIo;
  paint: Paint;
  zone: TimeZone;
  now: () => Time;
  /** Styling, zone and the current time for one piece of output. */
  display(): Display;
}

export type OutputFormat = 'json' | 'yaml';

/** `--json` or `--format FMT` on a command, as one choice; undefined means human output. */
export function outputFormat(opts: {
  json?: boolean;
  format?: OutputFormat;
}): OutputFormat | undefined {
  return opts.json ? 'json' : opts.format;
}

/** JSON with indent 2 (as Apsis's `--format json`) or block YAML, newline-terminated. */
export function dump(value: unknown, format: OutputFormat): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value);
}

function zoneFor(flags: GlobalFlags, deps: ClientDeps): TimeZone {
  const name = flags.tz ?? deps.systemZone;
  try {
    return getTimeZone(name);
  } catch (err) {
    if (flags.tz !== undefined) throw err;
    // An odd system zone must not stop the client: show times in UTC.
    return getTimeZone('UTC');
  }
}

function formatApiError(err: ApiError, paint: Paint): string {
  let out = `${paint('bold', `${paint('error', 'Error:')} ${err.error}`)} [API status: ${err.status}]\n`;
  if (err.status === 401) out += 'Give the API token with --token or APSIS_TOKEN.\n';
  for (const { jobId, message } of err.jobErrors) {
    out += `- ${paint('job', jobId)}\n${message
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\n`;
  }
  return out;
}

/**
 * Runs a client command's action and sets the exit code (spec §4.1): 0, or
 * the action's own code; 1 with `Error: … [API status: N]` for an API error;
 * 1 with one line for an unreachable daemon or a bad answer; 2 for a bad
 * argument; 1 with the stack only for a bug.
 */
export async function runClientCommand(
  prog: string,
  deps: ClientDeps,
  command: Command,
  action: (ctx: ClientContext) => Promise<number | void>,
): Promise<void> {
  const errPaint = createPaint(deps.colorErr);
  // Ctrl-C ends a command quietly with 0, as in Apsis (`output -f`, `watch`).
  const onInterrupt = () => process.exit(EXIT.ok);
  process.once('SIGINT', onInterrupt);
  deps.prepare?.();
  try {
    const flags = command.optsWithGlobals<GlobalFlags>();
    const connection = resolveConnection(flags, deps.env);
    const zone = zoneFor(flags, deps);
    const paint = createPaint(deps.color);
    const ctx: ClientContext = {
      prog,
      api: deps.createApi
        ? deps.createApi(connection)
        : createApi(connection, flags.logLevel === 'DEBUG' ? loggingFetch(deps.io) : fetch),
      connection,
      io: deps.io,
      paint,
      zone,
      now: deps.now,
      display: () => ({ paint, zone, now: deps.now() }),
    };
    process.exitCode = (await action(ctx)) ?? EXIT.ok;
  } catch (err) {
    if (err instanceof ApiError) {
      deps.io.err(formatApiError(err, errPaint));
      process.exitCode = EXIT.problems;
    } else if (err instanceof ClientError) {
      deps.io.err(`${prog}: error: ${err.message}\n`);
      process.exitCode = EXIT.problems;
    } else if (err instanceof SchedulerError) {
      // Arguments read after parsing: a TIME, a zone, a port.
      deps.io.err(`${prog}: error: ${err.message}\n`);
      process.exitCode = EXIT.usage;
    } else {
      deps.io.err(
        `${prog}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = EXIT.problems;
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** A state from an unambiguous prefix (`succ`, `f`), as Apsis's `match_state`. */
export function matchState(text: string, allowed: readonly State[] = STATES): State {
  const lower = text.toLowerCase();
  const exact = STATES.find((s) => s === lower);
  const matches = exact ? [exact] : STATES.filter((s) => s.startsWith(lower));
  if (matches.length !== 1 || lower === '') {
    throw new InvalidArgumentError(
      matches.length === 0 || lower === ''
        ? `not a state: ${text} (one of ${allowed.join(', ')})`
        : `ambiguous state: ${text} (${matches.join(', ')})`,
    );
  }
  const state = matches[0] as State;
  if (!allowed.includes(state)) {
    throw new InvalidArgumentError(`state must be one of ${allowed.join(', ')}, not ${state}`);
  }
  return state;
}

/** `NAME=VALUE` into a collected record. */
export function collectNameValue(
  text: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected NAME=VALUE, got ${text}`);
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) };
}

/** A whole number ≥ 0. */
export function parseCount(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`not a count: ${text}`);
  return Number(text);
}
