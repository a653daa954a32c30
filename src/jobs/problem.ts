/** One problem with one job, where the YAML parser can say where it is. */
export interface JobProblem {
  readonly jobId: string;
  /** The file as the user named it: the jobs directory joined with the job's path. */
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
}

/** `JOB_ID: FILE:LINE:COL: message`, the `check-jobs` line. */
export function formatJobProblem(problem: JobProblem): string {
  const where =
    problem.line === undefined
      ? problem.file
      : `${problem.file}:${problem.line}:${problem.col ?? 1}`;
  return `${problem.jobId}: ${where}: ${problem.message}`;
}

/** Orders problems by job id, then position, so output is stable. */
export function compareJobProblems(a: JobProblem, b: JobProblem): number {
  return (
    (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.col ?? 0) - (b.col ?? 0)
  );
}
