import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isFinished } from '../../runs/index.js';
import type { ApiContext } from '../context.js';
import { OutputSource } from '../output-source.js';
import { intParam, type Query } from '../params.js';
import { ClientSocket, CLOSE } from './client-socket.js';
import { runOrClose, websocketRoute } from './route.js';

/** Largest frame's data; a longer stretch of output goes in several frames. */
const FRAME_BYTES = 1024 * 1024;

/** One W3 frame: HTTP-style headers, a blank line, then the bytes (apsis-interfaces.md §3.3). */
export function outputFrame(
  contentType: string,
  start: number,
  data: Uint8Array,
  length: number,
): Buffer {
  const end = start + data.byteLength - 1;
  const head =
    `Content-Type: ${contentType}\r\n` +
    `Content-Range: bytes=${start}-${end}/${length}\r\n` +
    `Content-Length: ${data.byteLength}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'ascii'), data]);
}

/**
 * W3 `/api/v1/runs/<run_id>/output/<output_id>/updates[?start=N]`.
 *
 * Follows an output from byte `start` (or from its current end without
 * one) and closes once the run has finished and everything is sent. Unlike
 * Apsis it works for outputs of any size and compression (its BUG: a
 * finished output of 16 KiB or more kills the socket, and the tail of a
 * large live output is lost), and a `start` beyond the current end waits
 * for the output to get there. The cursor only moves when the socket has
 * drained, so a slow client gets bigger frames, not an unbounded buffer.
 */
export function outputUpdatesRoute(app: FastifyInstance, ctx: ApiContext): void {
  const { runtime } = ctx;
  const outputs = new OutputSource(runtime);

  const startParam = (request: FastifyRequest) =>
    intParam(request.query as Query, 'start', { min: 0, max: Number.MAX_SAFE_INTEGER });

  websocketRoute<{ run_id: string; output_id: string }>(
    app,
    '/api/v1/runs/:run_id/output/:output_id/updates',
    (request) => void startParam(request),
    (ws, request) => {
      const socket = new ClientSocket(ws);
      const start = startParam(request);
      const { output_id: outputId } = request.params;
      const run = runOrClose(runtime, socket, request.params.run_id);
      if (!run) return;
      const runId = run.runId;
      let finished = isFinished(run.state);
      let cursor: number | undefined = start;
      let sending = false;
      let again = false;

      const pump = async () => {
        if (sending) {
          again = true;
          return;
        }
        sending = true;
        try {
          do {
            again = false;
            const info = outputs.info(runId, outputId);
            const length = info?.length ?? 0;
            // Without `start`, follow from the end as it is now.
            cursor ??= length;
            while (info && cursor < length && !socket.isClosed) {
              const end = Math.min(length, cursor + FRAME_BYTES);
              for (const piece of outputs.range(runId, outputId, cursor, end)) {
                socket.send(outputFrame(info.contentType, cursor, piece, length));
                cursor += piece.byteLength;
              }
              await socket.drained();
            }
          } while (again && !socket.isClosed);
          if (finished) socket.close(CLOSE.normal, 'run finished');
        } finally {
          sending = false;
        }
      };

      const off = runtime.feed.subscribe(runId, (event) => {
        if (event.type === 'run' && isFinished(event.run.state)) finished = true;
        else if (event.type !== 'output' || event.output.outputId !== outputId) return;
        void pump().catch(failed);
      });
      const failed = (err: unknown) => {
        ctx.logger.error(`output updates of ${runId}: ${String(err)}`);
        socket.close(1011, 'output read failed');
      };
      socket.onClose = off;
      if (finished && start === undefined) {
        // A finished run has no new output to follow (Apsis closes with nothing).
        socket.close(CLOSE.normal, 'run finished');
        return;
      }
      void pump().catch(failed);
    },
  );
}
