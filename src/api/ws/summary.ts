import type { FastifyInstance, FastifyRequest } from 'fastify';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ApiContext } from '../context.js';
import { jobApiJso } from '../describe.js';
import { hasFlag, intParam, type Query } from '../params.js';
import { lookbackStart } from '../routes/runs.js';
import { runSummaryJso } from '../run-jso.js';
import { ClientSocket } from './client-socket.js';
import { websocketRoute } from './route.js';
import { agentConnMessage, FRAME_MESSAGES, type SummarySubscriber } from './summary-hub.js';

/**
 * W1 `/api/v1/summary[?init][&resume=SEQ]` (apsis-interfaces.md §3.1).
 *
 * Subscribes first, so nothing is lost, then with `init` sends the snapshot:
 * jobs and agent connections, then run summaries newest first. Frames are
 * generated only as fast as the client takes them, so a slow client costs a
 * bounded buffer, not the whole snapshot in memory.
 *
 * Ours: every live message carries `seq`; a client that reconnects with
 * `resume=SEQ` gets what it missed instead of a whole snapshot, while the
 * server still holds it (otherwise it gets the snapshot, as with `init`).
 */
export function summaryRoute(app: FastifyInstance, ctx: ApiContext): void {
  const resumeParam = (request: FastifyRequest) =>
    intParam(request.query as Query, 'resume', { min: 0, max: Number.MAX_SAFE_INTEGER });
  const validate = (request: FastifyRequest) => {
    resumeParam(request);
    hasFlag(request.url, 'init');
  };
  websocketRoute(app, '/api/v1/summary', validate, (ws, request) => {
    const socket = new ClientSocket(ws);
    const resume = resumeParam(request);
    const { subscriber, resumed } = ctx.summary.subscribe(socket, resume);
    const init = hasFlag(request.url, 'init') || (resume !== undefined && !resumed);
    if (!init) {
      subscriber.release();
      return;
    }
    sendSnapshot(ctx, socket, subscriber).catch((err: unknown) => {
      ctx.logger.error(`summary snapshot failed: ${String(err)}`);
      socket.close(1011, 'snapshot failed');
    });
  });
}

async function sendSnapshot(
  ctx: ApiContext,
  socket: ClientSocket,
  subscriber: SummarySubscriber,
): Promise<void> {
  const { runtime } = ctx;
  // Snapshot messages carry the number the snapshot is as of: a client that
  // saw no live message yet can still resume from it.
  const asOf = ctx.summary.latest;
  const frame: string[] = [];
  const flush = async () => {
    if (frame.length === 0) return;
    socket.send(`[${frame.join(',')}]`);
    frame.length = 0;
    await socket.drained();
    // Other requests and the scheduler get their turn between frames.
    await yieldToLoop();
  };
  const add = async (message: Record<string, unknown>) => {
    frame.push(JSON.stringify({ ...message, seq: asOf }));
    if (frame.length >= FRAME_MESSAGES) await flush();
  };

  for (const [, job] of runtime.jobs.entries()) {
    if (job.adHoc) continue;
    await add({
      type: 'job',
      job: jobApiJso(job, { jobs: runtime.jobs, calendars: ctx.calendars }),
    });
  }
  for (const conn of ctx.agents?.connectionViews() ?? []) await add(agentConnMessage(conn));
  await flush();

  const since = lookbackStart(ctx);
  const runs = runtime.queries.runs(since === undefined ? {} : { since }, { descending: true });
  for (const run of runs) {
    if (socket.isClosed) return;
    await add({ type: 'run_summary', run_summary: runSummaryJso(run) });
  }
  await flush();
  subscriber.release();
}
