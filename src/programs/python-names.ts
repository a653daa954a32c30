import type { BoundProgram } from './bind.js';

/**
 * Apsis has no aliases for its internal programs, so both their job and run
 * forms carry the Python class name (apsis-model.md §6.4).
 */
export const INTERNAL_TYPE_NAMES = {
  stats: 'apsis.program.internal.stats.StatsProgram',
  archive: 'apsis.program.internal.archive.ArchiveProgram',
  vacuum: 'apsis.program.internal.vacuum.VacuumProgram',
} as const;

/** Bound programs have no aliases either: their `type` is the Python class (apsis-model.md §6). */
export const BOUND_TYPE_NAMES = {
  'no-op': 'apsis.program.noop.BoundNoOpProgram',
  procstar: 'apsis.program.procstar.agent.BoundProcstarProgram',
  'procstar-ecs': 'apsis.program.procstar.aws.ecs_agent.BoundProcstarECSProgram',
  ...INTERNAL_TYPE_NAMES,
} as const satisfies Record<BoundProgram['type'], string>;
