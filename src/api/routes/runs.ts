import type { FastifyInstance, FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { BadRequestError, UnknownJobError } from '../../errors.js';
import { canonicalArgs, runNumber } from '../../runs/index.js';
import type { RunFilter } from '../../runtime/index.js';
import type { RunRecord } from '../../store/index.js';
import { formatTimeJso, type Time } from '../../time/index.js';
import type { ApiContext } from '../context.js';
import { matchJob } from '../job-match.js';
import { boolParam, intParam, many, single, stateList, timeParam, type Query } from '../params.js';
import { logEntryJso, runJso, runSummaryJso, runsResponse } from '../run-jso.js';

/** Query names that are not arg filters; any other name filters an arg (apsis-interfaces.md §2.3). */
const RESERVED = new Set([
  'run_id',
  'job_id',
  'state',
  'since',
  'until',
  'summary',
  'label',
  'limit',
  'after',
  'order',
  'access_token',
]);

/** Largest page a client may ask for. */
export const MAX_PAGE = 10_000;
/** Runs serialized between two yields to the event loop while a large answer streams. */
const STREAM_BATCH = 500;

/** Where `runs.lookback` starts hiding finished runs, or undefined when it is not set. */
export function lookbackStart(ctx: ApiContext): Time | undefined {
  return ctx.lookbackMs === null ? undefined : ctx.startedAt - ctx.lookbackMs;
}

/** A run by id, or RunNotFoundError (also for a malformed id). */
export function findRun(ctx: ApiContext, runId: string): RunRecord {
  return ctx.runtime.operations.getRun(runId);
}

/**
 * The filter of a run query. Apsis's parameters keep their meaning; ours add
 * `state` lists, `label`, `until`, paging (`limit`, `after`, `order`), and
 * drop the requirement of `run_id` or `job_id` and the 10 000-run cap.
 */
export function runFilter(ctx: ApiContext, query: Query): RunFilter {
  const runIds = many(query, 'run_id');
  let jobId = single(query, 'job_id');
  if (jobId !== undefined) {
    try {
      jobId = matchJob(ctx.runtime.jobs, jobId).jobId;
    } catch (err) {
      // A job no longer in the jobs directory still has runs to find (Apsis cannot).
      if (!(err instanceof UnknownJobError)) throw err;
    }
  }
  const args: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (RESERVED.has(name) || value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined || last === '') continue;
    args[name.startsWith('_') ? name.slice(1) : name] = last;
  }
  const since = timeParam(query, 'since') ?? lookbackStart(ctx);
  return {
    ...(runIds && { runIds }),
    ...(jobId !== undefined && { jobId }),
    ...(query.state !== undefined && { states: stateList(many(query, 'state'), 'query state') }),
    ...(Object.keys(args).length > 0 && { args }),
    ...(query.label !== undefined && { labels: many(query, 'label') }),
    ...(since !== undefined && { since }),
    ...(query.until !== undefined && { until: timeParam(query, 'until') }),
  };
}

export function runsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { runtime } = ctx;

  app.get('/api/v1/runs', (request, reply) => {
    const query = request.query as Query;
    return streamRunsReply(ctx, runFilter(ctx, query), query, reply);
  });

  app.get<{ Params: { run_id: string } }>('/api/v1/runs/:run_id', (request) => {
    const run = findRun(ctx, request.params.run_id);
    return runsResponse(runtime.clock.now(), [run]);
  });

  app.get<{ Params: { run_id: string } }>('/api/v1/runs/:run_id/log', (request) => {
    const run = findRun(ctx, request.params.run_id);
    const log = runtime.store.runLog(run.runId).slice();
    log.sort((a, b) => a.timestamp - b.timestamp);
    return { run_log: log.map((entry) => logEntryJso(run.runId, entry)) };
  });

  // Apsis's version always failed (§2.4); this is what it meant to return.
  app.get<{ Params: { run_id: string } }>('/api/v1/runs/:run_id/state', (request) => ({
    state: findRun(ctx, request.params.run_id).state,
  }));

  app.get<{ Params: { run_id: string } }>('/api/v1/runs/:run_id/dependencies', (request) => {
    const run = findRun(ctx, request.params.run_id);
    const deps = (run.conds ?? []).flatMap((cond) => {
      if (cond.type !== 'dependency') return [];
      const key = canonicalArgs(cond.args);
      const runIds: string[] = [];
      for (const other of runtime.queries.runs({ jobId: cond.job_id, args: cond.args }))
        if (canonicalArgs(other.args) === key) runIds.push(other.runId);
      return [{ job_id: cond.job_id, args: cond.args, run_ids: runIds }];
    });
    return { [run.runId]: deps };
  });
}

/** Answers a run query: the paging parameters of `query` applied to `filter`, streamed. */
export function streamRunsReply(
  ctx: ApiContext,
  filter: RunFilter,
  query: Query,
  reply: FastifyReply,
): FastifyReply {
  const summary = boolParam(query, 'summary', false);
  const limit = intParam(query, 'limit', { min: 1, max: MAX_PAGE });
  const order = single(query, 'order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc')
    throw new BadRequestError('query order', `expected asc or desc, got ${JSON.stringify(order)}`);
  const afterId = single(query, 'after');
  const after = afterId === undefined ? undefined : runNumber(afterId);
  if (afterId !== undefined && after === undefined)
    throw new BadRequestError('query after', `not a run id: ${JSON.stringify(afterId)}`);
  const runs = ctx.runtime.queries.runs(filter, { after, descending: order === 'desc', limit });
  reply.type('application/json');
  return reply.send(Readable.from(streamRuns(ctx.runtime.clock.now(), runs, summary, limit)));
}

/**
 * `{"when": T, "runs": {...}}` written a batch of runs at a time, yielding
 * to the event loop between batches: a query over a million runs streams in
 * bounded memory and never stalls the scheduler. With `limit`, a `next`
 * cursor (the last run id, or null at the end) follows the runs.
 */
async function* streamRuns(
  now: Time,
  runs: Iterator<RunRecord>,
  summary: boolean,
  limit: number | undefined,
): AsyncGenerator<string> {
  yield `{"when":${JSON.stringify(formatTimeJso(now))},"runs":{`;
  let first = true;
  let count = 0;
  let last: string | undefined;
  let batch = '';
  for (let next = runs.next(); !next.done; next = runs.next()) {
    const run = next.value;
    batch += `${first ? '' : ','}${JSON.stringify(run.runId)}:${JSON.stringify(
      summary ? runSummaryJso(run) : runJso(run),
    )}`;
    first = false;
    last = run.runId;
    if (++count % STREAM_BATCH === 0) {
      yield batch;
      batch = '';
      await yieldToLoop();
    }
  }
  const next = limit !== undefined && count === limit && last !== undefined ? last : null;
  yield `${batch}}${limit === undefined ? '' : `,"next":${JSON.stringify(next)}`}}`;
}
