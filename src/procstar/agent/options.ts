import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * The agent's options, from its flags and environment (procstar-protocol.md
 * §1.2). Flags win over the environment. The original's flags are all
 * accepted, so either agent can be deployed with the same command line; unlike
 * the original, `PROCSTAR_AGENT_PORT` and `PROCSTAR_GROUP_ID` are honoured
 * (§7, BUG).
 */

/** The agent server's default port (the Rust agent's `--agent-port` default). */
export const DEFAULT_AGENT_PORT = 59789;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type AgentLogLevel = (typeof LOG_LEVELS)[number];

/** Flags as commander hands them over: strings, or true for a switch. */
export interface AgentFlags {
  server?: string;
  agentHost?: string;
  agentPort?: string;
  groupId?: string;
  connId?: string;
  token?: string;
  wait?: boolean;
  waitTimeout?: string;
  connectIntervalStart?: string;
  connectIntervalMult?: string;
  connectIntervalMax?: string;
  connectCountMax?: string;
  agentReadTimeout?: string;
  logLevel?: string;
  restrictExe?: string;
}

/** The environment variables the agent reads. */
export interface AgentEnv {
  PROCSTAR_AGENT_HOST?: string;
  PROCSTAR_AGENT_PORT?: string;
  PROCSTAR_AGENT_TOKEN?: string;
  PROCSTAR_AGENT_CERT?: string;
  PROCSTAR_GROUP_ID?: string;
}

export interface AgentOptions {
  /** `wss://host:port/` (or `ws://` to a loopback address). */
  readonly serverUrl: string;
  readonly connId: string;
  readonly groupId: string;
  /** Sent in `Register`; `""` when unset, like the original. */
  readonly accessToken: string;
  /** A PEM file of extra certificates to trust beside the system roots (`PROCSTAR_AGENT_CERT`). */
  readonly trustedCertPath: string | null;
  /** Only this executable may be started (`--restrict-exe`), sent as `restricted_exe`. */
  readonly restrictedExe: string | null;
  /** Back-off after a failed attempt (§1.5): start, factor and cap. Defaults 1 s, 2, 60 s. */
  readonly connectIntervalStartMs: number;
  readonly connectIntervalMult: number;
  readonly connectIntervalMaxMs: number;
  /** Consecutive failed attempts before giving up with exit 1; Infinity by default. */
  readonly connectCountMax: number;
  /** Inbound silence that counts as a dead connection; default 60 s. */
  readonly readTimeoutMs: number;
  /** WS ping interval; 20 s (not a flag, as in the original). */
  readonly pingIntervalMs: number;
  /** Budget for connect + upgrade + Register + Registered; 10 s. */
  readonly registerTimeoutMs: number;
  /** Exit when idle after the work is done (§4.5). */
  readonly wait: boolean;
  /** In wait mode, how long to wait for the first process; default 600 s. */
  readonly waitTimeoutMs: number;
  readonly logLevel: AgentLogLevel;
}

/** A bad flag or environment value; the command exits 2. */
export class AgentOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentOptionsError';
  }
}

const seconds = (what: string, min = 0) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d*)?$|^\.\d+$/, `${what} must be a number of seconds`)
    .transform(Number)
    .refine((s) => s >= min, `${what} must be at least ${min}`)
    .transform((s) => s * 1000);

const positiveInt = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= 1, `${what} must be at least 1`);

const port = z
  .string()
  .trim()
  .regex(/^\d+$/, 'port must be a number')
  .transform(Number)
  .refine((p) => p >= 1 && p <= 65535, 'port must be between 1 and 65535');

const nonEmpty = (what: string) => z.string().min(1, `${what} must not be empty`);

function parseWith<T>(schema: z.ZodType<T, string>, value: string, source: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AgentOptionsError(`${source}: ${result.error.issues[0]?.message ?? 'invalid value'}`);
}

