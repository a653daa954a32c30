import type { Args, State } from '../runs/index.js';
import type { RunStore } from '../store/index.js';
import type { RunRegistry } from './run-registry.js';

export interface RunStateRef {
  readonly runId: string;
  readonly state: State;
}

/** Expected runs (not yet created) of one instance, from the scheduler. */
export type ExpectedRunsOf = (jobId: string, args: Args) => readonly string[];

/**
 * Every run of one instance (job id and exact args) in some states, across
 * memory and the database, with no lookback limit (apsis-model.md §4.2):
 * the registry's record wins over a stored row, since it may be newer than
 * the last commit; runs the scheduler only expects count as scheduled.
 */
export function instanceRuns(
  registry: RunRegistry,
  store: RunStore,
  expectedOf: ExpectedRunsOf,
  jobId: string,
  args: Args,
  states: ReadonlySet<State>,
): RunStateRef[] {
  const found = new Map<string, RunStateRef>();
  for (const run of store.queryRuns({ jobId, args, states: [...states] })) {
    if (!registry.has(run.runId)) found.set(run.runId, run);
  }
  for (const run of registry.matching(jobId, args, states)) found.set(run.runId, run);
  if (states.has('scheduled')) {
    for (const runId of expectedOf(jobId, args))
      if (!found.has(runId)) found.set(runId, { runId, state: 'scheduled' });
  }
  return [...found.values()];
}
