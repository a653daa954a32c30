import { RunNotFoundError } from '../errors.js';
import type { AgentConnectionView } from '../procstar/index.js';
import type { InspectedActor, InspectedEvent } from '../runtime/index.js';
import { formatTimeJso, type Time } from '../time/index.js';
import type { ApiContext } from './context.js';
import { machineName } from './machine-jso.js';
import { runSummaryJso } from './run-jso.js';

/** The scheduler actor's id; it supervises every run actor. */
const SCHEDULER_ID = 'scheduler';
/** Agent connection actors are named after their connection (agent-server.ts). */
const AGENT_PREFIX = 'agent:';

/** An actor as `GET /api/v1/actors` lists it. */
export interface ActorJso {
  readonly id: string;
  readonly machine: string;
  /** The XState state value: `"running"`, or `{"live": {"running": "untimed"}}`. */
  readonly state: unknown;
  readonly status: string;
  readonly parent: string | null;
  readonly children: string[];
  readonly started_at: string | null;
}

/**
 * One actor the API can show: a record Inspection keeps (the scheduler, run
 * actors) or an agent connection, whose actor the agent server keeps and
 * Inspection does not record (so it has no events).
 */
export type ActorEntry =
  | { readonly kind: 'inspected'; readonly id: string; readonly record: InspectedActor }
  | { readonly kind: 'agent'; readonly id: string; readonly view: AgentConnectionView };

/** Every actor, the scheduler and run actors in start order, then agent connections. */
export function actorEntries(ctx: ApiContext): ActorEntry[] {
  const entries: ActorEntry[] = ctx.runtime.inspection
    .list()
    .map((record) => ({ kind: 'inspected', id: record.id, record }));
  for (const view of ctx.agents?.connectionViews() ?? [])
    entries.push({ kind: 'agent', id: `${AGENT_PREFIX}${view.conn_id}`, view });
  return entries;
}

export function findActorEntry(ctx: ApiContext, id: string): ActorEntry | undefined {
  const record = ctx.runtime.inspection.get(id);
  if (record) return { kind: 'inspected', id, record };
  if (!id.startsWith(AGENT_PREFIX) || !ctx.agents) return undefined;
  const connId = id.slice(AGENT_PREFIX.length);
  const view = ctx.agents.connectionViews().find((v) => v.conn_id === connId);
  return view && { kind: 'agent', id, view };
}

export function entryMachine(entry: ActorEntry): string {
  return entry.kind === 'agent' ? 'agent-connection' : machineName(entry.record.kind);
}

export function entryState(entry: ActorEntry): unknown {
  return entry.kind === 'agent' ? entry.view.state : (entry.record.state ?? null);
}

/**
 * Whether a state value is in `state`: a state name (`running`) or a dotted
 * path of them (`live.running`) anywhere along one of its active paths.
 */
export function inState(value: unknown, state: string): boolean {
  const needle = `.${state}.`;
  return statePaths(value).some((path) => `.${path}.`.includes(needle));
}

function statePaths(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const below = statePaths(child);
    return below.length === 0 ? [key] : below.map((path) => `${key}.${path}`);
  });
}

/**
 * Shapes entries for the list. The scheduler's children are the live run
 * actors, found once per call however many entries are shaped.
 */
export function actorJsoMaker(ctx: ApiContext): (entry: ActorEntry) => ActorJso {
  let runIds: string[] | undefined;
  const liveRuns = () =>
    (runIds ??= ctx.runtime.inspection
      .list()
      .filter((r) => r.kind === 'run' && r.status === 'active')
      .map((r) => r.id));
  return (entry) => {
    if (entry.kind === 'agent') {
      const first = entry.view.info.stats.first_connect_time;
      return {
        id: entry.id,
        machine: 'agent-connection',
        state: entry.view.state,
        // The server drops a connection's actor when it is gone.
        status: 'active',
        parent: null,
        children: [],
        started_at: first === null ? null : formatTimeJso(first),
      };
    }
    const { record } = entry;
    const machine = machineName(record.kind);
    return {
      id: record.id,
      machine,
      state: record.state ?? null,
      status: record.status,
      parent: machine === 'run' ? SCHEDULER_ID : null,
      children:
        record.id === SCHEDULER_ID
          ? liveRuns()
          : machine === 'run'
            ? runChildren(ctx, record.id)
            : [],
      started_at: formatTimeJso(record.startedAt),
    };
  };
}

