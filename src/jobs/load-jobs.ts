import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { JobLookup } from '../conditions/index.js';
import { errorMessage, JobsDirError } from '../errors.js';
import type { CalendarResolver, Time } from '../time/index.js';
import { isMapping } from '../validation/index.js';
import { checkJob } from './check-job.js';
import type { Job } from './job.js';
import { parseJobFile, type ParsedJobFile } from './parse-job-file.js';
import { parseYamlSource } from './yaml-source.js';
import { compareJobProblems, type JobProblem } from './problem.js';

export interface JobFile {
  readonly jobId: string;
  /** Absolute path. */
  readonly path: string;
}

/**
 * Lists the job files below `root` (apsis-model.md §1.1): names ending in
 * exactly `.yaml` and not starting with `.`, in any folder, hidden folders
 * included; symlinks to files are followed, symlinks to folders are not.
 */
export async function listJobFiles(root: string): Promise<JobFile[]> {
  const files: JobFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
        continue;
      }
      if (entry.name.startsWith('.') || !entry.name.endsWith('.yaml')) continue;
      if (
        entry.isSymbolicLink() &&
        !(await stat(path).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        continue;
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      const jobId = relative(root, path).slice(0, -'.yaml'.length).split(sep).join('/');
      files.push({ jobId, path });
    }
  };
  await walk(root);
  return files.sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}

export interface LoadOptions {
  readonly calendars: CalendarResolver;
  /** The instant the load-time check takes each schedule's first run from. */
  readonly now: Time;
  /** How to name the directory in problems; defaults to `dir` as given. */
  readonly displayDir?: string;
}

export interface LoadedJobs {
  /** Jobs without problems, by id. */
  readonly jobs: ReadonlyMap<string, Job>;
  readonly files: readonly ParsedJobFile[];
  /** Every problem of every job, sorted by job id and position. */
  readonly problems: readonly JobProblem[];
}

// Apsis reads and parses files 100 at a time.
const CHUNK = 100;

/**
 * Loads and checks every job in a directory. Problems are collected per job
 * rather than thrown, so one call reports all of them; a caller that must
 * not run with problems (the daemon) refuses the result when any exist.
 */
export async function loadJobsDir(dir: string, options: LoadOptions): Promise<LoadedJobs> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new JobsDirError(`not a directory: ${dir}`);
  const display = options.displayDir ?? dir;
  const list = await listJobFiles(dir);
  const files: ParsedJobFile[] = [];
  for (let i = 0; i < list.length; i += CHUNK) {
    const chunk = list.slice(i, i + CHUNK);
    const texts = await Promise.all(
      chunk.map((f) =>
        readFile(f.path, 'utf8').then(
          (t) => t,
          (err: unknown) => err,
        ),
      ),
    );
    chunk.forEach((f, j) => {
      const file = join(display, `${f.jobId}.yaml`);
      const text = texts[j];
      if (typeof text === 'string')
        files.push(parseJobFile(f.jobId, file, text, options.calendars));
      else files.push(unreadable(f.jobId, file, text));
    });
  }
  const jobs = new Map<string, Job>();
  for (const f of files) if (f.job) jobs.set(f.jobId, f.job);
  const lookup = jobParamsLookup(files);
  const problems: JobProblem[] = files.flatMap((f) => f.problems);
  for (const f of files) {
    if (f.job)
      problems.push(
        ...checkJob(f.job, f.file, f.source, {
          now: options.now,
          jobs: lookup,
          calendars: options.calendars,
        }),
      );
  }
  return { jobs, files, problems: problems.sort(compareJobProblems) };
}

function unreadable(jobId: string, file: string, err: unknown): ParsedJobFile {
  return {
    jobId,
    file,
    source: parseYamlSource(''),
    job: undefined,
    problems: [{ jobId, file, message: `cannot read job file: ${errorMessage(err)}` }],
  };
}

/**
 * Params of every job file, including files with other problems when their
 * `params` can still be read, so a broken job does not also make every job
 * that depends on it report `unknown job ID`.
 */
export function jobParamsLookup(files: readonly ParsedJobFile[]): JobLookup {
  const params = new Map<string, readonly string[]>();
  for (const f of files) {
    if (f.job) {
      params.set(f.jobId, f.job.params);
      continue;
    }
    const raw = isMapping(f.source.value) ? f.source.value.params : undefined;
    if (raw === undefined || raw === null) params.set(f.jobId, []);
    else if (typeof raw === 'string') params.set(f.jobId, [raw]);
    else if (Array.isArray(raw)) params.set(f.jobId, raw.map(String));
  }
  return { params: (jobId) => params.get(jobId) };
}
