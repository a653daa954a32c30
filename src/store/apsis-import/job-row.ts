import { errorMessage } from '../../errors.js';
import { jobSchema, jobToJso } from '../../jobs/index.js';
import type { CalendarResolver } from '../../time/index.js';
import { formatPath, isMapping, problemsFromZod, safeParse } from '../../validation/index.js';

export type JobConversion =
  { ok: true; jobId: string; json: string } | { ok: false; problem: string };

/**
 * Rewrites what Apsis's `Job.to_jso()` writes but its own job files cannot
 * say, so the job reads as a job file again:
 * - an action's `if: {states: null}` (`states_to_jso` of every state) is `if: {}`;
 * - a daily schedule's calendar `all days` (ora's name for `all`) is `all`.
 */
function asJobFile(jso: Record<string, unknown>): Record<string, unknown> {
  const action = Array.isArray(jso.action)
    ? jso.action.map((a: unknown) => {
        if (!isMapping(a) || !isMapping(a.if) || a.if.states !== null) return a;
        const { states: _, ...rest } = a.if;
        return { ...a, if: rest };
      })
    : jso.action;
  const calendar = (s: unknown): unknown =>
    isMapping(s) && s.calendar === 'all days' ? { ...s, calendar: 'all' } : s;
  const schedule = Array.isArray(jso.schedule)
    ? jso.schedule.map((s: unknown) =>
        isMapping(s) && 'start' in s ? { ...s, start: calendar(s.start) } : calendar(s),
      )
    : jso.schedule;
  return { ...jso, action, schedule };
}

/**
 * One row of Apsis's `jobs` table (ad hoc jobs, `Job.to_jso()`), checked as
 * a job file is and stored in our form, or what is wrong with it.
 */
export function jobFromApsis(
  row: { job_id: unknown; job: unknown },
  calendars: CalendarResolver,
): JobConversion {
  const jobId = row.job_id;
  if (typeof jobId !== 'string')
    return { ok: false, problem: `job ${JSON.stringify(jobId)}: not a job id` };
  let jso: unknown;
  try {
    jso = JSON.parse(String(row.job));
  } catch (err) {
    return { ok: false, problem: `job ${jobId}: bad JSON: ${errorMessage(err)}` };
  }
  if (!isMapping(jso)) return { ok: false, problem: `job ${jobId}: expected a JSON object` };
  const parsed = safeParse(jobSchema(jobId, calendars), { ...asJobFile(jso), ad_hoc: true });
  if (!parsed.success) {
    const first = problemsFromZod(parsed.error)[0];
    const where = first === undefined ? '' : formatPath(first.path);
    return {
      ok: false,
      problem: `job ${jobId}: ${where === '' ? '' : `${where}: `}${first?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, jobId, json: JSON.stringify(jobToJso(parsed.data)) };
}
