import { ArgumentError } from '../../errors.js';

/** Apsis's default API port (`apsis.service.DEFAULT_PORT`). */
export const DEFAULT_PORT = 5000;
export const DEFAULT_HOST = 'localhost';

export interface Address {
  host: string;
  port: number;
}

/** The connection options every client command shares (global flags). */
export interface ConnectionFlags {
  host?: string;
  port?: string;
  token?: string;
}

export interface Connection {
  address: Address;
  /** `http://host:port`, brackets around an IPv6 host. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token: string | undefined;
}

function parsePort(text: string, from: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ArgumentError(`${from}: not a port number: ${text}`);
  }
  return port;
}

/**
 * `APSIS_HOST` as Apsis reads it: `host:port` or `host` (port 5000). An IPv6
 * host is written in brackets, `[::1]:5000`, or bare, `::1`.
 */
export function parseHostEnv(value: string): Address {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    const port = bracketed[2];
    return {
      host: bracketed[1] ?? '',
      port: port === undefined ? DEFAULT_PORT : parsePort(port, 'APSIS_HOST'),
    };
  }
  const colons = value.split(':').length - 1;
  if (colons !== 1) return { host: value, port: DEFAULT_PORT };
  const [host = '', port = ''] = value.split(':');
  return { host, port: parsePort(port, 'APSIS_HOST') };
}

/**
 * Where to connect: `--host`/`--port` win over `APSIS_HOST`, which wins over
 * localhost:5000 (spec §4.1); the token is `--token`, else `APSIS_TOKEN`.
 */
export function resolveConnection(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
): Connection {
  const fromEnv =
    env.APSIS_HOST !== undefined && env.APSIS_HOST !== ''
      ? parseHostEnv(env.APSIS_HOST)
      : { host: DEFAULT_HOST, port: DEFAULT_PORT };
  const host = flags.host ?? fromEnv.host;
  const port = flags.port === undefined ? fromEnv.port : parsePort(flags.port, '--port');
  const token = flags.token ?? (env.APSIS_TOKEN === '' ? undefined : env.APSIS_TOKEN);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { address: { host, port }, baseUrl: `http://${urlHost}:${port}`, token };
}
