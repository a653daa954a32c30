import type { CalendarResolver } from '../time/index.js';
import { formatPath, problemsFromZod, problemSubject, safeParse } from '../validation/index.js';
import type { Job } from './job.js';
import { jobSchema } from './job-schema.js';
import type { JobProblem } from './problem.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

export interface ParsedJobFile {
  readonly jobId: string;
  readonly file: string;
  readonly source: YamlSource;
  /** Undefined when the file has problems. */
  readonly job: Job | undefined;
  readonly problems: readonly JobProblem[];
}

/**
 * Parses one job file's text. Every problem is reported with the job id and
 * its position, including those Apsis lets escape as an uncaught exception
 * (syntax errors, empty files, a top-level list): one bad file never hides
 * the problems of the others.
 */
export function parseJobFile(
  jobId: string,
  file: string,
  text: string,
  calendars: CalendarResolver,
): ParsedJobFile {
  const source = parseYamlSource(text);
  const problem = (message: string, line?: number, col?: number): JobProblem => ({
    jobId,
    file,
    line,
    col,
    message,
  });
  if (source.errors.length > 0) {
    return {
      jobId,
      file,
      source,
      job: undefined,
      problems: source.errors.map((e) => problem(e.message, e.line, e.col)),
    };
  }
  if (source.value === undefined || source.value === null) {
    return {
      jobId,
      file,
      source,
      job: undefined,
      problems: [problem('empty job file: a job needs at least a program', 1, 1)],
    };
  }
  const result = safeParse(jobSchema(jobId, calendars), source.value);
  if (result.success) return { jobId, file, source, job: result.data, problems: [] };
  const problems = problemsFromZod(result.error).map((p) => {
    const at = source.place(p);
    // Name the key too: a line number alone is hard to read in a long file.
    const where = formatPath(source.writtenPath(problemSubject(p)));
    return problem(where === '' ? at.message : `${where}: ${at.message}`, at.line, at.col);
  });
  return { jobId, file, source, job: undefined, problems };
}
