import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { runMachine, type RunEvent } from '../../machines/run.js';
import { STATES, TRANSITIONS, type State } from '../../src/runs/index.js';
import type { RunRecord } from '../../src/store/index.js';

const base: RunRecord = {
  runId: 'r7',
  jobId: 'job',
  args: {},
  state: 'new',
  times: { schedule: 1000 },
  meta: {},
  program: { type: 'no-op', duration: null, success: true },
  conds: [],
  actions: [],
  runState: null,
  timestamp: 0,
  expected: false,
};

const withConds: RunRecord = { ...base, conds: [{ type: 'const', value: true }] };

type Mode = 'new' | 'restore' | 'resume';

function snapshotIn(state: State, run: RunRecord = base, mode: Mode = 'resume') {
  // `resume` enters scheduled and finished states silently; the live states
  // are reached by playing events from `new`.
  const path: Partial<Record<State, RunEvent[]>> = {
    waiting: [
      { type: 'run.schedule', time: 1 },
      { type: 'run.due', time: 2 },
    ],
    starting: [
      { type: 'run.schedule', time: 1 },
      { type: 'run.due', time: 2 },
    ],
    running: [
      { type: 'run.schedule', time: 1 },
      { type: 'run.due', time: 2 },
      { type: 'program.running', runState: { start: 'x' }, time: 3 },
    ],
    stopping: [
      { type: 'run.schedule', time: 1 },
      { type: 'run.due', time: 2 },
      { type: 'program.running', runState: { start: 'x' }, time: 3 },
      { type: 'run.stop', time: 4 },
    ],
  };
  const events = path[state];
  if (!events)
    return initialTransition(runMachine, {
      run: { ...run, state },
      mode,
      now: 0,
      waitingMaxTimeMs: null,
    })[0];
  let [snapshot] = initialTransition(runMachine, {
    run: state === 'waiting' ? withConds : base,
    mode: 'new',
    now: 0,
    waitingMaxTimeMs: null,
  });
  for (const event of events) [snapshot] = transition(runMachine, snapshot, event);
  assert.equal(snapshot.context.run.state, state);
  return snapshot;
}

/** Every event that can move a run, with the target state it asks for where it names one. */
function eventsFor(to: State): RunEvent[] {
  const t = 10;
  return [
    { type: 'run.schedule', time: t },
    { type: 'run.due', time: t },
    { type: 'run.start', time: t },
    { type: 'run.skip', time: t },
    { type: 'run.stop', time: t },
    { type: 'run.mark', state: to, time: t },
    { type: 'run.fail', message: 'boom', time: t },
    { type: 'conditions.ready', time: t },
    { type: 'conditions.transition', state: to, reason: 'because', time: t },
    { type: 'program.running', runState: {}, time: t },
    { type: 'program.done', outcome: to === 'success' || to === 'failure' ? to : 'error', time: t },
  ];
}

/** The states a run in `from` can reach in one event, with the run's recorded state. */
function reachableInOneStep(from: State): Set<State> {
  const reached = new Set<State>();
  // Whether a due run waits depends on whether it has conditions: try both.
  for (const run of [base, withConds]) {
    for (const to of STATES) {
      for (const event of eventsFor(to)) {
        const [next] = transition(runMachine, snapshotIn(from, run), event);
        if (next.context.run.state !== from) reached.add(next.context.run.state);
      }
    }
  }
  return reached;
}

// Forced transitions (apsis-model.md §7.2): mark moves between finished
// states, and conditions may force a waiting run to any finished state.
const FORCED: Partial<Record<State, State[]>> = {
  success: ['failure', 'error', 'skipped'],
  failure: ['success', 'error', 'skipped'],
  error: ['success', 'failure', 'skipped'],
  skipped: ['success', 'failure'],
  waiting: ['success', 'failure'],
};

