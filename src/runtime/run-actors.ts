import { createActor, type Actor } from 'xstate';
import { runMachine, type RunEvent, type RunInput } from '../../machines/run.js';
import { transitionRecord } from '../../machines/run-record.js';
import { textOutput } from '../runs/index.js';
import type { RunRecord, RunStore } from '../store/index.js';
import type { Clock } from '../time/index.js';
import { conditionsWaiter, type ConditionDeps } from './conditions-waiter.js';
import type { ActorRecorder, Inspection } from './inspection.js';
import { programActor, type ProgramDeps } from './program-actor.js';
import type { RunRegistry } from './run-registry.js';
import type { TransitionBus } from './transition-bus.js';

export type RunActor = Actor<typeof runMachine>;

export interface RunActorDeps extends ConditionDeps, ProgramDeps {
  readonly clock: Clock;
  readonly store: RunStore;
  readonly registry: RunRegistry;
  readonly bus: TransitionBus;
  readonly inspection: Inspection;
  readonly waitingMaxTimeMs: number | null;
  /** A run actor threw: the scheduler turns its run into an error run. */
  readonly onCrash: (runId: string, err: unknown) => void;
}

const FINISHED: ReadonlySet<string> = new Set(['success', 'failure', 'error', 'skipped']);

/**
 * Records a run's state: the registry at once (decisions read it), the
 * database in the current batch, and a publication once that batch commits.
 * A change of state also goes to the transition log, caused by `event`;
 * the state before is the registry's (or `before`'s, for a run it lacks).
 */
export function recordRun(
  deps: Pick<RunActorDeps, 'registry' | 'store' | 'bus'>,
  run: RunRecord,
  event: string | null = null,
  before?: RunRecord,
): void {
  const from = (deps.registry.get(run.runId) ?? before)?.state ?? null;
  const existed = deps.registry.set(run);
  if (existed) deps.store.updateRun(run);
  else deps.store.insertRun(run);
  if (from !== run.state)
    deps.store.recordTransition(run.runId, run.timestamp, from, run.state, event);
  deps.store.afterCommit(() => {
    deps.bus.publish(run);
    // A finished run leaves memory once its final state is stored: the
    // database answers for it from then on (unless it changed again since).
    if (FINISHED.has(run.state) && deps.registry.get(run.runId) === run)
      deps.registry.delete(run.runId);
  });
}

/**
 * Creates, runs and forgets run actors. The run machine's side effects are
 * provided here, in one place: persistence, the run log, outputs, the
 * conditions waiter and the program. An actor exists only while its run is
 * live; it stops when the run finishes.
 */
export class RunActors {
  private readonly actors = new Map<string, RunActor>();
  private readonly recorders = new Map<string, ActorRecorder>();
  private readonly machine;
  /** The type of the event each snapshot came from (see the constructor). */
  private readonly causes = new WeakMap<object, string>();

  constructor(private readonly deps: RunActorDeps) {
    const machine = runMachine.provide({
      actions: {
        // The event of an eventless transition is the one that began the step.
        persist: ({ context, event }) => recordRun(deps, context.run, event.type),
        saveMeta: ({ context }) => {
          // Not `recordRun`: a metadata update is no transition, so the bus
          // (actions, conditions, the summary stream) is not told.
          deps.registry.set(context.run);
          deps.store.updateRun(context.run);
        },
        log: ({ context }, { message }) =>
          deps.store.appendLog(context.run.runId, context.now, message),
        saveOutputs: ({ context }, { outputs, final }) => {
          for (const output of outputs) {
            if (final) deps.store.putOutput(context.run.runId, output);
            else deps.registry.setInterimOutput(context.run.runId, output);
          }
          if (final) deps.registry.clearInterimOutputs(context.run.runId);
        },
      },
      actors: {
        conditions: conditionsWaiter(deps),
        program: programActor(deps),
      },
    });
    // A snapshot does not say which event made it, and events reach a run
    // from operations, its children and its own timers alike: the machine's
    // transition notes it, for the state inspection records.
    const transition: typeof machine.transition = (snapshot, event, scope) => {
      const next = machine.transition(snapshot, event, scope);
      this.causes.set(next, event.type);
      return next;
    };
    this.machine = Object.create(machine, { transition: { value: transition } }) as typeof machine;
  }

