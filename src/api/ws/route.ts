import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { BadRequestError, RunNotFoundError } from '../../errors.js';
import type { Runtime } from '../../runtime/index.js';
import type { RunRecord } from '../../store/index.js';
import { CLOSE, type ClientSocket } from './client-socket.js';

type Handler<P> = (ws: WebSocket, request: FastifyRequest<{ Params: P }>) => void;

/**
 * Registers a websocket route. Its query is checked by `validate` before
 * the upgrade, so a bad parameter is a JSON 400 the client can read, not a
 * socket torn down after it opened. A plain HTTP GET of the path is a JSON
 * 400 saying it is a websocket (@fastify/websocket answers an empty 404).
 */
export function websocketRoute<P>(
  app: FastifyInstance,
  url: string,
  validate: (request: FastifyRequest<{ Params: P }>) => void,
  handler: Handler<P>,
): void {
  app.route<{ Params: P }>({
    method: 'GET',
    url,
    preValidation: async (request) => validate(request),
    handler: (request) => {
      throw new BadRequestError(
        'header upgrade',
        `${request.url.split('?')[0] ?? url} is a websocket; open it with a websocket client`,
      );
    },
    wsHandler: handler,
  });
}

/**
 * The run a run websocket follows; for an unknown run, the socket is closed
 * normally with no message (as Apsis does) and undefined returned.
 */
export function runOrClose(
  runtime: Runtime,
  socket: ClientSocket,
  runId: string,
): RunRecord | undefined {
  try {
    return runtime.operations.getRun(runId);
  } catch (err) {
    if (!(err instanceof RunNotFoundError)) throw err;
    socket.close(CLOSE.normal, 'unknown run');
    return undefined;
  }
}