describe('the run machine', () => {
  it('makes exactly the transitions of the spec table, plus the forced ones', () => {
    for (const from of STATES) {
      const allowed = new Set<State>(STATES.filter((to) => TRANSITIONS[to].has(from)));
      for (const forced of FORCED[from] ?? []) allowed.add(forced);
      assert.deepEqual([...reachableInOneStep(from)].sort(), [...allowed].sort(), `from ${from}`);
    }
  });

  it('reaches every state from new (checked with xstate/graph)', () => {
    const [initial] = initialTransition(runMachine, {
      run: withConds,
      mode: 'new',
      now: 0,
      waitingMaxTimeMs: null,
    });
    const paths = getShortestPaths(runMachine, {
      fromState: initial,
      events: [
        { type: 'run.schedule', time: 1 },
        { type: 'run.due', time: 2 },
        { type: 'run.skip', time: 2 },
        { type: 'conditions.ready', time: 3 },
        { type: 'program.running', runState: {}, time: 4 },
        { type: 'run.stop', time: 5 },
        { type: 'program.done', outcome: 'success', time: 6 },
        { type: 'program.done', outcome: 'failure', time: 6 },
        { type: 'program.done', outcome: 'error', time: 6 },
      ],
      serializeState: (s) => String(s.context.run.state),
    });
    const reached = new Set(paths.map((p) => p.state.context.run.state));
    assert.deepEqual([...reached].sort(), [...STATES].sort());
  });

  it('goes from scheduled straight to starting when the run has no conditions', () => {
    const [next, actions] = transition(runMachine, snapshotIn('scheduled'), {
      type: 'run.due',
      time: 5,
    });
    assert.equal(next.context.run.state, 'starting');
    assert.deepEqual(
      actions.filter((a) => a.type === 'log').map((a) => (a.params as { message: string }).message),
      ['starting'],
    );
  });

  it('waits when the run has conditions, logging waiting', () => {
    const [next] = transition(runMachine, snapshotIn('scheduled', withConds), {
      type: 'run.due',
      time: 5,
    });
    assert.equal(next.context.run.state, 'waiting');
    assert.equal(next.context.run.times.waiting, 5);
  });

  it('records each state time, the timestamp, and elapsed from running to success', () => {
    let snapshot = snapshotIn('running');
    [snapshot] = transition(runMachine, snapshot, {
      type: 'program.done',
      outcome: 'success',
      time: 2503,
    });
    const run = snapshot.context.run;
    assert.deepEqual(run.times, {
      schedule: 1000,
      scheduled: 1,
      starting: 2,
      running: 3,
      success: 2503,
    });
    assert.equal(run.timestamp, 2503);
    assert.equal(run.meta.elapsed, 2.5);
    assert.equal(run.runState, null);
  });

  it('keeps the program run state while running and adds stopping: true when stopping', () => {
    let snapshot = snapshotIn('running');
    assert.deepEqual(snapshot.context.run.runState, { start: 'x' });
    [snapshot] = transition(runMachine, snapshot, { type: 'run.stop', time: 9 });
    assert.deepEqual(snapshot.context.run.runState, { start: 'x', stopping: true });
  });

  it('treats stop of a stopping run as a no-op', () => {
    const snapshot = snapshotIn('stopping');
    const [next, actions] = transition(runMachine, snapshot, { type: 'run.stop', time: 20 });
    assert.equal(next.context.run.state, 'stopping');
    assert.deepEqual(actions, []);
  });

  it('logs the override messages of start', () => {
    const messages = (state: State, run: RunRecord) =>
      transition(runMachine, snapshotIn(state, run), { type: 'run.start', time: 7 })[1]
        .filter((a) => a.type === 'log')
        .map((a) => (a.params as { message: string }).message);
    assert.deepEqual(messages('scheduled', base), [
      'scheduled run started by override',
      'starting',
    ]);
    assert.deepEqual(messages('waiting', withConds), [
      'waiting run started by override',
      'starting',
    ]);
  });

  it('refuses operations a state does not allow (snapshot.can)', () => {
    assert.equal(snapshotIn('running').can({ type: 'run.skip', time: 1 }), false);
    assert.equal(snapshotIn('success').can({ type: 'run.start', time: 1 }), false);
    assert.equal(snapshotIn('scheduled').can({ type: 'run.stop', time: 1 }), false);
    assert.equal(snapshotIn('success').can({ type: 'run.mark', state: 'success', time: 1 }), false);
    assert.equal(snapshotIn('success').can({ type: 'run.mark', state: 'failure', time: 1 }), true);
  });

  it('takes running and a result that came with it in one step, passing through running', () => {
    const [next, actions] = transition(runMachine, snapshotIn('starting'), {
      type: 'program.running',
      runState: { start: 'x' },
      done: { outcome: 'failure', message: 'exit code 1' },
      time: 9,
    });
    assert.equal(next.context.run.state, 'failure');
    assert.equal(next.context.run.times.running, 9);
    assert.equal(next.context.run.times.failure, 9);
    assert.deepEqual(
      actions.filter((a) => a.type === 'log').map((a) => (a.params as { message: string }).message),
      ['running', 'failure: exit code 1'],
    );
    assert.equal(actions.filter((a) => a.type === 'persist').length, 2);
  });

  it('ends a program that finishes before running in error rather than skipping a state', () => {
    const [next] = transition(runMachine, snapshotIn('starting'), {
      type: 'program.done',
      outcome: 'success',
      time: 5,
    });
    assert.equal(next.context.run.state, 'error');
  });

  it('makes an expected run ordinary once it leaves scheduled', () => {
    const expected = { ...base, expected: true };
    const [snapshot] = initialTransition(runMachine, {
      run: expected,
      mode: 'new',
      now: 0,
      waitingMaxTimeMs: null,
    });
    const [scheduled] = transition(runMachine, snapshot, { type: 'run.schedule', time: 1 });
    assert.equal(scheduled.context.run.expected, true);
    const [starting] = transition(runMachine, scheduled, { type: 'run.due', time: 2 });
    assert.equal(starting.context.run.expected, false);
  });
});

