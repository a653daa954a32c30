import {
  BOUND_MAX_RUNNING,
  BOUND_SKIP_DUPLICATE,
  describeCondition,
  type BoundCondition,
  type ConditionSpec,
  type Enabled,
} from '../conditions/index.js';
import { formatInstance, joinStates, sortStates, type State } from '../runs/index.js';

type Jso = Record<string, unknown>;

/** Python's `repr()` of a str, bool or None. */
function pyRepr(value: Enabled): string {
  if (value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  const body = value
    .replaceAll('\\', '\\\\')
    .replaceAll(quote, `\\${quote}`)
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t');
  return `${quote}${body}${quote}`;
}

/** Apsis's `const` condition has no `__str__`, so it prints its `repr()`. */
function constStr(value: boolean, enabled: Enabled): string {
  return `ConstantCondition(${value ? 'True' : 'False'}, enabled=${pyRepr(enabled)})`;
}

/**
 * Dependency states: `states` only when not just `success`, `exist` when set
 * (apsis-model.md §4.2). Apsis keeps both as sets, so their order in its JSON
 * is arbitrary; ours is the states' own order.
 */
function dependencyStates(states: readonly State[], exist: readonly State[] | null): Jso {
  return {
    ...(states.length === 1 && states[0] === 'success' ? {} : { states: sortStates(states) }),
    ...(exist === null ? {} : { exist: sortStates(exist) }),
  };
}

/** A job's condition as the job object shows it (apsis-interfaces.md §2.2), with `str`. */
export function conditionApiJso(condition: ConditionSpec): Jso {
  // Apsis writes `enabled` right after `type`, and only when the job sets it.
  const head: Jso = {
    type: condition.type,
    ...(condition.enabled === undefined ? {} : { enabled: condition.enabled }),
  };
  switch (condition.type) {
    case 'dependency': {
      const exist = condition.exist;
      return {
        ...head,
        job_id: condition.job_id,
        args: condition.args,
        ...dependencyStates(condition.states, exist),
        str:
          `dependency ${formatInstance(condition.job_id, condition.args)}` +
          ` is ${joinStates(condition.states)}` +
          (exist === null ? '' : `, must exist as ${joinStates(exist)}`),
      };
    }
    case 'max_running':
      return {
        ...head,
        count: condition.count,
        job_id: condition.job_id,
        args: condition.args,
        str: `fewer than ${condition.count} runs running`,
      };
    case 'skip_duplicate':
      return {
        ...head,
        check_states: condition.check_states,
        target_state: condition.target_state,
        str: `transition to ${condition.target_state} if another run is ${condition.check_states.join('|')}`,
      };
    case 'const':
      return {
        ...head,
        value: condition.value,
        str: constStr(condition.value, condition.enabled),
      };
  }
}

/**
 * A run's bound condition as the run JSON shows it (apsis-interfaces.md §2.3):
 * `dependency` and `const` keep their aliases, the others are Python classes.
 * Apsis's bound `const` is the job's own object and so still carries its
 * `enabled`; ours does not keep it, so that `str` always shows `enabled=None`.
 */
export function boundConditionApiJso(condition: BoundCondition): Jso {
  switch (condition.type) {
    case 'dependency':
      return {
        type: condition.type,
        job_id: condition.job_id,
        args: condition.args,
        ...dependencyStates(condition.states, condition.exist),
        str: describeCondition(condition),
      };
    case 'max_running':
      return {
        type: BOUND_MAX_RUNNING,
        count: condition.count,
        job_id: condition.job_id,
        args: condition.args,
        str: describeCondition(condition),
      };
    case 'skip_duplicate':
      return {
        type: BOUND_SKIP_DUPLICATE,
        check_states: condition.check_states,
        target_state: condition.target_state,
        instance: [condition.job_id, condition.args],
        run_id: condition.run_id ?? null,
        str: describeCondition(condition),
      };
    case 'const':
      return {
        type: condition.type,
        value: condition.value,
        str: constStr(condition.value, undefined),
      };
  }
}