/** A run actor's invoked actors (`r12.program`, `r12.conditions`): read off its snapshot. */
function runChildren(ctx: ApiContext, runId: string): string[] {
  const actor = ctx.runtime.runActors.get(runId);
  if (!actor) return [];
  return Object.keys(actor.getSnapshot().children).map((key) => `${runId}.${key}`);
}

/** One actor in full: the list's fields, a JSON-safe snapshot and its recent events. */
export function actorDetailJso(ctx: ApiContext, entry: ActorEntry): Record<string, unknown> {
  const jso = actorJsoMaker(ctx)(entry);
  if (entry.kind === 'agent') {
    const { view } = entry;
    return {
      ...jso,
      snapshot: {
        value: view.state,
        status: 'active',
        context: {
          conn_id: view.conn_id,
          group_id: view.group_id,
          shutdown_state: view.shutdown_state,
          stats: {
            ...view.info.stats,
            first_connect_time: timeOrNull(view.info.stats.first_connect_time),
            last_connect_time: timeOrNull(view.info.stats.last_connect_time),
            last_disconnect_time: timeOrNull(view.info.stats.last_disconnect_time),
          },
        },
      },
      events: [],
    };
  }
  const { record } = entry;
  const snapshot =
    jso.machine === 'run'
      ? runSnapshotJso(ctx, record)
      : record.id === SCHEDULER_ID
        ? schedulerSnapshotJso(ctx, record)
        : { value: record.state ?? null, status: record.status };
  return { ...jso, snapshot, events: record.events.map(eventJso) };
}

export function eventJso(event: InspectedEvent): Record<string, unknown> {
  return {
    time: formatTimeJso(event.time),
    kind: event.kind,
    event_type: event.eventType ?? null,
    state: event.state ?? null,
  };
}

function timeOrNull(time: Time | null): string | null {
  return time === null ? null : formatTimeJso(time);
}

/**
 * A run actor's snapshot: value, status, its context with the run as a
 * summary, and its children's statuses. Once the actor has stopped (its
 * record is kept a while), the run as the registry or database has it.
 */
function runSnapshotJso(ctx: ApiContext, record: InspectedActor): Record<string, unknown> {
  const actor = ctx.runtime.runActors.get(record.id);
  if (actor) {
    const snapshot = actor.getSnapshot();
    const c = snapshot.context;
    const children: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(snapshot.children))
      if (child) children[key] = { status: child.getSnapshot().status };
    return {
      value: snapshot.value,
      status: snapshot.status,
      context: {
        run: runSummaryJso(c.run),
        now: formatTimeJso(c.now),
        restored_from: c.restoredFrom,
        restored: c.restored,
        reconnect: c.reconnect,
        due_now: c.dueNow,
        waiting_for: c.waitingFor,
        waiting_max_time_ms: c.waitingMaxTimeMs,
      },
      children,
    };
  }
  const jso: Record<string, unknown> = { value: record.state ?? null, status: record.status };
  try {
    jso.context = { run: runSummaryJso(ctx.runtime.operations.getRun(record.id)) };
  } catch (err) {
    // A run that no longer exists anywhere shows no context.
    if (!(err instanceof RunNotFoundError)) throw err;
  }
  return jso;
}

function schedulerSnapshotJso(ctx: ApiContext, record: InspectedActor): Record<string, unknown> {
  const c = ctx.runtime.scheduler.context;
  return {
    value: record.state ?? null,
    status: record.status,
    ...(c && {
      context: {
        now: formatTimeJso(c.now),
        released_through: formatTimeJso(c.releasedThrough),
        generated_until: formatTimeJso(c.generatedUntil),
        horizon_ms: c.horizonMs,
        max_age_ms: c.maxAgeMs,
        generate_every_ms: c.generateEveryMs,
      },
    }),
  };
}
