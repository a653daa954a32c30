import { and, fromCallback, or, setup, stateIn, type AnyEventObject } from 'xstate';
import type { State } from '../src/runs/states.js';
import { textOutput, type RunOutput } from '../src/runs/output.js';
import { formatSeconds } from '../src/time/duration.js';
import type {
  ConditionsInput,
  ProgramCommand,
  ProgramInput,
  RunContext,
  RunEvent,
  RunInput,
} from './run-events.js';
import { transitionRecord, updateRecordMeta, type TransitionUpdate } from './run-record.js';

export type {
  ConditionsInput,
  ProgramCommand,
  ProgramInput,
  ProgramResult,
  RunContext,
  RunEvent,
  RunInput,
} from './run-events.js';

type Args = { context: RunContext; event: RunEvent };

/** The time an event happened: every run event is stamped; XState's own events are not. */
function eventTime({ context, event }: { context: RunContext; event: AnyEventObject }): number {
  return typeof event.time === 'number' ? event.time : context.now;
}

const finishedStates = ['success', 'failure', 'error', 'skipped'] as const;

/** Never fires: the delay when there is no limit (setTimeout's maximum). */
const NEVER_MS = 2 ** 31 - 1;

/**
 * The run state model (apsis-model.md §7) as one machine. Operations are
 * events; side effects are named here and provided by src/runtime:
 *
 * - `persist` writes the run; the runtime publishes the transition and fires
 *   the run's actions only after the write commits (write-ahead).
 * - `log` appends to the run log; `saveOutputs` stores program output.
 * - `saveMeta` stores the run after a metadata update within its state: the
 *   API shows it, but it is no transition, so nothing reacts to it.
 * - the `conditions` actor waits for the bound conditions, in order;
 * - the `program` actor starts (or reconnects to) the program, reports its
 *   updates and result, and accepts stop and signal commands.
 *
 * Transitions carry the side effects, not state entries, so a run restored
 * from the database re-enters its state without writing it again.
 */
const runSetup = setup({
  types: {
    context: {} as RunContext,
    events: {} as RunEvent,
    input: {} as RunInput,
  },
  actors: {
    conditions: fromCallback<RunEvent, ConditionsInput>(() => undefined),
    program: fromCallback<ProgramCommand, ProgramInput>(() => undefined),
  },
  actions: {
    persist: () => undefined,
    log: (_, _params: { message: string }) => undefined,
    saveOutputs: (_, _params: { outputs: readonly RunOutput[]; final: boolean }) => undefined,
    saveMeta: () => undefined,
  },
  guards: {
    hasConditions: ({ context }) => (context.run.conds?.length ?? 0) > 0,
    dueNow: ({ context }) => context.dueNow,
    restoredIn: ({ context }, params: { state: State }) => context.restoredFrom === params.state,
    restored: ({ context }) => context.restored,
    created: ({ context }) => context.restoredFrom === null,
    finishedAtOnce: ({ event }) => event.type === 'program.running' && event.done !== undefined,
    hasWaitingLimit: ({ context }) => context.waitingMaxTimeMs !== null,
    hasStopTime: ({ context }) => context.run.times.stop !== undefined,
    eventState: ({ event }, params: { state: State }) =>
      'state' in event && event.state === params.state,
    outcome: ({ event }, params: { outcome: 'success' | 'failure' | 'error' }) =>
      event.type === 'program.done' && event.outcome === params.outcome,
  },
  delays: {
    // Measured from when the run started waiting, so it spans restarts.
    waitingTimeout: ({ context }) =>
      context.waitingMaxTimeMs === null
        ? NEVER_MS
        : Math.max(
            0,
            (context.run.times.waiting ?? context.now) + context.waitingMaxTimeMs - context.now,
          ),
    untilStopTime: ({ context }) =>
      context.run.times.stop === undefined
        ? NEVER_MS
        : Math.max(0, context.run.times.stop - context.now),
  },
});

/** Assigns the transition to `state`: times, timestamp, run state, metadata. */
function enter(
  state: State,
  update?: (args: Args) => TransitionUpdate,
  at?: (context: RunContext) => number,
) {
  return runSetup.assign(({ context, event }) => {
    const time = at ? at(context) : eventTime({ context, event });
    return {
      now: time,
      run: transitionRecord(context.run, state, time, update?.({ context, event })),
    };
  });
}

