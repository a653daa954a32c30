import { BindError, InvalidValueError, UnknownJobError } from '../errors.js';
import { formatInstance, joinStates, sortArgs, type Args, type State } from '../runs/index.js';
import { evalEnabled, renderTemplate, type TemplateContext } from '../templates/index.js';
import type { ConditionSpec } from './spec.js';

/** What binding needs to know about other jobs. */
export interface JobLookup {
  /** The params of a job, or undefined when there is no such job. */
  params(jobId: string): readonly string[] | undefined;
}

/** The run a condition is bound to. */
export interface BindTarget {
  readonly runId: string | undefined;
  readonly jobId: string;
  readonly args: Args;
}

export type BoundCondition =
  | { type: 'dependency'; job_id: string; args: Args; states: State[]; exist: State[] | null }
  | { type: 'max_running'; count: number; job_id: string; args: Args }
  | {
      type: 'skip_duplicate';
      check_states: State[];
      target_state: State;
      job_id: string;
      args: Args;
      run_id: string | undefined;
    }
  | { type: 'const'; value: boolean };

/**
 * Binds `explicit` arg templates and the run's own args to the params of job
 * `jobId` (Apsis's `_bind`): an explicit arg wins, then the run's arg of the
 * same name; explicit args that are not params are dropped.
 */
export function bindArgs(
  jobId: string,
  params: readonly string[],
  explicit: Readonly<Record<string, string>>,
  runArgs: Args,
  context: TemplateContext,
): Args {
  const args: Args = {};
  for (const param of params) {
    const template = Object.hasOwn(explicit, param) ? explicit[param] : undefined;
    if (template !== undefined) args[param] = renderTemplate(template, context);
    else if (Object.hasOwn(runArgs, param)) args[param] = runArgs[param] as string;
    else throw new BindError(`no value for param ${param} of job ${jobId}`);
  }
  return sortArgs(args);
}

function targetParams(jobs: JobLookup, jobId: string): readonly string[] {
  const params = jobs.params(jobId);
  if (params === undefined) throw new UnknownJobError(jobId);
  return params;
}

/**
 * Binds a condition to a run (apsis-model.md §3.2, §4): evaluates `enabled`
 * (null when disabled), expands templates and resolves the target job.
 */
export function bindCondition(
  spec: ConditionSpec,
  run: BindTarget,
  context: TemplateContext,
  jobs: JobLookup,
): BoundCondition | null {
  if (!evalEnabled(spec.enabled, context)) return null;
  switch (spec.type) {
    case 'dependency': {
      const jobId = renderTemplate(spec.job_id, context);
      const args = bindArgs(jobId, targetParams(jobs, jobId), spec.args, run.args, context);
      return { type: 'dependency', job_id: jobId, args, states: spec.states, exist: spec.exist };
    }
    case 'max_running': {
      const text = renderTemplate(spec.count, context).trim();
      const count = Number(text);
      // As Python's int(): optional sign and digits only.
      if (!/^[+-]?\d+$/.test(text))
        throw new InvalidValueError(
          `max_running count: expected an integer, got ${JSON.stringify(text)}`,
        );
      const jobId = spec.job_id ?? run.jobId;
      // Apsis cannot bind explicit args here (NotImplementedError); we bind
      // them like a dependency's.
      const args =
        spec.args === null && jobId === run.jobId
          ? sortArgs(run.args)
          : bindArgs(jobId, targetParams(jobs, jobId), spec.args ?? {}, run.args, context);
      return { type: 'max_running', count, job_id: jobId, args };
    }
    case 'skip_duplicate':
      return {
        type: 'skip_duplicate',
        check_states: spec.check_states,
        target_state: spec.target_state,
        job_id: run.jobId,
        args: sortArgs(run.args),
        run_id: run.runId,
      };
    case 'const':
      return { type: 'const', value: spec.value };
  }
}

/** How Apsis prints a bound condition (`waiting until: <this>`). */
export function describeCondition(cond: BoundCondition): string {
  switch (cond.type) {
    case 'dependency':
      return (
        `dependency ${formatInstance(cond.job_id, cond.args)} is ${joinStates(cond.states)}` +
        (cond.exist === null ? '' : `, must exist as ${joinStates(cond.exist)}`)
      );
    case 'max_running':
      return `fewer than ${cond.count} runs of ${formatInstance(cond.job_id, cond.args)} running`;
    case 'skip_duplicate':
      return `transition to ${cond.target_state} if another ${formatInstance(cond.job_id, cond.args)} is ${cond.check_states.join('|')}`;
    case 'const':
      return `const ${cond.value ? 'true' : 'false'}`;
  }
}
