import { isDeepStrictEqual } from 'node:util';
import { actionStates, type ActionSpec } from '../actions/index.js';
import type { ConditionSpec, DependencySpec, JobLookup } from '../conditions/index.js';
import { jobToJso, scheduleToJso, type Job } from '../jobs/index.js';
import { formatInstance, joinStates, sortStates, STATES, type Args } from '../runs/index.js';
import type { StartSchedule } from '../schedules/index.js';
import {
  bindContext,
  evalEnabled,
  isTemplate,
  renderTemplate,
  TemplateEvalError,
  TemplateNameError,
  TemplateSyntaxError,
  type TemplateContext,
} from '../templates/index.js';
import type { CalendarResolver } from '../time/index.js';
import { conditionApiJso } from './condition-jso.js';
import { programApiJso } from './program-jso.js';

type Jso = Record<string, unknown>;

/**
 * A schedule as the job object shows it (apsis-interfaces.md §2.2): its JSO,
 * or `{start, stop}` with a stop schedule, plus `str` and `enabled`.
 */
export function scheduleApiJso(schedule: StartSchedule): Jso {
  const jso = scheduleToJso(schedule);
  jso.str = schedule.stop === undefined ? `${schedule}` : `${schedule}, ${schedule.stop}`;
  jso.enabled = schedule.enabled;
  return jso;
}

/**
 * A job's action as the job object shows it. Apsis writes `if.states` as null
 * when every state fires the action; its serializer crashes on an action with
 * no `if` (apsis-model.md §5.2), which fires on every state, so we write that
 * one the same way. Apsis's `schedule` action has no `__str__` (it prints a
 * Python repr); ours names the job and the states.
 */
export function actionApiJso(action: ActionSpec): Jso {
  const states = actionStates(action);
  const all = STATES.every((s) => states.includes(s));
  return {
    type: action.type,
    job_id: action.job_id,
    args: action.args,
    if: { states: all ? null : sortStates(states) },
    str:
      `schedule ${formatInstance(action.job_id, action.args)}` +
      (all ? ' on every state' : ` on ${joinStates(states)}`),
  };
}

export interface JobApiDeps {
  /** The params of a dependency's target job, to resolve its args. */
  jobs: JobLookup;
  calendars: CalendarResolver;
}

/**
 * A template that cannot be expanded from a schedule's static args: a name
 * such as `date` is only known once the schedule generates a time. Apsis
 * catches NameError and SyntaxError here; it lets any other error fail the
 * whole request, which we treat as unresolvable too.
 */
function isUnresolvable(error: unknown): boolean {
  return (
    error instanceof TemplateNameError ||
    error instanceof TemplateSyntaxError ||
    error instanceof TemplateEvalError
  );
}

function tryRender(template: string, context: TemplateContext): string | undefined {
  try {
    return renderTemplate(template, context);
  } catch (error) {
    if (isUnresolvable(error)) return undefined;
    throw error;
  }
}

/** Unresolvable ⇒ enabled (apsis-interfaces.md §2.2). */
function isEnabledFor(condition: ConditionSpec, context: TemplateContext): boolean {
  try {
    return evalEnabled(condition.enabled, context);
  } catch (error) {
    if (isUnresolvable(error)) return true;
    throw error;
  }
}

/**
 * A dependency's target job and args for one schedule: one arg per target
 * param (explicit arg expanded, else the schedule's arg, else the literal
 * `{{ param }}`), concrete values first, then by name.
 */
function resolveDependency(
  dep: DependencySpec,
  scheduleArgs: Args,
  context: TemplateContext,
  jobs: JobLookup,
): Jso {
  const jobId = isTemplate(dep.job_id) ? (tryRender(dep.job_id, context) ?? null) : dep.job_id;
  const params = jobId === null ? undefined : jobs.params(jobId);
  const expand = (template: string) => tryRender(template, context) ?? template;
  const args: [string, string][] =
    params === undefined
      ? Object.entries(dep.args).map(([name, template]) => [name, expand(template)])
      : params.map((param) => [
          param,
          Object.hasOwn(dep.args, param)
            ? expand(dep.args[param] as string)
            : Object.hasOwn(scheduleArgs, param)
              ? (scheduleArgs[param] as string)
              : `{{ ${param} }}`,
        ]);
  const rank = ([name, value]: [string, string]) => [isTemplate(value) ? 1 : 0, name] as const;
  args.sort((a, b) => {
    const [ta, na] = rank(a);
    const [tb, nb] = rank(b);
    return ta - tb || (na < nb ? -1 : na > nb ? 1 : 0);
  });
  return { resolved_job_id: jobId, resolved_args: Object.fromEntries(args) };
}

/**
 * `common_conditions` and `resolved_conditions` (apsis-interfaces.md §2.2):
 * each condition not literally disabled, resolved against each schedule's
 * static args. One identical and enabled for every schedule is common; any
 * other goes, where enabled, under its schedule.
 */
function resolveConditions(job: Job, deps: JobApiDeps): Jso {
  const common: Jso[] = [];
  const groups = job.schedules.map((s) => ({ schedule_args: s.args, conditions: [] as Jso[] }));
  const resolve = (condition: ConditionSpec, args: Args, context: TemplateContext): Jso =>
    condition.type === 'dependency'
      ? { ...conditionApiJso(condition), ...resolveDependency(condition, args, context, deps.jobs) }
      : conditionApiJso(condition);
  // Apsis expands with its template helpers and the schedule's args only, so
  // `job_id` and `run_id` stay unexpanded there. Ours is the binding context:
  // `job_id` is this job's id, as at bind time, and `run_id` is None.
  const contextFor = (args: Args) =>
    bindContext({ runId: undefined, jobId: job.jobId, args, calendars: deps.calendars });
  const contexts = job.schedules.map((s) => contextFor(s.args));

  for (const condition of job.conditions) {
    if (condition.enabled === false) continue;
    if (job.schedules.length === 0) {
      // Without schedule args a templated target cannot be named: left out.
      if (condition.type === 'dependency' && isTemplate(condition.job_id)) continue;
      common.push(resolve(condition, {}, contextFor({})));
      continue;
    }
    const entries = job.schedules.map((schedule, i) => {
      const context = contexts[i] as TemplateContext;
      return isEnabledFor(condition, context) ? resolve(condition, schedule.args, context) : null;
    });
    const first = entries[0];
    if (first && entries.every((e) => e !== null && isDeepStrictEqual(e, first))) {
      common.push(first);
    } else {
      entries.forEach((entry, i) => {
        if (entry !== null) groups[i]?.conditions.push(entry);
      });
    }
  }
  return { common_conditions: common, resolved_conditions: groups };
}

/**
 * The job object of `GET /api/v1/jobs/<id>` (apsis-interfaces.md §2.2): the
 * stored job (`jobToJso`) with each schedule, the program, each condition and
 * each action shown with `str`, and the conditions resolved per schedule.
 */
export function jobApiJso(job: Job, deps: JobApiDeps): Jso {
  const stored = jobToJso(job);
  return {
    job_id: stored.job_id,
    params: stored.params,
    schedule: job.schedules.map(scheduleApiJso),
    program: programApiJso(job.program),
    condition: job.conditions.map(conditionApiJso),
    ...resolveConditions(job, deps),
    action: job.actions.map(actionApiJso),
    metadata: stored.metadata,
    ad_hoc: stored.ad_hoc,
  };
}
