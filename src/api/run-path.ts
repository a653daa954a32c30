import { isState, STATES, type State } from '../runs/index.js';
import type { RunRecord, RunTransition } from '../store/index.js';
import { formatTimeJso } from '../time/index.js';

/**
 * Where a run's path comes from: `log`, every transition as recorded (schema
 * v3 on); `times`, rebuilt from the run's `times` (a run stored before v3),
 * with no events; `mixed`, a run stored before v3 that moved on after it:
 * rebuilt from `times` up to the first recorded transition, recorded after.
 */
export type PathSource = 'log' | 'times' | 'mixed';

/** A run's path through its states: its recorded transitions, or what `times` tells. */
export function runPath(
  run: RunRecord,
  logged: readonly RunTransition[],
): { source: PathSource; transitions: RunTransition[] } {
  const first = logged[0];
  if (first === undefined) {
    const rebuilt = pathFromTimes(run);
    // A run that never left `new` or was never stored (an expected run) has no path yet.
    return { source: rebuilt.length === 0 ? 'log' : 'times', transitions: rebuilt };
  }
  if (first.from === null || first.from === 'new')
    return { source: 'log', transitions: [...logged] };
  const rebuilt = pathFromTimes(run);
  let end = -1;
  for (let i = 0; i < rebuilt.length; i++) {
    const t = rebuilt[i] as RunTransition;
    if (t.time > first.time) break;
    if (t.to === first.from) end = i;
  }
  return { source: 'mixed', transitions: [...rebuilt.slice(0, end + 1), ...logged] };
}

/**
 * The states in `times` in time order (a tie in state order), each entered
 * from the one before, the first from `new`. `times` keeps one time per
 * state, so a state entered twice (marked back) shows once, at its last time.
 */
export function pathFromTimes(run: RunRecord): RunTransition[] {
  const entered = Object.entries(run.times)
    .filter((e): e is [State, number] => isState(e[0]) && e[0] !== 'new')
    .sort((a, b) => a[1] - b[1] || STATES.indexOf(a[0]) - STATES.indexOf(b[0]));
  let from: State = 'new';
  return entered.map(([to, time]) => {
    const t = { time, from, to, event: null };
    from = to;
    return t;
  });
}

export function runPathJso(
  runId: string,
  path: { source: PathSource; transitions: readonly RunTransition[] },
): Record<string, unknown> {
  return {
    run_id: runId,
    source: path.source,
    transitions: path.transitions.map((t) => ({
      time: formatTimeJso(t.time),
      from: t.from,
      to: t.to,
      event: t.event,
    })),
  };
}