function first(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '');
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The URL the agent dials, from `--server` or host and port (flags, then env). */
function serverUrl(flags: AgentFlags, env: AgentEnv): string {
  if (flags.server !== undefined) {
    if (flags.agentHost !== undefined || flags.agentPort !== undefined)
      throw new AgentOptionsError('give either --server or --agent-host/--agent-port, not both');
    let url: URL;
    try {
      url = new URL(flags.server.includes('://') ? flags.server : `wss://${flags.server}`);
    } catch {
      throw new AgentOptionsError(`--server: not a URL: ${flags.server}`);
    }
    if (url.protocol !== 'wss:' && url.protocol !== 'ws:')
      throw new AgentOptionsError(`--server: use wss://HOST:PORT, not ${url.protocol}//`);
    // The access token travels in the clear over ws://: only for loopback testing.
    if (url.protocol === 'ws:' && !LOOPBACK.test(url.hostname))
      throw new AgentOptionsError(
        `--server: ws:// (no TLS) is only allowed to a loopback address; use wss://${url.host}`,
      );
    if (url.pathname !== '/' || url.search !== '' || url.username !== '')
      throw new AgentOptionsError('--server: give only the scheme, host and port');
    return `${url.protocol}//${url.hostname}:${url.port === '' ? DEFAULT_AGENT_PORT : url.port}/`;
  }
  const host = first(flags.agentHost, env.PROCSTAR_AGENT_HOST);
  if (host === undefined)
    throw new AgentOptionsError(
      'no agent server hostname; use --server, --agent-host or set PROCSTAR_AGENT_HOST',
    );
  const portText = first(flags.agentPort, env.PROCSTAR_AGENT_PORT);
  const portNumber =
    portText === undefined
      ? DEFAULT_AGENT_PORT
      : parseWith(
          port,
          portText,
          flags.agentPort !== undefined ? '--agent-port' : 'PROCSTAR_AGENT_PORT',
        );
  // An IPv6 literal needs brackets in a URL (the original cannot dial one at all).
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `wss://${hostPart}:${portNumber}/`;
}

/** Resolves flags and environment into options; throws `AgentOptionsError`. */
export function resolveAgentOptions(
  flags: AgentFlags,
  env: AgentEnv,
  newConnId: () => string = randomUUID,
): AgentOptions {
  const logLevel = flags.logLevel ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new AgentOptionsError(`--log-level: one of ${LOG_LEVELS.join(', ')}, not ${logLevel}`);
  const opt = <T>(schema: z.ZodType<T, string>, value: string | undefined, flag: string, d: T) =>
    value === undefined ? d : parseWith(schema, value, flag);
  const options: AgentOptions = {
    serverUrl: serverUrl(flags, env),
    connId: parseWith(nonEmpty('--conn-id'), flags.connId ?? newConnId(), '--conn-id'),
    groupId: first(flags.groupId, env.PROCSTAR_GROUP_ID) ?? 'default',
    accessToken: flags.token ?? env.PROCSTAR_AGENT_TOKEN ?? '',
    trustedCertPath: first(env.PROCSTAR_AGENT_CERT) ?? null,
    restrictedExe: first(flags.restrictExe) ?? null,
    connectIntervalStartMs: opt(
      seconds('--connect-interval-start'),
      flags.connectIntervalStart,
      '--connect-interval-start',
      1000,
    ),
    connectIntervalMult: opt(
      z
        .string()
        .trim()
        .regex(/^\d+(\.\d*)?$/, '--connect-interval-mult must be a number')
        .transform(Number)
        .refine((m) => m >= 1, '--connect-interval-mult must be at least 1'),
      flags.connectIntervalMult,
      '--connect-interval-mult',
      2,
    ),
    connectIntervalMaxMs: opt(
      seconds('--connect-interval-max'),
      flags.connectIntervalMax,
      '--connect-interval-max',
      60_000,
    ),
    connectCountMax: opt(
      positiveInt('--connect-count-max'),
      flags.connectCountMax,
      '--connect-count-max',
      Infinity,
    ),
    readTimeoutMs: opt(
      seconds('--agent-read-timeout', 0.001),
      flags.agentReadTimeout,
      '--agent-read-timeout',
      60_000,
    ),
    pingIntervalMs: 20_000,
    registerTimeoutMs: 10_000,
    wait: flags.wait === true,
    waitTimeoutMs: opt(seconds('--wait-timeout'), flags.waitTimeout, '--wait-timeout', 600_000),
    logLevel: logLevel as AgentLogLevel,
  };
  return Object.freeze(options);
}
