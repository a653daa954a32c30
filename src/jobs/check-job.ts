import { bindCondition, type JobLookup } from '../conditions/index.js';
import { errorMessage, UnknownJobError } from '../errors.js';
import { bindProgram } from '../programs/index.js';
import {
  bindContext,
  checkTemplate,
  isTemplate,
  renderTemplate,
  type TemplateContext,
} from '../templates/index.js';
import type { CalendarResolver, Time } from '../time/index.js';
import { formatPath, isMapping, type PathKey } from '../validation/index.js';
import { argsMismatch, runArgs } from './instances.js';
import type { Job } from './job.js';
import type { JobProblem } from './problem.js';
import type { YamlSource } from './yaml-source.js';

export interface CheckContext {
  /** The instant from which each schedule's first run is taken. */
  readonly now: Time;
  readonly jobs: JobLookup;
  readonly calendars: CalendarResolver;
}

interface Located {
  path: PathKey[];
  message: string;
}

/** Every string in a value with its path, for finding the field a template error came from. */
function* stringLeaves(value: unknown, path: PathKey[]): Generator<[PathKey[], string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value))
    for (const [i, v] of value.entries()) yield* stringLeaves(v, [...path, i]);
  else if (isMapping(value))
    for (const [k, v] of Object.entries(value)) yield* stringLeaves(v, [...path, k]);
}

/** Blames the first templated field under `path` that fails to render, else `path` itself. */
function blame(value: unknown, path: PathKey[], context: TemplateContext, err: unknown): Located {
  for (const [leafPath, text] of stringLeaves(value, path)) {
    if (!isTemplate(text)) continue;
    try {
      renderTemplate(text, context);
    } catch (leafErr) {
      return { path: leafPath, message: errorMessage(leafErr) };
    }
  }
  return { path, message: errorMessage(err) };
}

/** Where each of the job's actions was written: `action:` entries come before `successors:`. */
function actionPath(source: YamlSource | undefined, index: number): PathKey[] {
  const doc = source?.value;
  const written = isMapping(doc) ? doc.action : undefined;
  const count =
    written === undefined || written === null ? 0 : Array.isArray(written) ? written.length : 1;
  return index < count ? ['action', index] : ['successors', index - count];
}

/** Template syntax everywhere a template may be written, bound or not. */
function checkSyntax(job: Job, source: YamlSource | undefined): Located[] {
  const found: Located[] = [];
  const scan = (value: unknown, path: PathKey[]) => {
    for (const [leafPath, text] of stringLeaves(value, path)) {
      if (!isTemplate(text)) continue;
      try {
        checkTemplate(text);
      } catch (err) {
        found.push({ path: leafPath, message: errorMessage(err) });
      }
    }
  };
  scan(job.program, ['program']);
  job.conditions.forEach((c, i) => scan(c, ['condition', i]));
  job.actions.forEach((a, i) => scan(a.args, [...actionPath(source, i), 'args']));
  return found;
}

/**
 * The static check Apsis falls back to when no run can be built: jobs named
 * by conditions and actions exist and get every param they need. We also run
 * it for actions always, since Apsis never binds actions.
 */
function checkReferences(
  job: Job,
  ctx: CheckContext,
  source: YamlSource | undefined,
  conditions: boolean,
): Located[] {
  const found: Located[] = [];
  const check = (
    jobId: string | null,
    explicit: Record<string, string> | null,
    what: string,
    path: PathKey[],
  ) => {
    if (jobId === null || isTemplate(jobId)) return;
    const params = ctx.jobs.params(jobId);
    if (params === undefined) {
      found.push({ path: [...path, 'job_id'], message: `unknown job ID in ${what}: ${jobId}` });
      return;
    }
    const given = Object.keys(explicit ?? {});
    for (const p of params) {
      if (!job.params.includes(p) && !given.includes(p))
        found.push({ path, message: `missing arg in ${what}: param ${p} of job ${jobId}` });
    }
    for (const a of given) {
      if (!params.includes(a))
        found.push({
          path: [...path, 'args', a],
          message: `extraneous arg in ${what}: param ${a} of job ${jobId}`,
        });
    }
  };
  job.actions.forEach((a, i) => check(a.job_id, a.args, 'action', actionPath(source, i)));
  if (conditions) {
    job.conditions.forEach((c, i) => {
      if (c.type === 'dependency') check(c.job_id, c.args, 'condition', ['condition', i]);
      else if (c.type === 'max_running' && c.job_id !== null)
        check(c.job_id, c.args, 'condition', ['condition', i]);
    });
  }
  return found;
}

/** Binds the run the schedule at `index` would create next, as the scheduler will. */
function checkSchedule(
  job: Job,
  index: number,
  ctx: CheckContext,
): { checked: boolean; found: Located[] } {
  const schedule = job.schedules[index];
  const path: PathKey[] = ['schedule', index];
  if (schedule === undefined) return { checked: false, found: [] };
  let first;
  try {
    first = schedule.times(ctx.now).next();
  } catch (err) {
    return { checked: false, found: [{ path, message: errorMessage(err) }] };
  }
  if (first.done) return { checked: false, found: [] };
  const args = runArgs(job, first.value);
  const mismatch = argsMismatch(job, args);
  if (mismatch !== undefined) return { checked: true, found: [{ path, message: mismatch }] };
  const context = bindContext({
    runId: undefined,
    jobId: job.jobId,
    args,
    calendars: ctx.calendars,
  });
  const found: Located[] = [];
  try {
    bindProgram(job.program, context);
  } catch (err) {
    found.push(blame(job.program, ['program'], context, err));
  }
  job.conditions.forEach((cond, i) => {
    try {
      bindCondition(cond, { runId: undefined, jobId: job.jobId, args }, context, ctx.jobs);
    } catch (err) {
      const path: PathKey[] = ['condition', i];
      found.push(
        err instanceof UnknownJobError
          ? { path: [...path, 'job_id'], message: errorMessage(err) }
          : blame(cond, path, context, err),
      );
    }
  });
  return { checked: true, found };
}

/**
 * The load-time check of one job (apsis-model.md §1.4): for each schedule,
 * enabled or not, build and bind the run of its first time at or after
 * `now`. Unlike Apsis, `schedule_time` counts as a supplied arg, template
 * syntax is checked everywhere, and actions are always checked.
 */
export function checkJob(
  job: Job,
  file: string,
  source: YamlSource | undefined,
  ctx: CheckContext,
): JobProblem[] {
  const found = checkSyntax(job, source);
  if (found.length === 0) {
    let checked = false;
    job.schedules.forEach((_, i) => {
      const result = checkSchedule(job, i, ctx);
      checked ||= result.checked;
      found.push(...result.found);
    });
    found.push(...checkReferences(job, ctx, source, !checked));
  }
  const seen = new Set<string>();
  const problems: JobProblem[] = [];
  for (const { path, message } of found) {
    const at = source?.locate(path);
    const text = `${formatPath(source ? source.writtenPath(path) : path)}: ${message}`;
    const key = `${at?.line}:${at?.col}:${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ jobId: job.jobId, file, line: at?.line, col: at?.col, message: text });
  }
  return problems;
}
