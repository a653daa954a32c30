import { fromCallback, fromPromise, setup } from 'xstate';
import type { Time } from '../src/time/time.js';

export interface SchedulerInput {
  /** The clock when the scheduler starts. */
  now: Time;
  /** The database clock: every run due at or before it has been created. */
  storedClock: Time;
  /** `schedule.since`: `now`, a time, or null (just the stored clock). */
  since: 'now' | Time | null;
  /** `schedule.horizon` in ms: runs are expected this far ahead. */
  horizonMs: number;
  /** `schedule.max_age` in ms: a missed run older than this is skipped, not started. */
  maxAgeMs: number | null;
  /** How far ahead of the horizon's edge to generate in one pass (Apsis: every 60 s). */
  generateEveryMs: number;
}

export interface SchedulerContext {
  now: Time;
  /**
   * Runs have been created (released) for every schedule time up to and
   * including this; it is what the database clock stores.
   */
  releasedThrough: Time;
  /** Expected runs have been generated for every schedule time before this. */
  generatedUntil: Time;
  horizonMs: number;
  maxAgeMs: number | null;
  generateEveryMs: number;
}

/** Sent to the alarm: wake at the next due run, and no later than `generateAt`. */
export type AlarmCommand = { type: 'alarm.rearm'; generateAt: Time };

export type SchedulerEvent =
  /** The alarm: the clock reached the next due run or the next generation. */
  | { type: 'scheduler.tick'; time: Time }
  /** The job set changed: regenerate expected runs of changed jobs. */
  | { type: 'scheduler.jobs-changed'; time: Time }
  /** A new run was scheduled: the alarm may need to fire sooner. */
  | { type: 'scheduler.rearm' }
  /** A run actor threw: its run ends in error with the message. */
  | { type: 'scheduler.run-crashed'; runId: string; message: string; time: Time }
  | { type: 'scheduler.shutdown' };

/** Where the scheduler starts (apsis-model.md §2.9): the later of the stored clock and `since`. */
export function startingPoint(input: SchedulerInput): Time {
  if (input.since === 'now') return Math.max(input.storedClock, input.now);
  if (input.since === null) return input.storedClock;
  return Math.max(input.storedClock, input.since);
}

const schedulerSetup = setup({
  types: {
    context: {} as SchedulerContext,
    events: {} as SchedulerEvent,
    input: {} as SchedulerInput,
  },
  actors: {
    /** Restores runs stored in active states (apsis-model.md §8.4). */
    restore: fromPromise<void, { now: Time }>(async () => undefined),
    /**
     * Wakes the scheduler with `scheduler.tick` at the earlier of the next due
     * run and `generateAt`, re-reading both on each `alarm.rearm`.
     */
    alarm: fromCallback<AlarmCommand, void>(() => undefined),
    /** Stops run actors and waits for the last writes. */
    drain: fromPromise<void, void>(async () => undefined),
  },
  actions: {
    /** Creates expected runs for schedule times in (from, to]. */
    generate: (_, _params: { from: Time; to: Time }) => undefined,
    /**
     * Creates and starts every run due at or before `until`, in schedule-time
     * order; those due before `skipBefore` are recorded as skipped instead.
     */
    release: (_, _params: { until: Time; skipBefore: Time | null; maxAgeMs: number | null }) =>
      undefined,
    /** Replaces the expected runs of changed jobs, from what has been released on. */
    regenerate: (_, _params: { from: Time; to: Time }) => undefined,
    /**
     * Starts the actors of restored waiting and live runs: after the first
     * generation, so a dependency `exist` check sees the runs expected later.
     */
    resumeRestored: () => undefined,
    /** Forces a crashed run to error. */
    failRun: (_, _params: { runId: string; message: string; time: Time }) => undefined,
  },
  guards: {
    horizonBehind: ({ context, event }) =>
      event.type === 'scheduler.tick' && event.time + context.horizonMs >= context.generatedUntil,
  },
});

