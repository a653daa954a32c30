import { resolve } from 'node:path';
import type { Origins } from './origins.js';
import { isMapping } from './raw.js';

/** Environment variables as the loader receives them (the CLI passes `process.env`). */
export type Env = Readonly<Record<string, string | undefined>>;

interface Fallback {
  readonly path: readonly string[];
  /** Variables tried in order; the first set and non-empty one wins. */
  readonly vars: readonly string[];
  /** Paths from the environment are relative to the working directory, not the config file. */
  readonly isPath?: boolean;
}

const SERVER = ['procstar', 'agent', 'server'];

/**
 * Keys that fall back to environment variables when neither the file nor an
 * override sets them (procstar-protocol.md §1.2, apsis-model.md §9.3). Apsis's
 * code reads PROCSTAR_AGENT_HOST and its docs say PROCSTAR_AGENT_HOSTNAME;
 * both are honoured, `_HOST` first.
 */
export const ENV_FALLBACKS: readonly Fallback[] = [
  { path: [...SERVER, 'host'], vars: ['PROCSTAR_AGENT_HOST', 'PROCSTAR_AGENT_HOSTNAME'] },
  { path: [...SERVER, 'port'], vars: ['PROCSTAR_AGENT_PORT'] },
  { path: [...SERVER, 'access_token'], vars: ['PROCSTAR_AGENT_TOKEN'] },
  { path: [...SERVER, 'tls', 'cert_path'], vars: ['PROCSTAR_AGENT_CERT'], isPath: true },
  { path: [...SERVER, 'tls', 'key_path'], vars: ['PROCSTAR_AGENT_KEY'], isPath: true },
  { path: ['api', 'token'], vars: ['APSIS_API_TOKEN'] },
  // Ora, Apsis's time library, finds calendar files through this variable.
  { path: ['calendar_dir'], vars: ['ORA_CALENDARS'], isPath: true },
];

/**
 * Fills unset keys from the environment, in the raw mapping, so their values
 * are validated like the file's and a bad one is reported as `env NAME`.
 * A key set to null counts as unset. A parent that is not a mapping is left
 * alone for the schema to report.
 */
export function applyEnvFallbacks(
  raw: Record<string, unknown>,
  origins: Origins,
  env: Env,
  cwd: string,
): void {
  // `api.token_env` names the variable holding the API token (kept out of the file).
  const api = raw.api;
  if (isMapping(api) && typeof api.token_env === 'string' && (api.token ?? null) === null) {
    const value = env[api.token_env];
    if (value !== undefined && value !== '') {
      api.token = value;
      origins.set(['api', 'token'], `env ${api.token_env}`);
    }
  }
  for (const { path, vars, isPath } of ENV_FALLBACKS) {
    const name = vars.find((v) => env[v] !== undefined && env[v] !== '');
    if (name === undefined) continue;
    const value = env[name] as string;
    let mapping: Record<string, unknown> | undefined = raw;
    for (const key of path.slice(0, -1)) {
      const next: unknown = mapping[key] ?? {};
      if (!isMapping(next)) {
        mapping = undefined;
        break;
      }
      mapping[key] = next;
      mapping = next;
    }
    const last = path[path.length - 1]!;
    if (mapping === undefined || (mapping[last] !== undefined && mapping[last] !== null)) continue;
    mapping[last] = isPath ? resolve(cwd, value) : value;
    origins.set(path, `env ${name}`);
  }
}
