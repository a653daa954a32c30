export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './loader.js';
export { createConfigSchema, type Config, type ConfigInput, type HostGroupType } from './schema.js';
export { ConfigProblemsError, formatProblem, type ConfigProblem } from './errors.js';
export { parseOverride, parseOverrideValue, type Override } from './overrides.js';
export { ENV_FALLBACKS, type Env } from './env.js';
export {
  DEFAULT_AGENT_HOST,
  DEFAULT_AGENT_PORT,
  DEFAULT_SUDO_ARGV,
  ECS_REQUIRED_KEYS,
} from './procstar-schema.js';
