import { AmbiguousJobError, UnknownJobError } from '../errors.js';
import type { Job } from '../jobs/index.js';
import type { JobTable } from '../runtime/index.js';

const WORD = /[^A-Za-z0-9]+/;

function words(id: string): string[] {
  return id.split(WORD).filter((w) => w !== '');
}

/**
 * Apsis's `match_job_id` (apsis-interfaces.md §2.2): the job with exactly this
 * id (jobs directory or ad hoc); else the one directory job of which every
 * word of `target` starts some word; none → UnknownJobError, several →
 * AmbiguousJobError listing them.
 */
export function matchJob(jobs: JobTable, target: string): Job {
  const exact = jobs.get(target);
  if (exact) return exact;
  const want = words(target);
  if (want.length === 0) throw new UnknownJobError(target);
  const matches: string[] = [];
  for (const [, job] of jobs.entries()) {
    if (job.adHoc) continue;
    const have = words(job.jobId);
    if (want.every((w) => have.some((h) => h.startsWith(w)))) matches.push(job.jobId);
  }
  if (matches.length === 0) throw new UnknownJobError(target);
  if (matches.length > 1) throw new AmbiguousJobError(target, matches);
  return jobs.require(matches[0]!);
}
