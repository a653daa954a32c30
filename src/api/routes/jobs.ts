import type { FastifyInstance } from 'fastify';
import { UnknownJobError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { jobApiJso } from '../describe.js';
import { matchJob } from '../job-match.js';
import { single, type Query } from '../params.js';
import { runFilter, streamRunsReply } from './runs.js';

export function jobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { runtime } = ctx;
  const deps = { jobs: runtime.jobs, calendars: ctx.calendars };

  app.get('/api/v1/jobs', (request) => {
    const label = single(request.query as Query, 'label');
    const out: Record<string, unknown>[] = [];
    for (const [, job] of runtime.jobs.entries()) {
      if (job.adHoc) continue;
      if (label !== undefined && !job.metadata.labels.includes(label)) continue;
      out.push(jobApiJso(job, deps));
    }
    return out;
  });

  // Registered as one wildcard route so `/jobs/a/b/runs` is always the runs of
  // job `a/b`, never job `a/b/runs` (Apsis's route order varies, §2.2).
  app.get<{ Params: { '*': string } }>('/api/v1/jobs/*', (request, reply) => {
    const path = request.params['*'];
    if (path.endsWith('/runs')) {
      const jobId = path.slice(0, -'/runs'.length);
      const job = matchJob(runtime.jobs, jobId);
      const query = { ...(request.query as Query), job_id: job.jobId };
      return streamRunsReply(ctx, runFilter(ctx, query), query, reply);
    }
    try {
      return jobApiJso(matchJob(runtime.jobs, path), deps);
    } catch (err) {
      if (err instanceof UnknownJobError) throw new UnknownJobError(path);
      throw err;
    }
  });
}
