import websocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { NoRouteError, SchedulerError, errorMessage } from '../errors.js';
import { checkOrigin, checkToken } from './auth.js';
import type { ApiContext, ApiOptions } from './context.js';
import { controlRoutes } from './routes/control.js';
import { inspectionRoutes } from './routes/inspection.js';
import { jobRoutes } from './routes/jobs.js';
import { outputRoutes } from './routes/outputs.js';
import { procstarRoutes } from './routes/procstar.js';
import { runOperationRoutes } from './routes/run-operations.js';
import { runsRoutes } from './routes/runs.js';
import { actorEventsRoute } from './ws/actor-events.js';
import { outputUpdatesRoute } from './ws/output-updates.js';
import { runUpdatesRoute } from './ws/run-updates.js';
import { SummaryHub } from './ws/summary-hub.js';
import { summaryRoute } from './ws/summary.js';

/** Apsis's request body limit (§1.1). */
const BODY_LIMIT = 100 * 1024 * 1024;
/** Routes that answer while stored runs are being restored. */
const HEALTH_ROUTES: ReadonlySet<string> = new Set([
  '/api/v1/alive',
  '/api/v1/running',
  '/api/control/version',
]);
/** Largest message a websocket client may send (they are ignored anyway). */
const WS_MAX_PAYLOAD = 1024 * 1024;

export interface ApiServer {
  readonly app: FastifyInstance;
  readonly summary: SummaryHub;
}

/**
 * The HTTP API (apsis-interfaces.md §1–§3), not yet listening. Every error
 * is JSON `{"error": message, "code": code}` with the catalogue's status
 * (docs/errors.md); nothing a request does can take the daemon down.
 */
export async function createApi(options: ApiOptions): Promise<ApiServer> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // Websocket paths and run ids are matched as written (Apsis does not decode them, §1.4).
    routerOptions: { ignoreTrailingSlash: true },
    logger: false,
  });
  const summary = new SummaryHub({
    runtime: options.runtime,
    agents: options.agents,
    clock: options.runtime.clock,
  });
  const ctx: ApiContext = { ...options, summary };

  // Every body is read as JSON whatever its content type, as Apsis does
  // (`curl -d` sends form-encoded JSON); an empty body is no body (Apsis: None).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const error = new SchedulerError('bad_request', `body: not valid JSON: ${errorMessage(err)}`);
      done(error, undefined);
    }
  });

  // Before the token hook: the plugin's own onRequest hook must mark an
  // upgrade request first, so a refused one has its socket destroyed (else
  // the socket lingers and app.close() never returns).
  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } });
  app.addHook('onRequest', async (request) => checkOrigin(request));
  if (options.token !== null) {
    const token = options.token;
    app.addHook('onRequest', async (request) => checkToken(request, token));
  }
  // The daemon listens while it restores stored runs; until then only the
  // health routes answer, so no request sees or operates on a half-restored state.
  app.addHook('preHandler', async (request) => {
    if (!HEALTH_ROUTES.has(request.routeOptions.url ?? '')) await options.ready;
  });

  app.setErrorHandler((err: FastifyError | SchedulerError | Error, request, reply) => {
    if (err instanceof SchedulerError) {
      return reply.code(err.httpStatus).send({ error: err.message, code: err.code });
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 500) {
      ctx.logger.error(`API ${request.method} ${request.url}: ${err.stack ?? err.message}`);
      return reply.code(500).send({ error: `internal error: ${err.message}`, code: 'internal' });
    }
    return reply.code(status).send({ error: err.message, code: 'bad_request' });
  });

  // Unknown paths are a JSON 404, API or not (Apsis answers 200 index.html, BUG §1.3).
  app.setNotFoundHandler((request) => {
    throw new NoRouteError(request.method, request.url.split('?')[0] ?? request.url);
  });

  controlRoutes(app, ctx);
  jobRoutes(app, ctx);
  runsRoutes(app, ctx);
  runOperationRoutes(app, ctx);
  outputRoutes(app, ctx);
  procstarRoutes(app, ctx);
  inspectionRoutes(app, ctx);
  summaryRoute(app, ctx);
  runUpdatesRoute(app, ctx);
  outputUpdatesRoute(app, ctx);
  actorEventsRoute(app, ctx);
  app.addHook('onClose', async () => summary.close());
  return { app, summary };
}
