import { actionStates, type ActionSpec } from '../actions/index.js';
import { errorMessage } from '../errors.js';
import { formatInstance, type Args } from '../runs/index.js';
import type { RunRecord, RunStore } from '../store/index.js';
import { argsContext, renderTemplate } from '../templates/index.js';
import type { Clock } from '../time/index.js';
import type { JobTable } from './job-table.js';
import type { ScheduleRequest } from './operations.js';
import type { TransitionBus } from './transition-bus.js';

export interface ActionDeps {
  readonly clock: Clock;
  readonly store: RunStore;
  readonly bus: TransitionBus;
  readonly jobs: JobTable;
  /** Actions from the config's `action` key, for every run. */
  readonly globalActions: readonly ActionSpec[];
  readonly schedule: (request: ScheduleRequest, note?: (runId: string) => void) => RunRecord;
}

/**
 * Runs a `schedule` action for a run that reached a matching state
 * (apsis-model.md §5.2): expands the args with the run's args, passes on
 * every param of the target the run has, and schedules the target now.
 */
function runScheduleAction(deps: ActionDeps, action: ActionSpec, run: RunRecord): void {
  const context = argsContext(run.args);
  const args: Args = {};
  for (const [name, template] of Object.entries(action.args))
    args[name] = renderTemplate(template, context);
  const target = deps.jobs.require(action.job_id);
  for (const param of target.params) {
    if (!(param in args) && Object.hasOwn(run.args, param)) args[param] = run.args[param] as string;
  }
  const now = deps.clock.now();
  const created = deps.schedule({ jobId: target.jobId, args, time: 'now' }, (newId) => {
    deps.store.appendLog(newId, now, `scheduled by action of ${run.runId}`);
  });
  deps.store.appendLog(
    run.runId,
    now,
    `action scheduling ${formatInstance(target.jobId, args)} as ${created.runId}`,
  );
}

/**
 * Fires actions after every committed transition: the run's own (copied from
 * its job when it was bound) and the global ones from the config. They see
 * the run as it was at that transition; a failure goes to the run's log and
 * never changes its state. Returns the unsubscribe function.
 */
export function startActions(deps: ActionDeps): () => void {
  return deps.bus.subscribe((run) => {
    // A run's creation in `new` is not a transition (Apsis fires none there).
    if (run.state === 'new') return;
    for (const action of [...(run.actions ?? []), ...deps.globalActions]) {
      if (!actionStates(action).includes(run.state)) continue;
      try {
        runScheduleAction(deps, action, run);
      } catch (err) {
        // As Apsis records it (apsis-model.md §5.1): the message alone.
        deps.store.appendLog(run.runId, deps.clock.now(), `error: ${errorMessage(err)}`);
      }
    }
  });
}
