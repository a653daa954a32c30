import { z } from 'zod';
import { reachable, STATES, isFinished, type State } from '../runs/index.js';
import { argsMap, stateField, statesField, stringish, typedSchema } from '../validation/index.js';

/** `enabled`: absent (always on), a bool, or a quoted template string (apsis-model.md §3.5). */
export type Enabled = boolean | string | undefined;

export interface DependencySpec {
  type: 'dependency';
  /** A template. */
  job_id: string;
  /** Arg templates. */
  args: Record<string, string>;
  states: State[];
  exist: State[] | null;
  enabled: Enabled;
}

export interface MaxRunningSpec {
  type: 'max_running';
  /** A template giving an integer. */
  count: string;
  /** Defaults to the run's own job. */
  job_id: string | null;
  /** Arg templates; null means the run's own args. */
  args: Record<string, string> | null;
  enabled: Enabled;
}

export interface SkipDuplicateSpec {
  type: 'skip_duplicate';
  check_states: State[];
  target_state: State;
  enabled: Enabled;
}

export interface ConstSpec {
  type: 'const';
  value: boolean;
  enabled: Enabled;
}

export type ConditionSpec = DependencySpec | MaxRunningSpec | SkipDuplicateSpec | ConstSpec;

const enabledField = z
  .unknown()
  .optional()
  .refine((v) => v === undefined || v === null || typeof v === 'boolean' || typeof v === 'string', {
    error: (iss) =>
      'enabled must be a bool or a quoted string in YAML' +
      ` (e.g. enabled: false or enabled: "{{ expr }}"); got ${JSON.stringify(iss.input)}`,
  })
  .transform((v) => (v === null ? undefined : (v as Enabled)));

const jobIdField = z
  .unknown()
  .refine((v) => typeof v === 'string', {
    error: (iss) =>
      iss.input === undefined
        ? 'missing key: job_id'
        : 'job_id must be a string; if using Jinja2 templates, make sure the value is quoted in YAML' +
          ` (e.g. job_id: '{{ region }}'); got ${JSON.stringify(iss.input)}`,
  })
  .transform((v) => v as string);

const DEFAULT_CHECK_STATES: State[] = ['waiting', 'starting', 'running'];

const conditionTypes = {
  dependency: z
    .strictObject({
      job_id: jobIdField,
      args: argsMap.default({}),
      states: statesField.default(['success']),
      exist: z.union([z.literal(true), statesField]).nullish(),
      enabled: enabledField,
    })
    .transform((o, ctx): DependencySpec => {
      const states = [...new Set(o.states)];
      let exist: State[] | null = null;
      if (o.exist === true) {
        // Every state from which some target state can still be reached.
        exist = STATES.filter((s) => states.some((t) => reachable(s).has(t)));
      } else if (o.exist) {
        exist = [...new Set(o.exist)];
        const missing = states.filter((s) => !exist?.includes(s));
        if (missing.length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['exist'],
            message: `exist must include every state in states; missing ${missing.join(', ')}`,
            input: o.exist,
          });
        }
      }
      return {
        type: 'dependency',
        job_id: o.job_id,
        args: o.args,
        states,
        exist,
        enabled: o.enabled,
      };
    }),
  max_running: z
    .strictObject({
      count: stringish.default('1'),
      job_id: z.string().nullish(),
      args: argsMap.nullish(),
      enabled: enabledField,
    })
    .transform((o): MaxRunningSpec => ({
      type: 'max_running',
      count: o.count,
      job_id: o.job_id ?? null,
      args: o.args ?? null,
      enabled: o.enabled,
    })),
  skip_duplicate: z
    .strictObject({
      check_states: statesField.default(DEFAULT_CHECK_STATES),
      target_state: stateField.default('skipped').refine(isFinished, {
        error: (iss) =>
          `invalid target state: ${String(iss.input)} (must be success, failure, error or skipped)`,
      }),
      enabled: enabledField,
    })
    .transform((o): SkipDuplicateSpec => ({
      type: 'skip_duplicate',
      check_states: [...new Set(o.check_states)],
      target_state: o.target_state,
      enabled: o.enabled,
    })),
  const: z
    .strictObject({ value: z.boolean(), enabled: enabledField })
    .transform((o): ConstSpec => ({ type: 'const', value: o.value, enabled: o.enabled })),
} satisfies Record<string, z.ZodType<ConditionSpec>>;

export const conditionSchema = typedSchema<ConditionSpec>('condition', conditionTypes);
