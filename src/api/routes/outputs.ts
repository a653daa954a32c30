import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { BadRequestError, OutputNotFoundError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { OutputSource } from '../output-source.js';
import { findRun } from './runs.js';

/** `bytes=A-B`, `bytes=A-`, `bytes=-N` of a single range; undefined when absent or not one range. */
function parseRange(
  header: string | undefined,
  length: number,
): [number, number] | 'bad' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, length - Number(m[2]));
    end = length;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? length : Math.min(length, Number(m[2]) + 1);
  }
  return start >= length || end <= start ? 'bad' : [start, end];
}

export function outputRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const outputs = new OutputSource(ctx.runtime);

  // Apsis answers [] for an unknown run (BUG, §2.4); ours is a 404.
  app.get<{ Params: { run_id: string } }>('/api/v1/runs/:run_id/outputs', (request) => {
    const run = findRun(ctx, request.params.run_id);
    return outputs.list(run.runId).map((o) => ({ output_id: o.outputId, output_len: o.length }));
  });

  /**
   * The output's bytes, streamed a stored chunk at a time (Apsis reads the
   * whole output into memory). Always sent uncompressed, which every client
   * accepts, without Apsis's `Content-Encoding: None` (BUG, §2.5); a single
   * byte range is honoured.
   */
  app.get<{ Params: { run_id: string; output_id: string } }>(
    '/api/v1/runs/:run_id/output/:output_id',
    (request, reply) => {
      const { run_id: runId, output_id: outputId } = request.params;
      const run = ctx.runtime.registry.get(runId) ?? ctx.runtime.store.getRun(runId);
      const info = run && outputs.info(run.runId, outputId);
      if (!run || !info) throw new OutputNotFoundError(runId, outputId);
      const range = parseRange(request.headers.range, info.length);
      reply.header('Content-Type', info.contentType).header('Accept-Ranges', 'bytes');
      if (range === 'bad') {
        // Every error is JSON; 416 is the status HTTP gives an unsatisfiable range.
        const error = new BadRequestError(
          'header range',
          `${String(request.headers.range)} is outside the output, which has ${info.length} bytes`,
        );
        return reply
          .code(416)
          .header('Content-Range', `bytes */${info.length}`)
          .type('application/json; charset=utf-8')
          .send({ error: error.message, code: error.code });
      }
      const [start, end] = range ?? [0, info.length];
      if (range)
        reply.code(206).header('Content-Range', `bytes ${start}-${end - 1}/${info.length}`);
      reply.header('Content-Length', String(end - start));
      return reply.send(Readable.from(outputs.range(run.runId, outputId, start, end)));
    },
  );
}
