import { ArgumentError, errorMessage } from '../errors.js';
import {
  formatJobProblem,
  loadJobsDir,
  previewRuns,
  type Job,
  type PreviewRun,
} from '../jobs/index.js';
import {
  formatTime,
  getTimeZone,
  toLocal,
  UTC,
  type Time,
  type TimeZone,
  formatDate,
  formatDaytime,
} from '../time/index.js';
import { commandConfig, EXIT, type Io } from './context.js';
import { parseTimeArg } from './time-arg.js';

export interface PreviewOptions {
  config?: string;
  override?: string[];
  from: string;
  to?: string;
  count?: string;
  json?: boolean;
  tz?: string;
}

/** An instant in `tz` with its offset: `2026-03-08T03:00:00-04:00`. */
function formatIn(time: Time, tz: TimeZone): string {
  if (tz === UTC) return formatTime(time);
  const local = toLocal(time, tz);
  const offset = Math.round((time - (local.date * 86_400_000 + local.daytime)) / -60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${formatDate(local.date)}T${formatDaytime(local.daytime)}${sign}${hhmm}`;
}

function line(run: PreviewRun, tz: TimeZone): string {
  const args = Object.entries(run.args)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return [
    formatIn(run.time, tz),
    run.jobId,
    args === '' ? '-' : args,
    ...(run.stop === null ? [] : [`stop=${formatIn(run.stop, tz)}`]),
    ...(run.error === null ? [] : [`error: ${run.error}`]),
  ].join('  ');
}

function jsonLine(run: PreviewRun): string {
  return JSON.stringify({
    time: formatTime(run.time),
    job_id: run.jobId,
    args: run.args,
    stop: run.stop === null ? null : formatTime(run.stop),
    schedule: run.scheduleIndex,
    error: run.error,
  });
}

/**
 * `apsisctl preview DIR [JOB_ID…]`: prints the runs the schedules would
 * create between --from and --to (or the next --count), in time order. Needs
 * no daemon and no database. Jobs with problems are reported on stderr and
 * left out; the exit code is then 1.
 */
export async function preview(
  dir: string,
  jobIds: string[],
  options: PreviewOptions,
  io: Io,
  now: Time,
): Promise<number> {
  const tz = options.tz === undefined ? UTC : getTimeZone(options.tz);
  const from = parseTimeArg(options.from, now, tz);
  const to = options.to === undefined ? undefined : parseTimeArg(options.to, now, tz);
  let count: number | undefined;
  if (options.count !== undefined) {
    count = Number(options.count);
    if (!Number.isInteger(count) || count < 0)
      throw new ArgumentError(`--count must be a whole number, got ${options.count}`);
  }
  if (to === undefined && count === undefined)
    throw new ArgumentError('give --to TIME or --count N (or both)');
  if (to !== undefined && to < from) throw new ArgumentError('--to is before --from');

  const { calendars } = commandConfig(io, options);
  const { jobs, files, problems } = await loadJobsDir(dir, { calendars, now: from });
  for (const problem of problems) io.err(`${formatJobProblem(problem)}\n`);
  const known = new Set(files.map((f) => f.jobId));
  const unknown = jobIds.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new ArgumentError(`no such job: ${unknown.join(', ')}`);
  const selected: Job[] =
    jobIds.length === 0 ? [...jobs.values()] : jobIds.flatMap((id) => jobs.get(id) ?? []);

  let failed = problems.length > 0;
  const runs = previewRuns(selected, {
    from,
    to,
    count,
    onScheduleError: (jobId, index, err) => {
      failed = true;
      io.err(`${jobId}: schedule[${index}]: ${errorMessage(err)}\n`);
    },
  });
  for (const run of runs) io.out(`${options.json ? jsonLine(run) : line(run, tz)}\n`);
  return failed ? EXIT.problems : EXIT.ok;
}
