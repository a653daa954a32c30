import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createApi, type LoadedJobs } from '../api/index.js';
import { actionSchema } from '../actions/index.js';
import { errorMessage } from '../errors.js';
import { formatJobProblem, loadJobsDir } from '../jobs/index.js';
import { Runtime, systemClock } from '../runtime/index.js';
import { createDatabase, createRunStore, openDatabase } from '../store/index.js';
import { oneOrMany, problemsFromZod, safeParse, formatPath } from '../validation/index.js';
import { commandConfig, EXIT, type Io } from './context.js';
import { packageVersion } from './version.js';
import { createPino, runtimeLogger, type LogLevel } from './logging.js';
import { serveAgents } from './serve-agents.js';

/** States in which a run's program may be running on an agent. */
const PROGRAM_STATES: ReadonlySet<string> = new Set(['starting', 'running', 'stopping']);

export interface ServeOptions {
  config?: string;
  override?: string[];
  host?: string;
  port?: string;
  debug?: boolean;
}

/**
 * `apsisctl serve`: loads the config and the jobs (refusing to start, with
 * every problem listed, when a job is bad), opens the database (creating it
 * when missing), restores stored runs and schedules until SIGTERM or SIGINT,
 * then stops cleanly with every run restorable. Resolves with the exit code.
 */
export async function serve(options: ServeOptions, io: Io): Promise<number> {
  const { config, calendars } = commandConfig(io, options);
  const log = createPino((options.debug ? 'debug' : 'info') as LogLevel);
  const logger = runtimeLogger(log);

  const actions = safeParse(oneOrMany(actionSchema), config.globalActions);
  if (!actions.success) {
    for (const p of problemsFromZod(actions.error, ['action']))
      io.err(`apsisctl: error: config ${formatPath(p.path)}: ${p.message}\n`);
    return EXIT.usage;
  }

  const loaded = await loadJobsDir(config.jobDir, { calendars, now: systemClock.now() });
  if (loaded.problems.length > 0) {
    for (const problem of loaded.problems) io.err(`${formatJobProblem(problem)}\n`);
    io.err(
      `apsisctl: error: refusing to start: ${loaded.problems.length} problems in jobs in ${config.jobDir}\n`,
    );
    return EXIT.problems;
  }

  const dbPath = config.database.path;
  if (!existsSync(dbPath)) {
    createDatabase(dbPath, systemClock.now());
    logger.info(`created database ${dbPath}`);
  }
  const db = openDatabase(dbPath, { busyTimeoutMs: config.database.timeoutMs ?? undefined });
  const store = createRunStore(db, {
    clock: systemClock,
    onError: (err) => logger.error(`database: ${errorMessage(err)}`),
  });
  let agents;
  try {
    agents = await serveAgents(config, systemClock, logger);
  } catch (err) {
    io.err(`apsisctl: error: agent server: ${errorMessage(err)}\n`);
    store.close();
    return EXIT.problems;
  }
  const runtime = new Runtime({
    clock: systemClock,
    store,
    drivers: agents?.drivers,
    jobs: loaded.jobs,
    calendars,
    horizonMs: config.schedule.horizonMs,
    maxAgeMs: config.schedule.maxAgeMs,
    since: config.schedule.since,
    waitingMaxTimeMs: config.waiting.maxTimeMs,
    lookbackMs: config.runs.lookbackMs,
    globalActions: actions.data,
    logger,
  });

  const startedAt = systemClock.now();
  let signalShutdown: (signal: string, restart: boolean) => void = () => undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const { app } = await createApi({
    runtime,
    calendars,
    agents: agents?.server ?? null,
    version: packageVersion(),
    startedAt,
    lookbackMs: config.runs.lookbackMs,
    token: config.api.token,
    jobDir: config.jobDir,
    loadJobs: async (): Promise<LoadedJobs> => {
      const reloaded = await loadJobsDir(config.jobDir, { calendars, now: systemClock.now() });
      return reloaded.problems.length > 0
        ? { ok: false, problems: reloaded.problems }
        : { ok: true, jobs: reloaded.jobs };
    },
    shutDown: (restart) => signalShutdown(restart ? 'restart' : 'shut_down', restart),
    ready,
    logger,
  });
  const host = options.host ?? config.api.host;
  const port = options.port === undefined ? config.api.port : Number(options.port);
  try {
    // Listening before the restore, so /alive answers; /running waits for `ready`.
    await app.listen({ host, port });
  } catch (err) {
    io.err(`apsisctl: error: cannot listen on ${host}:${port}: ${errorMessage(err)}\n`);
    await agents?.stop(false);
    store.close();
    return EXIT.problems;
  }
  const address = app.server.address();
  const listening = typeof address === 'object' && address ? address.port : port;
  logger.info(`API listening on http://${host}:${listening}`, { host, port: listening });

  await runtime.start();
  markReady();
  logger.info('ready', {
    jobs: runtime.jobs.size,
    expected: runtime.scheduler.expected.size,
    live: runtime.runActors.size,
    database: dbPath,
  });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string, restart = false) => {
      if (stopping) {
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(EXIT.problems);
      }
      stopping = true;
      logger.info(`${signal}: shutting down`);
      app
        .close()
        .then(() => runtime.stop())
        .then(async () => {
          // Runs on agents stay running; the built-in agent keeps them for the next daemon.
          await agents?.stop(
            store
              .activeRuns()
              .some((run) => run.program?.type === 'procstar' && PROGRAM_STATES.has(run.state)),
          );
          store.close();
          logger.info('stopped');
          if (restart) restartProcess(logger);
          exitSoon(logger);
          resolve(EXIT.ok);
        })
        .catch((err: unknown) => {
          logger.error(`shutdown failed: ${errorMessage(err)}`);
          resolve(EXIT.problems);
        });
    };
    signalShutdown = shutdown;
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

/**
 * Starts the daemon again with the same command line, detached, once this
 * one has stopped cleanly (Apsis re-`exec`s itself; Node cannot, so the new
 * process is a child that outlives us). Its output goes where ours went.
 */
function restartProcess(logger: {
  info: (msg: string, fields?: Record<string, unknown>) => void;
}): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'inherit',
  });
  child.unref();
  logger.info('restarting', { pid: child.pid });
}

/**
 * After a clean stop the process ends when its event loop drains. Should
 * something still hold it open (a client's half-closed connection, a
 * library's timer), it must not linger as a daemon that no longer serves:
 * exit anyway, and say so.
 */
function exitSoon(logger: { warn: (msg: string) => void }): void {
  setTimeout(() => {
    logger.warn('still running 5 s after a clean stop; exiting');
    process.exit();
  }, 5000).unref();
}
