import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../../errors.js';
import { formatTimeJso } from '../../time/index.js';
import type { ApiContext } from '../context.js';
import { isMachineName, MACHINE_NAMES, machineName } from '../machine-jso.js';
import { single, type Query } from '../params.js';
import { ClientSocket, CLOSE } from './client-socket.js';

/**
 * `/api/v1/actors/events[?actor=ID][&machine=NAME]` (ours; docs/inspection.md):
 * every inspection event as it happens, one JSON object a frame:
 * `{"actor", "machine", "time", "kind", "event_type", "state"}`.
 *
 * It subscribes to Inspection only while a client is connected, so it costs
 * nothing when nobody listens. It sends from inside the actors' event
 * handling, so it never throws there and never queues: a client that
 * cannot keep up is closed with 1013 and may reconnect.
 */
export function actorEventsRoute(app: FastifyInstance, ctx: ApiContext): void {
  const { inspection } = ctx.runtime;

  app.get('/api/v1/actors/events', { websocket: true }, (ws, request) => {
    const socket = new ClientSocket(ws);
    let actorId: string | undefined;
    let machine: string | undefined;
    try {
      const query = request.query as Query;
      actorId = single(query, 'actor');
      machine = single(query, 'machine');
    } catch (err) {
      socket.close(CLOSE.policy, errorMessage(err));
      return;
    }
    if (machine !== undefined && !isMachineName(machine)) {
      socket.close(CLOSE.policy, `not a machine: ${machine} (${MACHINE_NAMES.join(', ')})`);
      return;
    }
    const off = inspection.subscribe((actor, event) => {
      try {
        if (actorId !== undefined && actor.id !== actorId) return;
        const name = machineName(actor.kind);
        if (machine !== undefined && name !== machine) return;
        if (socket.isSlow) {
          socket.close(CLOSE.tryAgainLater, 'too slow; reconnect');
          return;
        }
        socket.send(
          JSON.stringify({
            actor: actor.id,
            machine: name,
            time: formatTimeJso(event.time),
            kind: event.kind,
            event_type: event.eventType ?? null,
            state: event.state ?? null,
          }),
        );
      } catch (err) {
        // Thrown into the actor that emitted the event, it would crash it: report and drop the client.
        ctx.logger.error(`actor events websocket: ${errorMessage(err)}`);
        socket.close(CLOSE.goingAway, 'internal error');
      }
    });
    socket.onClose = off;
  });
}
