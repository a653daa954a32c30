import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { Clock, Time, TimerHandle } from '../time/index.js';

export interface InspectedEvent {
  readonly time: Time;
  /** `@xstate.event`, `@xstate.snapshot`, `@xstate.actor`, …. */
  readonly kind: string;
  /** The event's type, for events and snapshots. */
  readonly eventType?: string;
  /** The state value after a snapshot, for snapshots. */
  readonly state?: unknown;
}

export interface InspectedActor {
  readonly id: string;
  /** `run`, `scheduler`, …: the machine or logic id. */
  readonly kind: string;
  readonly startedAt: Time;
  /** The latest snapshot's state value and status. */
  state: unknown;
  status: string;
  /** The most recent events, oldest first, at most `ringSize`. */
  readonly events: readonly InspectedEvent[];
}

/** What a directly recorded actor reports (see `Inspection.recorder`). */
export interface ActorRecorder {
  event(type: string): void;
  state(eventType: string, value: unknown, status?: string): void;
  stopped(): void;
}

/** An actor's record: its latest state and a ring of its recent events. */
class ActorRecord implements InspectedActor {
  state: unknown = undefined;
  status = 'active';
  private readonly ring: (InspectedEvent | undefined)[];
  private next = 0;
  private count = 0;

  constructor(
    readonly id: string,
    readonly kind: string,
    readonly startedAt: Time,
    ringSize: number,
  ) {
    this.ring = new Array<InspectedEvent | undefined>(ringSize);
  }

  record(event: InspectedEvent): void {
    this.ring[this.next] = event;
    this.next = (this.next + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
  }

  get events(): InspectedEvent[] {
    const out: InspectedEvent[] = [];
    const start = (this.next - this.count + this.ring.length) % this.ring.length;
    for (let k = 0; k < this.count; k++)
      out.push(this.ring[(start + k) % this.ring.length] as InspectedEvent);
    return out;
  }
}

/**
 * What XState's `inspect` hook reports, kept per actor: its current state and
 * a bounded ring of recent events, so the API can show any live actor's
 * recent history. Actors are forgotten `keepMs` after they stop, so a
 * finished run's last moments stay visible for a while.
 *
 * The hook runs for every event of every actor, so it is kept cheap: records
 * are found by actor reference, rings are fixed arrays.
 */
export class Inspection {
  /** By actor id: `r123`, `scheduler`. */
  private readonly actors = new Map<string, ActorRecord>();
  private readonly byRef = new WeakMap<object, ActorRecord>();
  private readonly forgetting = new Set<string>();
  private readonly stoppedQueue: { id: string; at: Time }[] = [];
  private stoppedHead = 0;
  private sweepTimer: TimerHandle | undefined;
  private readonly listeners = new Set<(actor: InspectedActor, event: InspectedEvent) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly ringSize = 24,
    private readonly keepMs = 15_000,
  ) {}

  /** The hook passed to `createActor(…, { inspect })`. */
  readonly inspect = (event: InspectionEvent): void => {
    // Microsteps repeat what the snapshot event says, and actions are implied
    // by the transitions: keep the ring for events and the states they led to.
    if (event.type === '@xstate.microstep' || event.type === '@xstate.action') return;
    const ref = event.actorRef as AnyActorRef;
    // Root actors only (runs, the scheduler): what their children (a run's
    // program, its condition waiter) do reaches the root as events, and a
    // record per child would triple the cost in a burst of runs.
    if (event.rootId !== ref.sessionId) return;
    let actor = this.byRef.get(ref);
    if (!actor) {
      const logic = (ref as { logic?: { id?: string } }).logic;
      actor = this.open(ref.id, logic?.id ?? 'actor');
      this.byRef.set(ref, actor);
    }
    if (event.type === '@xstate.snapshot') {
      const snapshot = event.snapshot as { value?: unknown; status?: string };
      this.noteState(actor, event.event.type, snapshot.value, snapshot.status);
    } else if (event.type === '@xstate.event') {
      this.note(actor, { time: this.clock.now(), kind: event.type, eventType: event.event.type });
    } else {
      this.note(actor, { time: this.clock.now(), kind: event.type });
    }
  };

  /**
   * Records for an actor that is not inspected through the hook: run actors
   * report their events and states here directly, which costs a burst of
   * thousands of runs a fraction of what XState's hook does (it builds an
   * inspection event for every action and microstep of every actor).
   */
  recorder(id: string, kind: string): ActorRecorder {
    const actor = this.open(id, kind);
    return {
      event: (type) =>
        this.note(actor, { time: this.clock.now(), kind: '@xstate.event', eventType: type }),
      state: (eventType, value, status) => this.noteState(actor, eventType, value, status),
      stopped: () => this.stopped(id),
    };
  }

  private open(id: string, kind: string): ActorRecord {
    const actor = new ActorRecord(id, kind, this.clock.now(), this.ringSize);
    this.actors.set(id, actor);
    this.forgetting.delete(id);
    return actor;
  }

  private noteState(
    actor: ActorRecord,
    eventType: string,
    value: unknown,
    status: string | undefined,
  ): void {
    actor.state = value;
    actor.status = status ?? actor.status;
    if (actor.status !== 'active') this.forgetLater(actor.id);
    this.note(actor, { time: this.clock.now(), kind: '@xstate.snapshot', eventType, state: value });
  }

  private note(actor: ActorRecord, entry: InspectedEvent): void {
    actor.record(entry);
    if (this.listeners.size > 0) for (const listener of this.listeners) listener(actor, entry);
  }

  list(): InspectedActor[] {
    return [...this.actors.values()];
  }

  get(id: string): InspectedActor | undefined {
    return this.actors.get(id);
  }

  /** Live stream of inspection events; returns an unsubscribe function. */
  subscribe(listener: (actor: InspectedActor, event: InspectedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Marks an actor stopped and forgets it after `keepMs`. */
  stopped(id: string): void {
    const actor = this.actors.get(id);
    if (actor) {
      actor.status = 'stopped';
      this.forgetLater(id);
    }
  }

  /**
   * Forgets an actor `keepMs` after it stopped. One sweep timer serves every
   * stopped actor (in stop order), not a timer each: a burst stops thousands.
   */
  private forgetLater(id: string): void {
    if (this.forgetting.has(id)) return;
    this.forgetting.add(id);
    this.stoppedQueue.push({ id, at: this.clock.now() });
    if (this.sweepTimer === undefined) this.scheduleSweep();
  }

  private scheduleSweep(): void {
    const first = this.stoppedQueue[this.stoppedHead];
    if (!first) {
      this.sweepTimer = undefined;
      return;
    }
    this.sweepTimer = this.clock.setTimeout(
      () => this.sweep(),
      Math.max(0, first.at + this.keepMs - this.clock.now()),
    );
    // Inspection must never keep the process alive.
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  private sweep(): void {
    const before = this.clock.now() - this.keepMs;
    for (;;) {
      const entry = this.stoppedQueue[this.stoppedHead];
      if (!entry || entry.at > before) break;
      this.stoppedHead++;
      this.forgetting.delete(entry.id);
      if (this.actors.get(entry.id)?.status === 'active') continue;
      this.actors.delete(entry.id);
    }
    if (this.stoppedHead > 1024 && this.stoppedHead * 2 > this.stoppedQueue.length) {
      this.stoppedQueue.splice(0, this.stoppedHead);
      this.stoppedHead = 0;
    }
    this.scheduleSweep();
  }
}
