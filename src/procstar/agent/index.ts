export { runAgent, AGENT_EXIT, type AgentDeps } from './agent.js';
export {
  resolveAgentOptions,
  AgentOptionsError,
  DEFAULT_AGENT_PORT,
  LOG_LEVELS,
  type AgentEnv,
  type AgentFlags,
  type AgentLogLevel,
  type AgentOptions,
} from './options.js';
export { systemAgentClock, type AgentClock, type AgentTimer } from './clock.js';
export { DEFAULT_SHUTDOWN_TIMINGS, type ShutdownTimings, type SignalSource } from './shutdown.js';
