import { dirname, join } from 'node:path';
import type { Config } from '../config/index.js';
import { BuiltinAgent } from '../procstar/builtin-agent.js';
import {
  AgentServer,
  certificateNames,
  loadCertificate,
  selfSignedCertificate,
  type ServerCertificate,
} from '../procstar/index.js';
import { procstarDriver, type ProgramDrivers } from '../programs/index.js';
import type { Clock } from '../time/index.js';
import type { Logger } from '../runtime/index.js';

/** The daemon's procstar side: its agent server, the driver, the built-in agent. */
export interface ServedAgents {
  readonly server: AgentServer;
  readonly drivers: ProgramDrivers;
  /** Stops the built-in agent (unless it runs processes) and closes the server. */
  stop(processesRunning: boolean): Promise<void>;
}

async function serverCertificate(
  agent: Config['procstar']['agent'],
  dbPath: string,
  logger: Logger,
): Promise<ServerCertificate> {
  const { certPath, keyPath } = agent.server.tls;
  if (certPath !== null && keyPath !== null) return loadCertificate(certPath, keyPath);
  const dir = dirname(dbPath);
  const cert = await selfSignedCertificate(
    join(dir, 'procstar-agent.crt'),
    join(dir, 'procstar-agent.key'),
    certificateNames(agent.server.host),
  );
  logger.info(
    `${cert.generated ? 'made a' : 'using the'} self-signed agent server certificate; ` +
      `agents trust it with PROCSTAR_AGENT_CERT=${cert.certPath}`,
    { cert: cert.certPath },
  );
  return cert;
}

/**
 * Starts the agent server when `procstar.agent.enable` (or the built-in agent)
 * asks for it; undefined otherwise, and procstar programs then fail to start
 * with a message saying no driver runs them.
 */
export async function serveAgents(
  config: Config,
  clock: Clock,
  logger: Logger,
): Promise<ServedAgents | undefined> {
  const agent = config.procstar.agent;
  if (!agent.enable && !agent.builtin.enable) return undefined;
  const cert = await serverCertificate(agent, config.database.path, logger);
  const server = new AgentServer({
    host: agent.server.host,
    port: agent.server.port,
    accessToken: agent.server.accessToken,
    cert: cert.cert,
    key: cert.key,
    reconnectTimeoutMs: agent.connection.reconnectTimeoutMs,
    clock,
    logger,
  });
  await server.listen();
  logger.info('agent server listening', { host: agent.server.host, port: server.port });

  const driver = procstarDriver({
    agents: server,
    startTimeoutMs: agent.connection.startTimeoutMs,
    reconnectTimeoutMs: agent.connection.reconnectTimeoutMs,
    updateIntervalMs: agent.run.updateIntervalMs,
    outputIntervalMs: agent.run.outputIntervalMs,
    sudoArgv: agent.sudo.argv,
    memMaxGbDefault: agent.resourceDefaults.memMaxGb,
  });

  let builtin: BuiltinAgent | undefined;
  if (agent.builtin.enable) {
    const host = agent.server.host === '*' ? 'localhost' : agent.server.host;
    const dir = dirname(config.database.path);
    builtin = new BuiltinAgent({
      serverUrl: `wss://${host.includes(':') ? `[${host}]` : host}:${server.port}`,
      groupId: agent.builtin.groupId,
      accessToken: agent.server.accessToken,
      certPath: cert.certPath,
      pidPath: join(dir, 'builtin-agent.json'),
      logPath: join(dir, 'builtin-agent.log'),
      logger,
    });
    builtin.start();
  }

  return {
    server,
    drivers: { procstar: driver },
    async stop(processesRunning) {
      builtin?.stop(processesRunning);
      await server.close();
    },
  };
}