/**
 * The scheduler actor: owns the clock and the horizon. It restores stored
 * runs, then keeps expected runs generated to `now + horizon`, releases runs
 * as they come due (catching up on runs missed while it was down, oldest
 * first, skipping those older than `max_age`), and turns a crashed run actor
 * into an error run. Runs due later are compact records, not actors; the
 * runtime provides the data structures behind these actions.
 */
export const schedulerMachine = schedulerSetup.createMachine({
  id: 'scheduler',
  context: ({ input }) => {
    const start = startingPoint(input);
    return {
      now: input.now,
      releasedThrough: start,
      generatedUntil: start,
      horizonMs: input.horizonMs,
      maxAgeMs: input.maxAgeMs,
      generateEveryMs: input.generateEveryMs,
    };
  },
  initial: 'restoring',
  states: {
    restoring: {
      invoke: {
        src: 'restore',
        input: ({ context }) => ({ now: context.now }),
        onDone: 'running',
        onError: 'failed',
      },
    },
    running: {
      // Generate the whole horizon at once on start, then release what is due.
      entry: [
        {
          type: 'generate',
          params: ({ context }) => ({
            from: context.generatedUntil,
            to: context.now + context.horizonMs + context.generateEveryMs,
          }),
        },
        schedulerSetup.assign({
          generatedUntil: ({ context }) =>
            context.now + context.horizonMs + context.generateEveryMs,
        }),
        'resumeRestored',
        schedulerSetup.raise(({ context }) => ({
          type: 'scheduler.tick' as const,
          time: context.now,
        })),
      ],
      invoke: { id: 'alarm', src: 'alarm' },
      on: {
        'scheduler.tick': [
          {
            guard: 'horizonBehind',
            actions: [
              {
                type: 'generate',
                params: ({ context, event }) => ({
                  from: context.generatedUntil,
                  to:
                    (event.type === 'scheduler.tick' ? event.time : context.now) +
                    context.horizonMs +
                    context.generateEveryMs,
                }),
              },
              schedulerSetup.assign({
                generatedUntil: ({ context, event }) =>
                  event.type === 'scheduler.tick'
                    ? event.time + context.horizonMs + context.generateEveryMs
                    : context.generatedUntil,
              }),
              ...releaseActions(),
            ],
          },
          { actions: releaseActions() },
        ],
        'scheduler.jobs-changed': {
          actions: [
            {
              type: 'regenerate',
              params: ({ context }) => ({
                from: context.releasedThrough,
                to: context.generatedUntil,
              }),
            },
            rearm(),
          ],
        },
        'scheduler.rearm': { actions: rearm() },
        'scheduler.run-crashed': {
          actions: {
            type: 'failRun',
            params: ({ event }) => ({
              runId: event.runId,
              message: event.message,
              time: event.time,
            }),
          },
        },
        'scheduler.shutdown': 'draining',
      },
    },
    draining: {
      invoke: { src: 'drain', onDone: 'stopped', onError: 'stopped' },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

function releaseActions() {
  return [
    schedulerSetup.assign({ now: ({ event }) => ('time' in event ? event.time : 0) }),
    {
      type: 'release' as const,
      params: ({ context }: { context: SchedulerContext }) => ({
        until: context.now,
        skipBefore: context.maxAgeMs === null ? null : context.now - context.maxAgeMs,
        maxAgeMs: context.maxAgeMs,
      }),
    },
    schedulerSetup.assign({
      releasedThrough: ({ context }) => Math.max(context.releasedThrough, context.now),
    }),
    rearm(),
  ];
}

/** Tells the alarm to re-read the next due time; generation is due when `now + horizon` passes what was generated. */
function rearm() {
  return schedulerSetup.sendTo('alarm', ({ context }) => ({
    type: 'alarm.rearm' as const,
    generateAt: context.generatedUntil - context.horizonMs,
  }));
}

export type SchedulerMachine = typeof schedulerMachine;
