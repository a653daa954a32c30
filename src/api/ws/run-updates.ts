import type { FastifyInstance } from 'fastify';
import type { OutputInfo } from '../../store/index.js';
import type { ApiContext } from '../context.js';
import { OutputSource } from '../output-source.js';
import { hasFlag } from '../params.js';
import { logEntryJso, runMetaJso, runSummaryJso } from '../run-jso.js';
import { ClientSocket, CLOSE } from './client-socket.js';
import { runOrClose, websocketRoute } from './route.js';

function outputsJso(outputs: readonly OutputInfo[]): Record<string, unknown> {
  return Object.fromEntries(
    outputs.map((o) => [
      o.outputId,
      { name: o.name, length: o.length, content_type: o.contentType },
    ]),
  );
}

/**
 * W2 `/api/v1/runs/<run_id>/updates[?init]` (apsis-interfaces.md §3.2): one
 * JSON object a frame: the run on each transition (with its metadata),
 * metadata updates, output growth and each run-log line.
 *
 * A client that cannot keep up is closed with 1013; it resumes by
 * reconnecting with `init`, which sends the whole current state.
 */
export function runUpdatesRoute(app: FastifyInstance, ctx: ApiContext): void {
  const { runtime } = ctx;
  const outputs = new OutputSource(runtime);

  websocketRoute<{ run_id: string }>(
    app,
    '/api/v1/runs/:run_id/updates',
    (request) => void hasFlag(request.url, 'init'),
    (ws, request) => {
      const socket = new ClientSocket(ws);
      const run = runOrClose(runtime, socket, request.params.run_id);
      if (!run) return;
      const runId = run.runId;
      const send = (message: Record<string, unknown>) => {
        if (socket.isSlow) {
          socket.close(CLOSE.tryAgainLater, 'too slow; reconnect with ?init');
          return;
        }
        socket.send(JSON.stringify(message));
      };
      let lastState = run.state;
      // Subscribe first, then read the state: nothing falls between.
      const off = runtime.feed.subscribe(runId, (event) => {
        if (event.type === 'run') {
          const meta = runMetaJso(event.run, runtime.clock.now());
          if (event.run.state !== lastState) {
            lastState = event.run.state;
            send({ run: runSummaryJso(event.run), meta });
          } else {
            send({ meta });
          }
        } else if (event.type === 'log') {
          send({ run_log_append: logEntryJso(undefined, event.entry) });
        } else {
          send({ outputs: outputsJso([event.output]) });
        }
      });
      socket.onClose = off;
      if (hasFlag(request.url, 'init')) {
        // Writes queued before we subscribed are published to nobody: commit them now so the read sees them.
        runtime.store.flush();
        send({
          run: runSummaryJso(run),
          meta: runMetaJso(run, runtime.clock.now()),
          run_log: runtime.store.runLog(runId).map((e) => logEntryJso(undefined, e)),
          outputs: outputsJso(outputs.list(runId)),
        });
      }
    },
  );
}
