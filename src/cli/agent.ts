import { Option, type Command } from 'commander';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import {
  AGENT_EXIT,
  AgentOptionsError,
  DEFAULT_AGENT_PORT,
  LOG_LEVELS,
  resolveAgentOptions,
  runAgent,
  type AgentFlags,
  type AgentLogLevel,
} from '../procstar/agent/index.js';
import type { Io } from './context.js';

/** The agent's log: on stderr, readable on a terminal, JSON lines otherwise. */
function agentLogger(level: AgentLogLevel): Logger {
  const options = { level, base: { pid: process.pid } };
  if (process.stderr.isTTY)
    return pino(options, pretty({ sync: true, colorize: true, destination: 2 }));
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

/** Runs `apsis agent` and resolves to its exit code. */
export async function agentCommand(flags: AgentFlags, io: Io): Promise<number> {
  let options;
  try {
    options = resolveAgentOptions(flags, process.env);
    const log = agentLogger(options.logLevel);
    return await runAgent(options, { log });
  } catch (err) {
    if (!(err instanceof AgentOptionsError)) throw err;
    io.err(`apsis agent: error: ${err.message}\n`);
    return AGENT_EXIT.usage;
  }
}

/** Registers `apsis agent`: the procstar agent, a drop-in for the original Rust one. */
export function addAgentCommand(program: Command, io: Io): void {
  program
    .command('agent')
    .description(
      'run a procstar agent: connect to the scheduler (or any procstar agent server) and run the processes it asks for',
    )
    .option(
      '--server <url>',
      `agent server, wss://HOST[:PORT] (port ${DEFAULT_AGENT_PORT} by default; ws:// only to loopback)`,
    )
    .option('--group-id <id>', 'agent group (default: PROCSTAR_GROUP_ID or "default")')
    .option('--conn-id <id>', 'connection id, kept across reconnects (default: a new UUID)')
    .option('--token <token>', 'access token (default: PROCSTAR_AGENT_TOKEN or "")')
    .option('-w, --wait', 'exit when idle: after the assigned processes are deleted')
    .option(
      '--wait-timeout <secs>',
      'with --wait, exit if no process is started within SECS',
      '600',
    )
    .option(
      '--agent-host <host>',
      'agent server host, as the original agent (default: PROCSTAR_AGENT_HOST)',
    )
    .option(
      '--agent-port <port>',
      `agent server port (default: PROCSTAR_AGENT_PORT or ${DEFAULT_AGENT_PORT})`,
    )
    .option('--connect-interval-start <secs>', 'first wait after a failed connection attempt', '1')
    .option('--connect-interval-mult <factor>', 'growth of the wait after each failure', '2')
    .option('--connect-interval-max <secs>', 'longest wait between attempts', '60')
    .option('--connect-count-max <n>', 'give up (exit 1) after N consecutive failed attempts')
    .option('--agent-read-timeout <secs>', 'drop a connection silent for SECS', '60')
    .addOption(
      new Option('--log-level <level>', 'log level, on stderr').choices(LOG_LEVELS).default('warn'),
    )
    .option('--restrict-exe <path>', 'only ever execute this executable')
    .addOption(new Option('-a, --agent', 'accepted for compatibility with the original agent'))
    .addHelpText(
      'after',
      `
Environment: PROCSTAR_AGENT_HOST, PROCSTAR_AGENT_PORT, PROCSTAR_AGENT_TOKEN,
PROCSTAR_GROUP_ID (flags win), and PROCSTAR_AGENT_CERT: a PEM file of
certificates to trust beside the system roots (the daemon's self-signed
certificate). See docs/agent.md.

Example:
  PROCSTAR_AGENT_TOKEN=s3cret PROCSTAR_AGENT_CERT=agent-server.crt \\
    apsis agent --server wss://scheduler.example.com:59789 --group-id etl`,
    )
    .action(async (flags: AgentFlags) => {
      const code = await agentCommand(flags, io);
      // Children and timers may still hold the event loop: the agent is done.
      process.exit(code);
    });
}
