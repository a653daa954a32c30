import { InvalidValueError } from '../errors.js';
import { renderTemplate, type TemplateContext } from '../templates/index.js';
import { parseDuration } from '../time/index.js';
import { toSignalName } from './signals.js';
import type { ProgramSpec, StopSpec, TimeoutSpec } from './spec.js';

export interface BoundStop {
  signal: string;
  /** Seconds. */
  grace_period: number;
}

export interface BoundTimeout {
  /** Seconds. */
  duration: number;
  signal: string;
}

export interface BoundProcstarProgram {
  type: 'procstar';
  argv: string[];
  group_id: string;
  sudo_user: string | null;
  stop: BoundStop;
  timeout: BoundTimeout | null;
  resources: { mem_max_gb: number | null };
}

export interface BoundProcstarEcsProgram {
  type: 'procstar-ecs';
  argv: string[];
  stop: BoundStop;
  timeout: BoundTimeout | null;
  mem_gb: number | null;
  vcpu: number | null;
  disk_gb: number | null;
  role: string | null;
  task_definition: string | null;
}

/** A program with every template expanded for one run (apsis-model.md §3.2). */
export type BoundProgram =
  | { type: 'no-op'; duration: number | null; success: boolean | null }
  | BoundProcstarProgram
  | BoundProcstarEcsProgram
  | { type: 'stats'; path: string | null }
  | {
      type: 'archive';
      age: number;
      path: string;
      count: number;
      chunk_size: number | null;
      chunk_sleep: number | null;
    }
  | { type: 'vacuum' };

/** The shell `procstar-shell` and `procstar-ecs` commands run in. */
export const SHELL = '/usr/bin/bash';

function bindStop(stop: StopSpec, context: TemplateContext): BoundStop {
  return {
    signal: toSignalName(renderTemplate(stop.signal, context)),
    grace_period: parseDuration(renderTemplate(stop.grace_period, context)),
  };
}

function bindTimeout(timeout: TimeoutSpec | null, context: TemplateContext): BoundTimeout | null {
  if (timeout === null) return null;
  return {
    duration: parseDuration(renderTemplate(timeout.duration, context)),
    signal: toSignalName(renderTemplate(timeout.signal, context)),
  };
}

/** A templated number; an empty expansion means "not set", as in Apsis. */
function bindNumber(
  template: string | null,
  context: TemplateContext,
  what: string,
  integer = false,
): number | null {
  if (template === null) return null;
  const text = renderTemplate(template, context).trim();
  if (text === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new InvalidValueError(
      `${what}: expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function bindOptional(template: string | null, context: TemplateContext): string | null {
  return template === null ? null : renderTemplate(template, context);
}

/**
 * Expands a program's templates for one run. Unlike Apsis, every templated
 * duration and signal is also parsed here, so a bad value fails the run when
 * it is created (and the load-time check), not when it starts.
 */
export function bindProgram(program: ProgramSpec, context: TemplateContext): BoundProgram {
  switch (program.type) {
    case 'no-op':
      return {
        type: 'no-op',
        duration:
          program.duration === null
            ? null
            : parseDuration(renderTemplate(program.duration, context)),
        success: program.success,
      };
    case 'procstar':
    case 'procstar-shell':
      return {
        type: 'procstar',
        argv:
          program.type === 'procstar'
            ? program.argv.map((arg) => renderTemplate(arg, context))
            : [SHELL, '-c', renderTemplate(program.command, context)],
        group_id: renderTemplate(program.group_id, context),
        sudo_user: bindOptional(program.sudo_user, context),
        stop: bindStop(program.stop, context),
        timeout: bindTimeout(program.timeout, context),
        resources: { ...program.resources },
      };
    case 'procstar-ecs':
      return {
        type: 'procstar-ecs',
        argv:
          program.command !== null
            ? [SHELL, '-c', renderTemplate(program.command, context)]
            : (program.argv ?? []).map((arg) => renderTemplate(arg, context)),
        stop: bindStop(program.stop, context),
        timeout: bindTimeout(program.timeout, context),
        mem_gb: bindNumber(program.mem_gb, context, 'mem_gb'),
        vcpu: bindNumber(program.vcpu, context, 'vcpu'),
        disk_gb: bindNumber(program.disk_gb, context, 'disk_gb', true),
        role: bindOptional(program.role, context),
        task_definition: bindOptional(program.task_definition, context),
      };
    case 'stats':
      return { type: 'stats', path: bindOptional(program.path, context) };
    case 'archive':
      return {
        type: 'archive',
        age: parseDuration(renderTemplate(program.age, context)),
        path: renderTemplate(program.path, context),
        count: program.count,
        chunk_size: program.chunk_size,
        chunk_sleep: program.chunk_sleep,
      };
    case 'vacuum':
      return { type: 'vacuum' };
  }
}
