import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { Clock, Time } from '../time/index.js';

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
  readonly events: InspectedEvent[];
}

/**
 * What XState's `inspect` hook reports, kept per actor: its current state and
 * a bounded ring of recent events, so the API can show any live actor's
 * recent history. Actors are forgotten when they stop, after `keepMs`, so a
 * finished run's last moments stay visible for a while.
 */
export class Inspection {
  /** By display id: a root actor's own id (`r123`, `scheduler`), a child's `r123/program`. */
  private readonly actors = new Map<string, InspectedActor>();
  private readonly sessions = new Map<string, string>();
  private readonly sessionOf = new Map<string, string>();
  private readonly listeners = new Set<(actor: InspectedActor, event: InspectedEvent) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly ringSize = 32,
    private readonly keepMs = 60_000,
  ) {}

  /** The hook passed to `createActor(…, { inspect })`. */
  readonly inspect = (event: InspectionEvent): void => {
    // Microsteps repeat what the snapshot event says; keep the ring for history.
    if (event.type === '@xstate.microstep') return;
    const ref = event.actorRef as AnyActorRef;
    let id = this.sessions.get(ref.sessionId);
    if (id === undefined) {
      // Children share ids (`program`, `conditions`): name them under their root.
      id =
        event.rootId === ref.sessionId
          ? ref.id
          : `${this.sessions.get(event.rootId) ?? event.rootId}/${ref.id}`;
      this.sessions.set(ref.sessionId, id);
      this.sessionOf.set(id, ref.sessionId);
    }
    let actor = this.actors.get(id);
    const time = this.clock.now();
    if (!actor) {
      const logic = (ref as { logic?: { id?: string } }).logic;
      actor = {
        id,
        kind: logic?.id ?? 'actor',
        startedAt: time,
        state: undefined,
        status: 'active',
        events: [],
      };
      this.actors.set(id, actor);
    }
    const entry: InspectedEvent = describe(event, time);
    if (event.type === '@xstate.snapshot') {
      const snapshot = event.snapshot as { value?: unknown; status?: string };
      actor.state = snapshot.value;
      actor.status = snapshot.status ?? actor.status;
      if (actor.status !== 'active') this.forgetLater(id);
    }
    actor.events.push(entry);
    if (actor.events.length > this.ringSize)
      actor.events.splice(0, actor.events.length - this.ringSize);
    for (const listener of this.listeners) listener(actor, entry);
  };

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

  private forgetLater(id: string): void {
    const timer = this.clock.setTimeout(() => {
      if (this.actors.get(id)?.status === 'active') return;
      this.actors.delete(id);
      const session = this.sessionOf.get(id);
      this.sessionOf.delete(id);
      if (session !== undefined) this.sessions.delete(session);
    }, this.keepMs);
    // Inspection must never keep the process alive.
    (timer as { unref?: () => void }).unref?.();
  }
}

function describe(event: InspectionEvent, time: Time): InspectedEvent {
  switch (event.type) {
    case '@xstate.event':
      return { time, kind: event.type, eventType: event.event.type };
    case '@xstate.snapshot':
      return {
        time,
        kind: event.type,
        eventType: event.event.type,
        state: (event.snapshot as { value?: unknown }).value,
      };
    default:
      return { time, kind: event.type };
  }
}
