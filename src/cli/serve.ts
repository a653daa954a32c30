import { existsSync } from 'node:fs';
import { actionSchema } from '../actions/index.js';
import { errorMessage } from '../errors.js';
import { formatJobProblem, loadJobsDir } from '../jobs/index.js';
import { Runtime, systemClock } from '../runtime/index.js';
import { createDatabase, createRunStore, openDatabase } from '../store/index.js';
import { oneOrMany, problemsFromZod, safeParse, formatPath } from '../validation/index.js';
import { commandConfig, EXIT, type Io } from './context.js';
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

  await runtime.start();
  logger.info('ready', {
    jobs: runtime.jobs.size,
    expected: runtime.scheduler.expected.size,
    live: runtime.runActors.size,
    database: dbPath,
  });
  if (options.host !== undefined || options.port !== undefined) {
    logger.warn('the HTTP API is not in this release; --host and --port are accepted and ignored');
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) {
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(EXIT.problems);
      }
      stopping = true;
      logger.info(`${signal}: shutting down`);
      runtime
        .stop()
        .then(async () => {
          // Runs on agents stay running; the built-in agent keeps them for the next daemon.
          await agents?.stop(
            store
              .activeRuns()
              .some((run) => run.program?.type === 'procstar' && PROGRAM_STATES.has(run.state)),
          );
          store.close();
          logger.info('stopped');
          resolve(EXIT.ok);
        })
        .catch((err: unknown) => {
          logger.error(`shutdown failed: ${errorMessage(err)}`);
          resolve(EXIT.problems);
        });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}
