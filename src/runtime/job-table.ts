import type { JobLookup } from '../conditions/index.js';
import { UnknownJobError } from '../errors.js';
import { jobToJso, type Job } from '../jobs/index.js';

export interface JobChanges {
  removed: string[];
  added: string[];
  changed: string[];
}

/**
 * The jobs the scheduler runs: the jobs directory plus ad hoc jobs. Each job
 * keeps a stable index for the compact expected-run records; a replaced or
 * removed job's index is retired, never reused.
 */
export class JobTable implements JobLookup {
  private readonly slots: (Job | undefined)[] = [];
  private readonly indexes = new Map<string, number>();

  constructor(jobs: Iterable<Job> = []) {
    for (const job of jobs) this.add(job);
  }

  get(jobId: string): Job | undefined {
    const index = this.indexes.get(jobId);
    return index === undefined ? undefined : this.slots[index];
  }

  require(jobId: string): Job {
    const job = this.get(jobId);
    if (!job) throw new UnknownJobError(jobId);
    return job;
  }

  indexOf(jobId: string): number | undefined {
    return this.indexes.get(jobId);
  }

  at(index: number): Job | undefined {
    return this.slots[index];
  }

  params(jobId: string): readonly string[] | undefined {
    return this.get(jobId)?.params;
  }

  /** Live jobs with their indexes, in id order. */
  entries(): [number, Job][] {
    return [...this.indexes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, index]) => [index, this.slots[index] as Job]);
  }

  get size(): number {
    return this.indexes.size;
  }

  /** Adds a job under a fresh index, retiring any previous job of that id. */
  add(job: Job): number {
    this.remove(job.jobId);
    const index = this.slots.length;
    this.slots.push(job);
    this.indexes.set(job.jobId, index);
    return index;
  }

  remove(jobId: string): void {
    const index = this.indexes.get(jobId);
    if (index === undefined) return;
    this.slots[index] = undefined;
    this.indexes.delete(jobId);
  }

  /**
   * Replaces the jobs of the jobs directory with `jobs` (ad hoc jobs stay),
   * returning what changed. Jobs compare by their serialized form including
   * stop schedules, which Apsis leaves out (so it misses stop-only changes).
   */
  replaceDirectoryJobs(jobs: ReadonlyMap<string, Job>): JobChanges {
    const changes = this.diffDirectoryJobs(jobs);
    for (const jobId of changes.removed) this.remove(jobId);
    for (const jobId of [...changes.changed, ...changes.added]) this.add(jobs.get(jobId) as Job);
    return changes;
  }

  /** What `replaceDirectoryJobs(jobs)` would change, changing nothing (a dry run). */
  diffDirectoryJobs(jobs: ReadonlyMap<string, Job>): JobChanges {
    const changes: JobChanges = { removed: [], added: [], changed: [] };
    for (const [jobId, index] of this.indexes) {
      const old = this.slots[index] as Job;
      if (old.adHoc) continue;
      const next = jobs.get(jobId);
      if (!next) changes.removed.push(jobId);
      else if (JSON.stringify(jobToJso(old)) !== JSON.stringify(jobToJso(next)))
        changes.changed.push(jobId);
    }
    for (const jobId of jobs.keys()) if (!this.indexes.has(jobId)) changes.added.push(jobId);
    for (const list of Object.values(changes)) list.sort();
    return changes;
  }
}
