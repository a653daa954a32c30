/** Run states in Apsis's order (apsis-model.md §7.1). */
export const STATES = [
  'new',
  'scheduled',
  'waiting',
  'starting',
  'running',
  'stopping',
  'success',
  'failure',
  'error',
  'skipped',
] as const;

export type State = (typeof STATES)[number];

export const FINISHED_STATES: ReadonlySet<State> = new Set([
  'success',
  'failure',
  'error',
  'skipped',
]);
/** States whose runs have a task or program in flight. */
export const ACTIVE_STATES: ReadonlySet<State> = new Set([
  'waiting',
  'starting',
  'running',
  'stopping',
]);

/** Allowed transitions, to ← from (apsis-model.md §7.2). */
export const TRANSITIONS: Readonly<Record<State, ReadonlySet<State>>> = {
  new: new Set(),
  scheduled: new Set(['new']),
  waiting: new Set(['scheduled']),
  starting: new Set(['scheduled', 'waiting']),
  running: new Set(['starting']),
  stopping: new Set(['running']),
  success: new Set(['running', 'stopping']),
  failure: new Set(['running', 'stopping']),
  skipped: new Set(['new', 'scheduled', 'waiting']),
  error: new Set(['new', 'scheduled', 'waiting', 'starting', 'running', 'stopping', 'skipped']),
};

export function isState(value: unknown): value is State {
  return typeof value === 'string' && (STATES as readonly string[]).includes(value);
}

export function isFinished(state: State): boolean {
  return FINISHED_STATES.has(state);
}

/** States reachable from `state` by zero or more transitions. */
export function reachable(state: State): Set<State> {
  const result = new Set<State>([state]);
  for (let grew = true; grew;) {
    grew = false;
    for (const to of STATES) {
      if (!result.has(to) && [...TRANSITIONS[to]].some((from) => result.has(from))) {
        result.add(to);
        grew = true;
      }
    }
  }
  return result;
}

/** Sorts states into Apsis's order and joins them as `success|failure`. */
export function joinStates(states: Iterable<State>): string {
  return sortStates(states).join('|');
}

export function sortStates(states: Iterable<State>): State[] {
  return [...new Set(states)].sort((a, b) => STATES.indexOf(a) - STATES.indexOf(b));
}
