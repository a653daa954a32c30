import type { FastifyInstance } from 'fastify';
import { formatJobProblem } from '../../jobs/index.js';
import type { ApiContext } from '../context.js';
import { hasFlag, single, toBool, type Query } from '../params.js';
import { addApiStats, statsJso } from '../stats.js';
import { jobApiJso } from '../describe.js';

export function controlRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { runtime } = ctx;
  const removeStats = addApiStats(ctx);
  app.addHook('onClose', async () => removeStats());

  app.get('/api/v1/alive', () => ({}));

  // Resolves once stored runs are restored (Apsis answers before, §1.1).
  app.get('/api/v1/running', async () => {
    await ctx.ready;
    return {};
  });

  app.get('/api/v1/stats', () => statsJso(ctx, runtime.clock.now()));

  app.get('/api/control/version', () => ({ version: ctx.version }));

  app.post('/api/control/reload_jobs', async (request, reply) => {
    // Apsis fails without dry_run (BUG, §2.8); absent means a real reload.
    const dryRunValue = single(request.query as Query, 'dry_run');
    const dryRun = dryRunValue === undefined ? false : toBool(dryRunValue, 'query dry_run');
    const loaded = await ctx.loadJobs();
    if (!loaded.ok) {
      return reply.code(400).send({
        error: `errors loading jobs in ${ctx.jobDir}`,
        code: 'jobs_dir',
        // Apsis's `[job_id, message]`: the message does not repeat the job id.
        job_errors: loaded.problems.map((p) => [
          p.jobId,
          formatJobProblem(p).slice(p.jobId.length + 2),
        ]),
      });
    }
    if (dryRun) return { ...runtime.jobs.diffDirectoryJobs(loaded.jobs), dry_run: true };
    const changes = runtime.replaceJobs(loaded.jobs);
    for (const runId of changes.unscheduled)
      ctx.summary.publish({ type: 'run_delete', run_id: runId });
    for (const jobId of changes.removed) ctx.summary.publish({ type: 'job_delete', job_id: jobId });
    const deps = { jobs: runtime.jobs, calendars: ctx.calendars };
    for (const [type, ids] of [
      ['job_add', changes.added],
      ['job', changes.changed],
    ] as const) {
      for (const jobId of ids) {
        const job = runtime.jobs.get(jobId);
        if (job) ctx.summary.publish({ type, job: jobApiJso(job, deps) });
      }
    }
    ctx.logger.info('jobs reloaded', {
      removed: changes.removed.length,
      added: changes.added.length,
      changed: changes.changed.length,
    });
    const { removed, added, changed } = changes;
    return { removed, added, changed, dry_run: false };
  });

  app.post('/api/control/shut_down', (request, reply) => {
    const restart = hasFlag(request.url, 'restart');
    // The reply goes out first; then the daemon stops as on SIGTERM.
    reply.raw.once('finish', () => ctx.shutDown(restart));
    return reply.send({});
  });
}
