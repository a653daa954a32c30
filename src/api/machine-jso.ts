import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { agentConnectionMachine } from '../../machines/agent-connection.js';
import { runMachine } from '../../machines/run.js';
import { schedulerMachine } from '../../machines/scheduler.js';

/** The machines the API shows, by their API name. */
const MACHINES: ReadonlyMap<string, AnyStateMachine> = new Map<string, AnyStateMachine>([
  ['run', runMachine],
  ['scheduler', schedulerMachine],
  ['agent-connection', agentConnectionMachine],
]);

export const MACHINE_NAMES: readonly string[] = [...MACHINES.keys()];

/** API names by XState machine id (`agentConnection` → `agent-connection`). */
const NAME_BY_ID = new Map([...MACHINES].map(([name, machine]) => [machine.id, name]));

/** The API name of an actor's logic id; unknown logic keeps its id. */
export function machineName(logicId: string): string {
  return NAME_BY_ID.get(logicId) ?? logicId;
}

export function isMachineName(name: string): boolean {
  return MACHINES.has(name);
}

export interface StateJso {
  readonly id: string;
  readonly type: AnyStateNode['type'];
  /** The initial child's key, for a compound state. */
  readonly initial: string | null;
  readonly entry: string[];
  readonly exit: string[];
  readonly invoke: { id: string; src: string }[];
  readonly states: Record<string, StateJso>;
}

export interface TransitionJso {
  /** The id of the state that declares it. */
  readonly source: string;
  /** The event type; null for an eventless (`always`) transition. */
  readonly event: string | null;
  readonly kind: 'event' | 'eventless' | 'delayed';
  /** A delayed transition's delay: the name of a provided delay, or ms. */
  readonly delay: string | number | null;
  /** Target state ids; empty for a transition that only runs actions. */
  readonly targets: string[];
  /** Taken without leaving the source state (no targets: exit and entry do not run). */
  readonly internal: boolean;
  readonly reenter: boolean;
  /** The guard as an expression of guard names: `and(dueNow, hasConditions)`. */
  readonly guard: string | null;
  readonly actions: string[];
}

export interface MachineJso extends StateJso {
  readonly name: string;
  readonly transitions: TransitionJso[];
}

const summaries = new Map<string, { name: string; initial: string | null; states: number }>();
const definitions = new Map<string, MachineJso>();

/** `{name, initial, states}` of every machine; `states` counts every state node below the root. */
export function machineSummaries(): { name: string; initial: string | null; states: number }[] {
  return MACHINE_NAMES.map((name) => {
    let summary = summaries.get(name);
    if (!summary) {
      const root = (MACHINES.get(name) as AnyStateMachine).root;
      summary = { name, initial: initialKey(root), states: countStates(root) };
      summaries.set(name, summary);
    }
    return summary;
  });
}

/**
 * A machine's definition for a state-chart view, read from the machine's
 * own state nodes (so it cannot drift from the code): nested states, and
 * every transition, eventless and delayed ones included. Built once per
 * machine: machines do not change while the daemon runs.
 */
export function machineJso(name: string): MachineJso | undefined {
  const machine = MACHINES.get(name);
  if (!machine) return undefined;
  let jso = definitions.get(name);
  if (!jso) {
    const transitions: TransitionJso[] = [];
    jso = { name, ...stateJso(machine.root, transitions), transitions };
    definitions.set(name, jso);
  }
  return jso;
}

function initialKey(node: AnyStateNode): string | null {
  if (node.type !== 'compound') return null;
  return node.initial.target[0]?.key ?? null;
}

function countStates(node: AnyStateNode): number {
  let n = 0;
  for (const child of Object.values(node.states) as AnyStateNode[]) n += 1 + countStates(child);
  return n;
}

function stateJso(node: AnyStateNode, transitions: TransitionJso[]): StateJso {
  // Delayed transitions show up as an entry raise and an exit cancel of
  // their `xstate.after.…` event; they are listed as transitions instead.
  const notAfter = (action: unknown) => {
    const a = action as { id?: unknown; sendId?: unknown };
    const id = a.id ?? a.sendId;
    return !(typeof id === 'string' && id.startsWith('xstate.after.'));
  };
  for (const list of node.transitions.values())
    for (const t of list)
      transitions.push(transitionJso(t, 'delay' in t ? 'delayed' : 'event', node.id));
  for (const t of node.always ?? []) transitions.push(transitionJso(t, 'eventless', node.id));
  const states: Record<string, StateJso> = {};
  for (const [key, child] of Object.entries(node.states) as [string, AnyStateNode][])
    states[key] = stateJso(child, transitions);
  return {
    id: node.id,
    type: node.type,
    initial: initialKey(node),
    entry: node.entry.filter(notAfter).map(actionName),
    exit: node.exit.filter(notAfter).map(actionName),
    invoke: node.invoke.map((inv) => ({ id: inv.id, src: String(inv.src) })),
    states,
  };
}

function transitionJso(
  t: AnyTransitionDefinition,
  kind: TransitionJso['kind'],
  source: string,
): TransitionJso {
  const targets = (t.target ?? []).map((n) => n.id);
  const delay = kind === 'delayed' ? (t as { delay?: unknown }).delay : undefined;
  return {
    source,
    event: kind === 'eventless' ? null : String(t.eventType),
    kind,
    delay: typeof delay === 'string' || typeof delay === 'number' ? delay : delay ? 'inline' : null,
    targets,
    internal: targets.length === 0,
    reenter: t.reenter,
    guard: t.guard === undefined ? null : guardLabel(t.guard),
    actions: t.actions.map(actionName),
  };
}

/** A guard as an expression: `name`, `name(key=value)`, `and(a, not(b))`, `stateIn(#run.live)`. */
function guardLabel(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const fn = guard as { name: string; guards?: unknown[]; stateValue?: unknown };
    if (Array.isArray(fn.guards)) return `${fn.name}(${fn.guards.map(guardLabel).join(', ')})`;
    if (fn.stateValue !== undefined)
      return `stateIn(${typeof fn.stateValue === 'string' ? fn.stateValue : JSON.stringify(fn.stateValue)})`;
    // Any other function is an inline guard: its name is only the property it was written in.
    return 'inline';
  }
  if (guard !== null && typeof guard === 'object' && 'type' in guard) {
    const { type, params } = guard as { type: unknown; params?: unknown };
    return `${String(type)}${paramsLabel(params)}`;
  }
  return 'inline';
}

function paramsLabel(params: unknown): string {
  if (params === undefined || params === null) return '';
  if (typeof params !== 'object') return '(…)';
  const parts = Object.entries(params).map(([k, v]) =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? `${k}=${v}` : k,
  );
  return `(${parts.join(', ')})`;
}

/** An action's name: the provided action it names, or XState's built-in type (`xstate.assign`). */
function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (action !== null && (typeof action === 'object' || typeof action === 'function')) {
    const type = (action as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  // An inline function: its name is only the property it was written in.
  return 'inline';
}
