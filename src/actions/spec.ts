import { z } from 'zod';
import { STATES, type State } from '../runs/index.js';
import { argsMap, statesField, typedSchema } from '../validation/index.js';

/**
 * The `schedule` action (apsis-model.md §5.2): after a transition into one of
 * `if.states`, schedule a run of `job_id`. `args` are templates expanded with
 * the triggering run's args.
 */
export interface ScheduleActionSpec {
  type: 'schedule';
  job_id: string;
  args: Record<string, string>;
  /** The states that fire the action; every state when the job gives no `if`. */
  if: { states: State[] } | null;
}

export type ActionSpec = ScheduleActionSpec;

/** The states an action with no `if` fires on: all of them, as in Apsis. */
export function actionStates(action: ActionSpec): readonly State[] {
  return action.if?.states ?? STATES;
}

const ifSchema = z
  .strictObject({ states: statesField.optional() })
  .nullish()
  .transform((o) =>
    o == null || o.states === undefined ? null : { states: [...new Set(o.states)] },
  );

const actionTypes = {
  schedule: z
    .strictObject({ job_id: z.string(), args: argsMap.default({}), if: ifSchema })
    .transform((o): ScheduleActionSpec => ({
      type: 'schedule',
      job_id: o.job_id,
      args: o.args,
      if: o.if,
    })),
} satisfies Record<string, z.ZodType<ActionSpec>>;

export const actionSchema = typedSchema<ActionSpec>('action', actionTypes);

/**
 * `successors:` sugar: a job id, or `{job_id, args}`, becomes a schedule action
 * on success (apsis-model.md §1.3).
 */
export const successorSchema = z
  .union(
    [
      z.string().transform((job_id) => ({ job_id, args: {} })),
      z.strictObject({ job_id: z.string(), args: argsMap.default({}) }),
    ],
    {
      error: 'a successor is a job id or a mapping {job_id, args}',
    },
  )
  .transform((o): ScheduleActionSpec => ({
    type: 'schedule',
    job_id: o.job_id,
    args: o.args,
    if: { states: ['success'] },
  }));