/** A fixed line for the run log. */
function log(message: string) {
  return { type: 'log' as const, params: { message } };
}

/** Enters `state`, writes it, and logs its name, as Apsis logs `waiting`, `starting`, `skipped`. */
function moveTo(state: State) {
  return [enter(state), 'persist' as const, log(state)];
}

/** Out of scheduled, when due or started: to waiting if the run has conditions, else starting. */
function release(override?: string) {
  const first = override === undefined ? [] : [log(override)];
  return [
    {
      guard: 'hasConditions' as const,
      target: 'waiting',
      actions: [...first, ...moveTo('waiting')],
    },
    { target: 'live', actions: [...first, ...moveTo('starting')] },
  ];
}

/** Into running: the program's run state, metadata and times recorded. */
function toRunning() {
  return [
    enter('running', ({ event }) =>
      event.type === 'program.running'
        ? { runState: event.runState, meta: event.meta, times: event.times }
        : {},
    ),
    'persist' as const,
    log('running'),
  ];
}

const skip = { target: 'skipped', actions: moveTo('skipped') };

export const runMachine = runSetup.createMachine({
  id: 'run',
  context: ({ input }) => ({
    run: input.run,
    now: input.now,
    restoredFrom: input.mode === 'new' ? null : input.run.state,
    restored: input.mode === 'restore',
    reconnect: input.mode === 'restore' && input.run.state === 'running',
    dueNow: false,
    waitingFor: null,
    waitingMaxTimeMs: input.waitingMaxTimeMs,
  }),
  initial: 'init',
  states: {
    init: {
      always: [
        // A new run first: it is by far the commonest, and guards run in order.
        { guard: 'created', target: 'new' },
        { guard: { type: 'restoredIn', params: { state: 'new' } }, target: 'new' },
        {
          guard: and([{ type: 'restoredIn', params: { state: 'scheduled' as const } }, 'restored']),
          target: 'scheduled',
          actions: log('restored'),
        },
        { guard: { type: 'restoredIn', params: { state: 'scheduled' } }, target: 'scheduled' },
        {
          guard: { type: 'restoredIn', params: { state: 'waiting' } },
          target: 'waiting',
          actions: log('restored'),
        },
        {
          // It may or may not have started its program: it must not run twice.
          guard: { type: 'restoredIn', params: { state: 'starting' } },
          target: 'error',
          actions: [enter('error'), 'persist', log('restored starting: might have started')],
        },
        {
          guard: { type: 'restoredIn', params: { state: 'running' } },
          target: 'live.running',
          actions: log('reconnecting'),
        },
        {
          guard: { type: 'restoredIn', params: { state: 'stopping' } },
          target: 'error',
          actions: [enter('error'), 'persist', log('restored stopping: might have stopped')],
        },
        { guard: { type: 'restoredIn', params: { state: 'success' } }, target: 'success' },
        { guard: { type: 'restoredIn', params: { state: 'failure' } }, target: 'failure' },
        { guard: { type: 'restoredIn', params: { state: 'error' } }, target: 'error' },
        { guard: { type: 'restoredIn', params: { state: 'skipped' } }, target: 'skipped' },
        { target: 'new' },
      ],
    },

    new: {
      on: {
        'run.schedule': {
          target: 'scheduled',
          actions: [
            enter('scheduled'),
            'persist',
            runSetup.assign({
              dueNow: ({ event }) => event.type === 'run.schedule' && event.due === true,
            }),
          ],
        },
        'run.skip': skip,
      },
    },

    scheduled: {
      // Scheduled and due in one step: a run released by the scheduler or
      // scheduled for now is written once, not once per state.
      always: release().map((t) => ({
        ...t,
        guard: t.guard ? and(['dueNow', t.guard]) : 'dueNow',
      })),
      on: {
        'run.due': release(),
        'run.start': release('scheduled run started by override'),
        'run.skip': skip,
      },
    },

    waiting: {
      invoke: {
        id: 'conditions',
        src: 'conditions',
        input: ({ context }) => ({ run: context.run }),
      },
      after: {
        waitingTimeout: {
          guard: 'hasWaitingLimit',
          target: 'error',
          actions: [
            enter('error', undefined, (c) =>
              Math.max(c.now, (c.run.times.waiting ?? c.now) + (c.waitingMaxTimeMs ?? 0)),
            ),
            {
              type: 'log',
              params: ({ context }) => ({
                message: `waiting for ${context.waitingFor ?? 'conditions'}: timeout after ${formatSeconds((context.waitingMaxTimeMs ?? 0) / 1000)} s`,
              }),
            },
            'persist',
          ],
        },
      },
      on: {
        'conditions.waiting': {
          actions: [
            runSetup.assign({
              waitingFor: ({ event }) => ('condition' in event ? event.condition : null),
              now: ({ event }) => event.time,
            }),
            {
              type: 'log',
              params: ({ event }) => ({ message: `waiting until: ${event.condition}` }),
            },
          ],
        },
        'conditions.ready': { target: 'live', actions: moveTo('starting') },
        // Forced: a condition may send the run to any finished state (Apsis
        // allows only error and skipped here and wedges on the others).
        'conditions.transition': finishedStates.map((state) => ({
          guard: { type: 'eventState' as const, params: { state } },
          target: state,
          actions: [
            {
              type: 'log' as const,
              params: ({ event }: Args) => ({ message: 'reason' in event ? event.reason : state }),
            },
            enter(state),
            'persist' as const,
          ],
        })),
        'conditions.failed': {
          target: 'error',
          actions: [
            {
              type: 'log',
              params: ({ event }) => ({ message: `waiting for ${event.condition}: failed` }),
            },
            { type: 'log', params: ({ event }) => ({ message: `error: ${event.message}` }) },
            {
              type: 'saveOutputs',
              params: ({ event }) => ({
                outputs: [textOutput('output', 'output', event.message)],
                final: true,
              }),
            },
            enter('error'),
            'persist',
          ],
        },
        'run.start': {
          target: 'live',
          actions: [log('waiting run started by override'), ...moveTo('starting')],
        },
        'run.skip': skip,
      },
    },

    // The program lives across starting, running and stopping.
    live: {
      initial: 'starting',
      invoke: {
        id: 'program',
        src: 'program',
        input: ({ context }) => ({
          run: context.run,
          mode: context.reconnect ? ('reconnect' as const) : ('start' as const),
        }),
        // The program actor threw: the run errs with the message as output.
        onError: {
          target: 'error',
          actions: [
            {
              type: 'log',
              params: ({ event }: { event: AnyEventObject }) => ({
                message: `error: ${errorText(event)}`,
              }),
            },
            {
              type: 'saveOutputs',
              params: ({ event }: { event: AnyEventObject }) => ({
                outputs: [textOutput('traceback', 'traceback', errorText(event))],
                final: true,
              }),
            },
            enter('error'),
            'persist',
          ],
        },
      },
      states: {
        starting: {
          on: {
            'program.running': [
              {
                guard: 'finishedAtOnce',
                target: 'running',
                actions: [
                  ...toRunning(),
                  runSetup.raise(({ event }) =>
                    event.type === 'program.running' && event.done
                      ? { ...event.done, type: 'program.done' as const, time: event.time }
                      : {
                          type: 'program.done' as const,
                          outcome: 'error' as const,
                          time: event.time,
                        },
                  ),
                ],
              },
              { target: 'running', actions: toRunning() },
            ],
          },
        },
        running: {
          // Only a run with a stop time gets a timer for it: thousands of
          // running runs need none.
          initial: 'untimed',
          states: {
            untimed: { always: { guard: 'hasStopTime', target: 'timed' } },
            timed: {
              after: {
                untilStopTime: {
                  // A delayed transition carries no time: it fires at the stop time
                  // (or at once, when that had passed before the run was running).
                  actions: runSetup.raise(({ context }) => ({
                    type: 'run.stop' as const,
                    time: Math.max(context.now, context.run.times.stop ?? context.now),
                  })),
                },
              },
            },
          },
          on: {
            'run.stop': {
              target: 'stopping',
              actions: [
                enter('stopping', ({ context }) => ({
                  runState: { ...context.run.runState, stopping: true },
                })),
                'persist',
                log('stopping'),
                runSetup.sendTo('program', { type: 'program.stop' }),
              ],
            },
          },
        },
        stopping: {
          // Stopping a stopping run is a no-op, as in Apsis.
          on: { 'run.stop': {} },
        },
      },
      on: {
        'program.update': {
          actions: [
            runSetup.assign({
              run: ({ context, event }) => {
                const run = updateRecordMeta(
                  context.run,
                  event.type === 'program.update' ? event.meta : undefined,
                );
                // A stopping run keeps its `stopping` run state.
                return event.type === 'program.update' &&
                  event.runState !== undefined &&
                  run.state === 'running'
                  ? { ...run, runState: event.runState }
                  : run;
              },
              now: ({ event }) => event.time,
            }),
            {
              type: 'saveOutputs',
              params: ({ event }) => ({ outputs: event.outputs ?? [], final: false }),
            },
            'saveMeta',
          ],
        },
        'program.done': [
          {
            guard: { type: 'outcome', params: { outcome: 'error' } },
            target: 'error',
            actions: [
              {
                type: 'saveOutputs',
                params: ({ event }) => ({ outputs: event.outputs ?? [], final: true }),
              },
              {
                type: 'log',
                params: ({ event }) => ({ message: `error: ${event.message ?? 'error'}` }),
              },
              enter('error', ({ event }) =>
                event.type === 'program.done' ? { meta: event.meta, times: event.times } : {},
              ),
              'persist',
            ],
          },
          ...(['success', 'failure'] as const).map((outcome) => ({
            guard: and([
              { type: 'outcome' as const, params: { outcome } },
              or([stateIn('#run.live.running'), stateIn('#run.live.stopping')]),
            ]),
            target: outcome,
            actions: [
              {
                type: 'saveOutputs' as const,
                params: ({ event }: Args) => ({
                  outputs: (event.type === 'program.done' ? event.outputs : undefined) ?? [],
                  final: true,
                }),
              },
              ...(outcome === 'failure'
                ? [
                    {
                      type: 'log' as const,
                      params: ({ event }: Args) => ({
                        message: `failure: ${event.type === 'program.done' ? (event.message ?? 'failed') : 'failed'}`,
                      }),
                    },
                  ]
                : [{ type: 'log' as const, params: { message: 'success' } }]),
              enter(outcome, ({ event }) =>
                event.type === 'program.done' ? { meta: event.meta, times: event.times } : {},
              ),
              'persist' as const,
            ],
          })),
          {
            // Finished while still starting: the program broke its contract.
            target: 'error',
            actions: [
              log('error: program finished before it was running'),
              enter('error'),
              'persist',
            ],
          },
        ],
        'program.log': {
          actions: { type: 'log', params: ({ event }) => ({ message: event.message }) },
        },
        'run.signal': {
          actions: [
            // The runtime sends the signal itself and awaits it, to report a failure to the caller.
            { type: 'log', params: ({ event }) => ({ message: `sending ${event.signal}` }) },
          ],
        },
      },
    },

    success: { on: { 'run.mark': markTransitions('success') } },
    failure: { on: { 'run.mark': markTransitions('failure') } },
    error: { on: { 'run.mark': markTransitions('error') } },
    skipped: { on: { 'run.mark': markTransitions('skipped') } },
  },
  // An internal error (a bind failure, a crashed condition): forced error
  // from any state but error itself.
  on: {
    'run.fail': {
      target: '.error',
      guard: ({ context }) => context.run.state !== 'error',
      actions: [
        { type: 'log', params: ({ event }) => ({ message: `error: ${event.message}` }) },
        {
          type: 'saveOutputs',
          params: ({ event }) => ({
            outputs: [textOutput('output', 'output', event.output ?? event.message)],
            final: true,
          }),
        },
        enter('error'),
        'persist',
      ],
    },
  },
});

function markTransitions(from: (typeof finishedStates)[number]) {
  return finishedStates
    .filter((state) => state !== from)
    .map((state) => ({
      guard: { type: 'eventState' as const, params: { state } },
      target: `#run.${state}`,
      actions: [
        enter(state),
        'persist' as const,
        { type: 'log' as const, params: { message: `marked as ${state}` } },
      ],
    }));
}

function errorText(event: AnyEventObject): string {
  const error: unknown = event.error;
  return error instanceof Error ? error.message : String(error);
}

export type RunMachine = typeof runMachine;
