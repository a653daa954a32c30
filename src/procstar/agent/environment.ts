import type { ParsedProcSpec } from '../messages.js';

/**
 * The agent's own secrets: never passed to a child, whatever the spec
 * inherits (procstar-protocol.md §1.2). A spec may still set them in `vars`,
 * as with the original.
 */
export const SECRET_ENV_VARS = [
  'PROCSTAR_AGENT_CERT',
  'PROCSTAR_AGENT_KEY',
  'PROCSTAR_AGENT_TOKEN',
] as const;

type EnvSpec = NonNullable<ParsedProcSpec['env']>;

/** A child's environment: inherited per `inherit` (true, false or names), secrets removed, then `vars` set or unset. */
export function buildChildEnv(
  agentEnv: Readonly<Record<string, string | undefined>>,
  spec: EnvSpec | undefined,
): Record<string, string> {
  const inherit = spec?.inherit ?? true;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(agentEnv)) {
    if (value === undefined) continue;
    if (inherit === true || (Array.isArray(inherit) && inherit.includes(name))) env[name] = value;
  }
  for (const name of SECRET_ENV_VARS) delete env[name];
  for (const [name, value] of Object.entries(spec?.vars ?? {})) {
    if (value === null) delete env[name];
    else env[name] = value;
  }
  return env;
}
