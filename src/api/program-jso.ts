import {
  BOUND_TYPE_NAMES,
  DEFAULT_STOP,
  INTERNAL_TYPE_NAMES,
  signalNumber,
  type BoundProgram,
  type BoundStop,
  type BoundTimeout,
  type ProgramSpec,
  type StopSpec,
  type TimeoutSpec,
} from '../programs/index.js';
import { formatSeconds } from '../time/index.js';

type Jso = Record<string, unknown>;

/** Python's `shlex.quote`. */
function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** Apsis's `join_args`: how procstar programs print their argv. */
export function joinArgs(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** `{key: value}`, or nothing when the value is null: Apsis's `if_not_none`. */
function ifSet(key: string, value: unknown): Jso {
  return value === null || value === undefined ? {} : { [key]: value };
}

/** Only the fields that differ from the defaults; nothing when none do (`ifkey`). */
function stopJso(stop: StopSpec): Jso {
  const jso: Jso = {
    ...(stop.signal === DEFAULT_STOP.signal ? {} : { signal: stop.signal }),
    ...(stop.grace_period === DEFAULT_STOP.grace_period ? {} : { grace_period: stop.grace_period }),
  };
  return Object.keys(jso).length === 0 ? {} : { stop: jso };
}

/**
 * A bound stop's signal is a Python `Signals` enum, which Apsis's JSON writes
 * as its number; the timeout's signal is bound to its name.
 */
function boundStopJso(stop: BoundStop): Jso {
  const jso: Jso = {
    ...(stop.signal === DEFAULT_STOP.signal ? {} : { signal: signalNumber(stop.signal) }),
    ...(stop.grace_period === Number(DEFAULT_STOP.grace_period)
      ? {}
      : { grace_period: stop.grace_period }),
  };
  return Object.keys(jso).length === 0 ? {} : { stop: jso };
}

function timeoutJso(timeout: TimeoutSpec | BoundTimeout | null): Jso {
  return timeout === null
    ? {}
    : { timeout: { duration: timeout.duration, signal: timeout.signal } };
}

function resourcesJso(resources: { mem_max_gb: number | null }): Jso {
  return resources.mem_max_gb === null ? {} : { resources: { mem_max_gb: resources.mem_max_gb } };
}

function noOpStr(duration: string | null): string {
  return duration === null ? 'no-op' : `no-op for ${duration} s`;
}

/** Apsis prints the stats program with no space before the arrow. */
function statsStr(path: string | null): string {
  return path === null ? 'internal stats' : `internal stats→ ${path}`;
}

function archiveTail(program: {
  count: number;
  chunk_size: number | null;
  chunk_sleep: number | null;
}): Jso {
  return {
    count: program.count,
    ...ifSet('chunk_size', program.chunk_size),
    ...ifSet('chunk_sleep', program.chunk_sleep),
  };
}

/**
 * A job's program as the job object shows it (apsis-interfaces.md §2.2): the
 * fields in Apsis's order, defaults left out where Apsis leaves them out, and
 * `str`. Apsis's unbound `procstar-ecs` program has no `__str__` (it prints
 * a Python object address); we print its command.
 */
export function programApiJso(program: ProgramSpec): Jso {
  switch (program.type) {
    case 'no-op':
      return {
        type: program.type,
        duration: program.duration,
        success: program.success,
        str: noOpStr(program.duration),
      };
    case 'procstar':
    case 'procstar-shell':
      return {
        type: program.type,
        group_id: program.group_id,
        ...ifSet('sudo_user', program.sudo_user),
        ...stopJso(program.stop),
        ...resourcesJso(program.resources),
        ...timeoutJso(program.timeout),
        ...(program.type === 'procstar'
          ? { argv: program.argv, str: joinArgs(program.argv) }
          : { command: program.command, str: program.command }),
      };
    case 'procstar-ecs':
      return {
        type: program.type,
        ...(program.command !== null ? { command: program.command } : { argv: program.argv }),
        ...stopJso(program.stop),
        ...timeoutJso(program.timeout),
        ...ifSet('mem_gb', program.mem_gb),
        ...ifSet('vcpu', program.vcpu),
        ...ifSet('disk_gb', program.disk_gb),
        ...ifSet('role', program.role),
        ...ifSet('task_definition', program.task_definition),
        str: program.command ?? joinArgs(program.argv ?? []),
      };
    case 'stats':
      return { type: INTERNAL_TYPE_NAMES.stats, path: program.path, str: statsStr(program.path) };
    case 'archive':
      return {
        type: INTERNAL_TYPE_NAMES.archive,
        age: program.age,
        path: program.path,
        ...archiveTail(program),
        str: `archive age ${program.age} → ${program.path}`,
      };
    case 'vacuum':
      return { type: INTERNAL_TYPE_NAMES.vacuum, str: 'vacuum database' };
  }
}

/**
 * A run's bound program as the run JSON shows it (apsis-interfaces.md §2.3).
 * Ours keeps the no-op duration as seconds, where Apsis keeps the expanded
 * text, so `1m` shows as `60` here.
 */
export function boundProgramApiJso(program: BoundProgram): Jso {
  const type = BOUND_TYPE_NAMES[program.type];
  switch (program.type) {
    case 'no-op': {
      const duration = program.duration === null ? null : String(program.duration);
      return { type, duration, success: program.success, str: noOpStr(duration) };
    }
    case 'procstar':
      return {
        type,
        argv: program.argv,
        group_id: program.group_id,
        ...ifSet('sudo_user', program.sudo_user),
        ...resourcesJso(program.resources),
        ...boundStopJso(program.stop),
        ...timeoutJso(program.timeout),
        str: joinArgs(program.argv),
      };
    case 'procstar-ecs':
      return {
        type,
        argv: program.argv,
        ...boundStopJso(program.stop),
        ...ifSet('mem_gb', program.mem_gb),
        ...ifSet('vcpu', program.vcpu),
        ...ifSet('disk_gb', program.disk_gb),
        ...ifSet('role', program.role),
        ...ifSet('task_definition', program.task_definition),
        ...timeoutJso(program.timeout),
        str: joinArgs(program.argv),
      };
    case 'stats':
      return { type, path: program.path, str: statsStr(program.path) };
    case 'archive':
      return {
        type,
        age: program.age,
        path: program.path,
        ...archiveTail(program),
        // Apsis binds the age to a float of seconds and prints it as one.
        str: `archive age ${formatSeconds(program.age)} → ${program.path}`,
      };
    case 'vacuum':
      return { type, str: 'vacuum database' };
  }
}
