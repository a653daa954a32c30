import { fromCallback } from 'xstate';
import type { ConditionsInput, RunEvent } from '../../machines/run.js';
import { describeCondition, type BoundCondition } from '../conditions/index.js';
import { errorMessage } from '../errors.js';
import { formatInstance, joinStates, type Args, type State } from '../runs/index.js';
import type { RunStore } from '../store/index.js';
import type { Clock } from '../time/index.js';
import type { RunRegistry } from './run-registry.js';
import { instanceRuns, type ExpectedRunsOf } from './run-lookup.js';
import type { TransitionBus } from './transition-bus.js';

export interface ConditionDeps {
  /** Records an event the actor sends its run, for inspection. */
  readonly noteEvent?: (runId: string, type: string) => void;
  readonly clock: Clock;
  readonly registry: RunRegistry;
  readonly store: RunStore;
  readonly bus: TransitionBus;
  readonly expectedOf: ExpectedRunsOf;
}

type Check =
  | { kind: 'satisfied' }
  | { kind: 'transition'; state: State; reason: string }
  /** Not yet: check again when a run of this instance transitions. */
  | { kind: 'wait'; jobId: string; args: Readonly<Record<string, string>> }
  /** Not yet, and nothing will change that (a const false). */
  | { kind: 'never' };

const RUNNING: ReadonlySet<State> = new Set(['starting', 'running']);

function check(cond: BoundCondition, runId: string, deps: ConditionDeps): Check {
  const runsOf = (jobId: string, args: Args, states: ReadonlySet<State>) =>
    instanceRuns(deps.registry, deps.store, deps.expectedOf, jobId, args, states);
  switch (cond.type) {
    case 'const':
      return cond.value ? { kind: 'satisfied' } : { kind: 'never' };
    case 'dependency': {
      const relevant = new Set<State>([...cond.states, ...(cond.exist ?? [])]);
      const runs = runsOf(cond.job_id, cond.args, relevant);
      if (runs.some((r) => cond.states.includes(r.state))) return { kind: 'satisfied' };
      if (cond.exist !== null && !runs.some((r) => cond.exist?.includes(r.state))) {
        return {
          kind: 'transition',
          state: 'error',
          reason: `no dependency ${formatInstance(cond.job_id, cond.args)} exists in ${joinStates(cond.exist)}`,
        };
      }
      return { kind: 'wait', jobId: cond.job_id, args: cond.args };
    }
    case 'max_running': {
      // The database too, not just memory: while runs are being restored at
      // start, a running run may not be back in memory yet.
      const running = runsOf(cond.job_id, cond.args, RUNNING);
      return running.length < cond.count
        ? { kind: 'satisfied' }
        : { kind: 'wait', jobId: cond.job_id, args: cond.args };
    }
    case 'skip_duplicate': {
      // Memory, the database (finished runs, runs not yet restored) and the
      // scheduler's expected runs (which count as scheduled, as in Apsis).
      const runs = runsOf(cond.job_id, cond.args, new Set(cond.check_states));
      const other = runs.find((r) => r.runId !== runId);
      if (!other) return { kind: 'satisfied' };
      return {
        kind: 'transition',
        state: cond.target_state,
        reason: `transitioning to ${cond.target_state} because ${other.runId} ${other.state}`,
      };
    }
  }
}

/**
 * Waits for a run's bound conditions, in order (apsis-model.md §4.1). Each is
 * checked when reached; one that is not yet satisfied is checked again only
 * when a run of the instance it watches transitions (no polling). Checks and
 * the move to the next condition, up to `conditions.ready`, happen in one
 * synchronous step, so "last condition satisfied → starting" is atomic: of
 * duplicates released together, skip_duplicate lets exactly one through.
 */
export function conditionsWaiter(deps: ConditionDeps) {
  return fromCallback<RunEvent, ConditionsInput>(({ input, sendBack: send }) => {
    const sendBack = (event: RunEvent) => {
      deps.noteEvent?.(input.run.runId, event.type);
      send(event);
    };
    const conds = input.run.conds ?? [];
    let index = 0;
    let stopped = false;
    let unsubscribe: (() => void) | undefined;
    const now = () => deps.clock.now();
    const announce = (i: number) => {
      const cond = conds[i];
      if (cond)
        sendBack({ type: 'conditions.waiting', condition: describeCondition(cond), time: now() });
    };

    const advance = () => {
      while (!stopped && index < conds.length) {
        const cond = conds[index] as BoundCondition;
        let result: Check;
        try {
          result = check(cond, input.run.runId, deps);
        } catch (err) {
          sendBack({
            type: 'conditions.failed',
            condition: describeCondition(cond),
            message: errorMessage(err),
            time: now(),
          });
          return;
        }
        if (result.kind === 'satisfied') {
          index++;
          announce(index);
          continue;
        }
        if (result.kind === 'transition') {
          sendBack({
            type: 'conditions.transition',
            state: result.state,
            reason: result.reason,
            time: now(),
          });
          return;
        }
        if (result.kind === 'wait') {
          unsubscribe = deps.bus.subscribeInstance(result.jobId, result.args, () => {
            unsubscribe?.();
            unsubscribe = undefined;
            advance();
          });
        }
        return;
      }
      if (!stopped) sendBack({ type: 'conditions.ready', time: now() });
    };

    announce(0);
    advance();
    return () => {
      stopped = true;
      unsubscribe?.();
    };
  });
}