  get(runId: string): RunActor | undefined {
    return this.actors.get(runId);
  }

  get size(): number {
    return this.actors.size;
  }

  /**
   * Starts an actor for `run`: a new run starts in `new`; a restored or
   * resumed one enters its stored state (see `RunInput.mode`).
   */
  start(run: RunRecord, mode: RunInput['mode']): RunActor {
    const actor = createActor(this.machine, {
      id: run.runId,
      clock: this.deps.clock,
      input: {
        run,
        mode,
        now: this.deps.clock.now(),
        waitingMaxTimeMs: this.deps.waitingMaxTimeMs,
      },
    });
    // Inspection records a run's events and states here, not through XState's
    // hook (see Inspection.recorder): every event a run receives comes through
    // `send` below or from its own children, which note theirs.
    const recorder = this.deps.inspection.recorder(run.runId, 'run');
    this.recorders.set(run.runId, recorder);
    const send = actor.send.bind(actor);
    actor.send = (event: RunEvent) => {
      recorder.event(event.type);
      send(event);
    };
    if (mode !== 'new') this.deps.registry.markStored(run.runId);
    this.deps.registry.set(run);
    this.actors.set(run.runId, actor);
    const forget = () => {
      this.actors.delete(run.runId);
      this.recorders.delete(run.runId);
      recorder.stopped();
    };
    actor.subscribe({
      next: (snapshot) => {
        recorder.state(this.causes.get(snapshot) ?? 'xstate.init', snapshot.value, snapshot.status);
        if (
          snapshot.status === 'active' &&
          FINISHED.has(snapshot.context.run.state) &&
          this.actors.get(run.runId) === actor
        ) {
          forget();
          // Stop after this macrostep: stopping inside a subscriber would cut it short.
          queueMicrotask(() => actor.stop());
        }
      },
      error: (err) => {
        forget();
        this.deps.onCrash(run.runId, err);
      },
    });
    actor.start();
    return actor;
  }

  /** Records an event a run's child actor sends it (see `start`). */
  noteEvent(runId: string, type: string): void {
    this.recorders.get(runId)?.event(type);
  }

  /** Sends an event to a live run's actor; false if the run has none. */
  send(runId: string, event: RunEvent): boolean {
    const actor = this.actors.get(runId);
    if (!actor) return false;
    actor.send(event);
    return true;
  }

  /**
   * Stops the actor of a run that is scheduled for later: the scale rule
   * keeps only live and due runs as actors; the registry keeps the record.
   */
  park(runId: string): void {
    const actor = this.actors.get(runId);
    if (!actor) return;
    this.actors.delete(runId);
    this.recorders.get(runId)?.stopped();
    this.recorders.delete(runId);
    actor.stop();
  }

  /** Stops every actor (shutdown): runs stay in their stored states, to be restored. */
  stopAll(): void {
    for (const actor of this.actors.values()) actor.stop();
    this.actors.clear();
  }
}

/**
 * Forces a run whose actor crashed to error, writing directly: there is no
 * machine left to ask. The message goes to the run log and the output.
 */
export function failCrashedRun(
  deps: Pick<RunActorDeps, 'registry' | 'store' | 'bus'>,
  run: RunRecord,
  message: string,
  time: number,
): void {
  if (run.state === 'error') return;
  recordRun(deps, transitionRecord(run, 'error', time), 'scheduler.run-crashed', run);
  deps.store.appendLog(run.runId, time, `error: ${message}`);
  deps.store.putOutput(run.runId, textOutput('output', 'output', message));
}
