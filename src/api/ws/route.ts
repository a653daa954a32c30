import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { BadRequestError } from '../../errors.js';

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
