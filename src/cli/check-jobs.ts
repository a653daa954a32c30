import { formatJobProblem, loadJobsDir } from '../jobs/index.js';
import { UTC, type Time } from '../time/index.js';
import { commandConfig, EXIT, type Io } from './context.js';
import { parseTimeArg } from './time-arg.js';

export interface CheckJobsOptions {
  config?: string;
  override?: string[];
  json?: boolean;
  at?: string;
}

/**
 * `apsisctl check-jobs DIR`: loads and checks every job, printing each
 * problem as `JOB_ID: FILE:LINE:COL: message`. Returns the exit code: 0 when
 * there are none, 1 when there are.
 */
export async function checkJobs(
  dir: string,
  options: CheckJobsOptions,
  io: Io,
  now: Time,
): Promise<number> {
  const { calendars } = commandConfig(io, options);
  const at = options.at === undefined ? now : parseTimeArg(options.at, now, UTC);
  const { jobs, files, problems } = await loadJobsDir(dir, { calendars, now: at });
  if (options.json) {
    io.out(
      JSON.stringify(
        {
          ok: problems.length === 0,
          jobs: files.length,
          valid: jobs.size,
          problems: problems.map((p) => ({
            job_id: p.jobId,
            file: p.file,
            line: p.line ?? null,
            col: p.col ?? null,
            message: p.message,
          })),
        },
        null,
        2,
      ) + '\n',
    );
  } else if (problems.length === 0) {
    io.out(`${files.length} jobs OK\n`);
  } else {
    for (const problem of problems) io.out(`${formatJobProblem(problem)}\n`);
    const broken = new Set(problems.map((p) => p.jobId)).size;
    io.err(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${broken} of ${files.length} jobs\n`,
    );
  }
  return problems.length === 0 ? EXIT.ok : EXIT.problems;
}
