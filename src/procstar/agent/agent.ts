import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import type { AgentMessage } from '../messages.js';
import { systemAgentClock, type AgentClock } from './clock.js';
import { runConnectionLoop, type PushListener } from './connection.js';
import { FdDataFramer } from './fd-data-frame.js';
import { handleFrame } from './handlers.js';
import { agentProcessInfo, hostFacts, readProcSample } from './host.js';
import { AgentOptionsError, type AgentOptions } from './options.js';
import { procDelete, procResultMessage, shutDown } from './outgoing.js';
import { AgentProcess, type ProcessDeps } from './process.js';
import { ProcessTable, type TableEvent } from './process-table.js';
import {
  DEFAULT_SHUTDOWN_TIMINGS,
  installSignalHandlers,
  startWaitMode,
  type ShutdownTimings,
  type SignalSource,
} from './shutdown.js';

/** How often running processes' /proc entries are read (their last reading stands after exit). */
const SAMPLE_INTERVAL_MS = 1000;

export interface AgentDeps {
  readonly log: Logger;
  readonly clock?: AgentClock;
  /** The environment children inherit from; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly tmpDir?: string;
  readonly signals?: SignalSource;
  readonly shutdownTimings?: ShutdownTimings;
}

/** Exit codes of `apsis agent`. */
export const AGENT_EXIT = { done: 0, gaveUp: 1, usage: 2 } as const;

/**
 * The certificates to trust beside Node's roots: the `PROCSTAR_AGENT_CERT`
 * file, and `NODE_EXTRA_CA_CERTS`, which an explicit list would otherwise
 * drop. Null when there is no extra certificate (Node's defaults apply).
 */
function readTrustedCa(
  path: string | null,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  if (path === null) return null;
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new AgentOptionsError(
        `${what}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  const extra = env.NODE_EXTRA_CA_CERTS;
  const pems = [read(path, 'PROCSTAR_AGENT_CERT')];
  if (extra !== undefined && extra !== '') pems.push(read(extra, 'NODE_EXTRA_CA_CERTS'));
  return pems.join('\n');
}

/**
 * Runs the agent until it is done (exit code 0) or gives up connecting
 * (exit code 1). Processes survive reconnects: the table lives here.
 */
export async function runAgent(options: AgentOptions, deps: AgentDeps): Promise<number> {
  const { log } = deps;
  const clock = deps.clock ?? systemAgentClock;
  const trustedCa = readTrustedCa(options.trustedCertPath, deps.env ?? process.env);
  const table = new ProcessTable((err) => log.error({ err }, 'table event listener failed'));
  const host = hostFacts();
  const processDeps: ProcessDeps = {
    agentEnv: deps.env ?? process.env,
    cwd: deps.cwd ?? process.cwd(),
    tmpDir: deps.tmpDir ?? tmpdir(),
    restrictedExe: options.restrictedExe,
    clock,
    readProc: (pid) => readProcSample(pid, host),
    log,
  };
  const done = new AbortController();
  const unsubscribeDone = table.subscribe((event) => {
    if (event.type === 'shutdown' && event.state === 'done') done.abort();
  });

  const framer = new FdDataFramer();
  const sampler = setInterval(() => table.sampleAll(), SAMPLE_INTERVAL_MS);
  sampler.unref();
  const uninstallSignals = installSignalHandlers(
    deps.signals ?? process,
    table,
    log,
    clock,
    deps.shutdownTimings ?? DEFAULT_SHUTDOWN_TIMINGS,
  );
  const stopWaitMode = options.wait
    ? startWaitMode(table, log, clock, options.waitTimeoutMs)
    : () => undefined;

  const processInfo = agentProcessInfo();
  const register = (): AgentMessage => ({
    type: 'Register',
    conn: {
      conn_id: options.connId,
      group_id: options.groupId,
      restricted_exe: options.restrictedExe,
    },
    proc: processInfo,
    proc_ids: table.ids(),
    access_token: options.accessToken,
    shutdown_state: table.shutdownState,
  });

  /** A table event as the push the original sends for it (§4.1); results are computed now. */
  const toPush = (event: TableEvent): AgentMessage | null => {
    switch (event.type) {
      case 'start':
      case 'not-running': {
        const proc = table.get(event.procId);
        return proc === undefined ? null : procResultMessage(event.procId, proc.result());
      }
      case 'delete':
        return procDelete(event.procId);
      case 'shutdown':
        return shutDown(event.state);
    }
  };
  const subscribe = (listener: PushListener) =>
    table.subscribe((event) => {
      const message = toPush(event);
      if (message !== null) listener(message, event.type === 'shutdown' && event.state === 'done');
    });

  log.info(
    `agent starting: ${options.serverUrl} (conn ${options.connId}, group ${options.groupId})`,
  );
  try {
    const outcome = await runConnectionLoop({
      options,
      trustedCa,
      log,
      clock,
      register,
      handle: (frame) =>
        handleFrame(frame, {
          table,
          framer,
          log,
          startProcess: (procId, spec) => AgentProcess.start(procId, spec, processDeps),
        }),
      subscribe,
      done: done.signal,
    });
    log.info(`agent ${outcome === 'done' ? 'done' : 'giving up'}`);
    return outcome === 'done' ? AGENT_EXIT.done : AGENT_EXIT.gaveUp;
  } finally {
    unsubscribeDone();
    clearInterval(sampler);
    uninstallSignals();
    stopWaitMode();
  }
}
