import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BadRequestError } from '../../errors.js';
import { toSignalName } from '../../programs/index.js';
import { isState } from '../../runs/index.js';
import type { ScheduleRequest } from '../../runtime/index.js';
import type { RunRecord } from '../../store/index.js';
import { parseTime, type Time } from '../../time/index.js';
import { problemsFromZod, formatPath } from '../../validation/index.js';
import type { ApiContext } from '../context.js';
import { matchJob } from '../job-match.js';
import { durationField, intParam, parseField, type Query } from '../params.js';
import { runsResponse } from '../run-jso.js';

/** Most runs one `POST /api/v1/runs?count=N` may create. */
const MAX_COUNT = 10_000;

const argValue = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected a string, number or boolean',
});

/** The body of `POST /api/v1/runs` (apsis-interfaces.md §2.7). */
export const newRunsBody = z.object(
  {
    job_id: z.string({ error: 'expected a job id string' }).min(1).optional(),
    job: z.record(z.string(), z.unknown(), { error: 'expected a job mapping' }).optional(),
    args: z
      .record(z.string(), argValue, { error: 'expected a mapping of arg names to values' })
      .default({}),
    times: z
      .object(
        {
          schedule: z.string({ error: 'expected "now" or a time' }).default('now'),
          stop: z.string({ error: 'expected a time or a duration' }).optional(),
        },
        { error: 'expected a mapping with schedule and stop' },
      )
      .default({ schedule: 'now' }),
  },
  { error: 'expected a JSON object' },
);

/** Parses a body with a zod schema; the 400 names the first bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problem = problemsFromZod(result.error)[0];
  const where = problem ? formatPath(problem.path) : '';
  throw new BadRequestError(where === '' ? 'body' : `body ${where}`, problem?.message ?? 'invalid');
}

/** Python's `str()` of an arg value, as Apsis stringifies args. */
function argString(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function scheduleTime(value: string): Time | 'now' {
  return value.trim() === 'now' ? 'now' : parseField('body times.schedule', () => parseTime(value));
}

/** `times.stop`: an absolute time, else a duration after the schedule time (or now). */
function stopTime(value: string, schedule: Time | 'now', now: Time): Time {
  try {
    return parseTime(value);
  } catch {
    const base = schedule === 'now' ? now : schedule;
    return base + durationField('body times.stop', value.trim().replace(/^\+/, ''));
  }
}

type Params = { Params: { run_id: string } };

export function runOperationRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { runtime } = ctx;
  const ops = runtime.operations;
  const now = () => runtime.clock.now();

  app.post('/api/v1/runs', (request) => {
    const count = intParam(request.query as Query, 'count', { min: 0, max: MAX_COUNT }) ?? 1;
    const body = parseBody(newRunsBody, request.body);
    const time = scheduleTime(body.times.schedule);
    const request_: Omit<ScheduleRequest, 'jobId'> = {
      args: Object.fromEntries(Object.entries(body.args).map(([k, v]) => [k, argString(v)])),
      time,
      ...(body.times.stop !== undefined && { stopTime: stopTime(body.times.stop, time, now()) }),
    };
    const runs: RunRecord[] = [];
    if (body.job !== undefined) {
      // One ad hoc job, `count` runs of it.
      if (count > 0) {
        const first = ops.scheduleAdHoc(body.job, request_);
        runs.push(first);
        for (let i = 1; i < count; i++)
          runs.push(ops.schedule({ ...request_, jobId: first.jobId }));
      }
    } else if (body.job_id !== undefined) {
      const jobId = matchJob(runtime.jobs, body.job_id).jobId;
      for (let i = 0; i < count; i++) runs.push(ops.schedule({ ...request_, jobId }));
    } else {
      throw new BadRequestError('body', 'missing job_id or job');
    }
    return runsResponse(now(), runs);
  });

  app.post<Params>('/api/v1/runs/:run_id/skip', (request) => {
    ops.skip(request.params.run_id);
    return {};
  });

  app.post<Params>('/api/v1/runs/:run_id/start', (request) => {
    ops.start(request.params.run_id);
    return {};
  });

  app.post<Params>('/api/v1/runs/:run_id/rerun', (request) => {
    const run = ops.rerun(request.params.run_id);
    return { ...runsResponse(now(), [run]), show_run_id: run.runId };
  });

  app.route<Params>({
    method: ['PUT', 'POST'],
    url: '/api/v1/runs/:run_id/stop',
    handler: (request) => runsResponse(now(), [ops.stop(request.params.run_id)]),
  });

  app.route<{ Params: { run_id: string; signal: string } }>({
    method: ['PUT', 'POST'],
    url: '/api/v1/runs/:run_id/signal/:signal',
    handler: async (request) => {
      const { signal } = request.params;
      const name = parseField('path signal', () => toSignalName(signal));
      await ops.signal(request.params.run_id, name);
      return {};
    },
  });

  app.route<{ Params: { run_id: string; state: string } }>({
    method: ['PUT', 'POST'],
    url: '/api/v1/runs/:run_id/mark/:state',
    handler: (request) => {
      const { state } = request.params;
      if (!isState(state)) throw new BadRequestError('path state', `not a state: '${state}'`);
      ops.mark(request.params.run_id, state);
      return {};
    },
  });
}