describe('restoring a run from the database', () => {
  const restore = (state: State) =>
    initialTransition(runMachine, {
      run: { ...base, state, runState: state === 'running' ? { start: 'x' } : null },
      mode: 'restore',
      now: 50,
      waitingMaxTimeMs: null,
    });
  const logs = (actions: ReturnType<typeof restore>[1]) =>
    actions.filter((a) => a.type === 'log').map((a) => (a.params as { message: string }).message);

  it('resumes scheduled and waiting runs, logging restored', () => {
    for (const state of ['scheduled', 'waiting'] as const) {
      const [snapshot, actions] = restore(state);
      assert.equal(snapshot.context.run.state, state);
      assert.deepEqual(logs(actions), ['restored']);
    }
  });

  it('ends starting and stopping runs in error: they might have started or stopped', () => {
    const [starting, a1] = restore('starting');
    assert.equal(starting.context.run.state, 'error');
    assert.deepEqual(logs(a1), ['restored starting: might have started']);
    const [stopping, a2] = restore('stopping');
    assert.equal(stopping.context.run.state, 'error');
    assert.deepEqual(logs(a2), ['restored stopping: might have stopped']);
  });

  it('reconnects a running run instead of starting its program again', () => {
    const [snapshot, actions] = restore('running');
    assert.equal(snapshot.context.run.state, 'running');
    assert.equal(snapshot.context.reconnect, true);
    assert.deepEqual(logs(actions), ['reconnecting']);
    const spawn = actions.find((a) => a.type === 'xstate.spawnChild');
    assert.equal((spawn?.params as unknown as { input: { mode: string } }).input.mode, 'reconnect');
  });

  it('enters finished states without writing anything', () => {
    for (const state of ['success', 'failure', 'error', 'skipped'] as const) {
      const [snapshot, actions] = restore(state);
      assert.equal(snapshot.context.run.state, state);
      assert.deepEqual(
        actions.filter((a) => a.type === 'persist'),
        [],
      );
    }
  });
});
