import { z } from 'zod';
import { isTemplate } from '../templates/index.js';
import { parseDuration } from '../time/index.js';
import { attempt, optionalStringish, stringish, typedSchema } from '../validation/index.js';
import { toSignalName } from './signals.js';

/**
 * Programs as job files give them (apsis-model.md §6): string fields are
 * templates, bound per run by `bindProgram`. Field names follow the job file
 * and Apsis's JSON, so `toJso` is the identity on these shapes.
 */
export interface StopSpec {
  signal: string;
  grace_period: string;
}

export interface TimeoutSpec {
  duration: string;
  signal: string;
}

export interface NoOpProgramSpec {
  type: 'no-op';
  duration: string | null;
  /** true → success; false → failure; null → error. */
  success: boolean | null;
}

interface ProcstarCommon {
  group_id: string;
  sudo_user: string | null;
  stop: StopSpec;
  timeout: TimeoutSpec | null;
  resources: { mem_max_gb: number | null };
}

export interface ProcstarProgramSpec extends ProcstarCommon {
  type: 'procstar';
  argv: string[];
}

export interface ProcstarShellProgramSpec extends ProcstarCommon {
  type: 'procstar-shell';
  command: string;
}

export interface ProcstarEcsProgramSpec {
  type: 'procstar-ecs';
  command: string | null;
  argv: string[] | null;
  stop: StopSpec;
  timeout: TimeoutSpec | null;
  mem_gb: string | null;
  vcpu: string | null;
  disk_gb: string | null;
  role: string | null;
  task_definition: string | null;
}

export interface StatsProgramSpec {
  type: 'stats';
  path: string | null;
}

export interface ArchiveProgramSpec {
  type: 'archive';
  age: string;
  path: string;
  count: number;
  chunk_size: number | null;
  chunk_sleep: number | null;
}

export interface VacuumProgramSpec {
  type: 'vacuum';
}

export type ProgramSpec =
  | NoOpProgramSpec
  | ProcstarProgramSpec
  | ProcstarShellProgramSpec
  | ProcstarEcsProgramSpec
  | StatsProgramSpec
  | ArchiveProgramSpec
  | VacuumProgramSpec;

export const DEFAULT_GROUP_ID = 'default';
export const DEFAULT_STOP: StopSpec = { signal: 'SIGTERM', grace_period: '60' };

/** A templated field, checked now when it holds no template. */
function checkedTemplate(check: (value: string) => unknown) {
  return stringish.superRefine((value, ctx) => {
    if (!isTemplate(value)) attempt(ctx, () => check(value));
  });
}

const signalField = checkedTemplate(toSignalName);
const durationTemplate = checkedTemplate(parseDuration);
const numberTemplate = (what: string) =>
  checkedTemplate((v) => {
    if (v.trim() === '' || !Number.isFinite(Number(v)))
      throw new Error(`${what} must be a number, got ${JSON.stringify(v)}`);
  });

const stopSchema = z
  .strictObject({
    signal: signalField.default(DEFAULT_STOP.signal),
    grace_period: durationTemplate.default(DEFAULT_STOP.grace_period),
  })
  .nullish()
  .transform((o): StopSpec => o ?? { ...DEFAULT_STOP });

const timeoutSchema = z
  .strictObject({ duration: durationTemplate, signal: signalField.default('SIGTERM') })
  .nullish()
  .transform((o): TimeoutSpec | null => o ?? null);

const resourcesSchema = z
  .strictObject({
    mem_max_gb: z.coerce
      .number({ error: 'mem_max_gb must be a number' })
      .refine((n) => n > 0, { message: 'mem_max_gb must be positive' })
      .nullish(),
  })
  .nullish()
  .transform((o) => ({ mem_max_gb: o?.mem_max_gb ?? null }));

const procstarCommon = {
  group_id: stringish.default(DEFAULT_GROUP_ID),
  sudo_user: optionalStringish.transform((v) => v ?? null),
  stop: stopSchema,
  timeout: timeoutSchema,
  resources: resourcesSchema,
};

const nullableTemplate = optionalStringish.transform((v) => v ?? null);

const programTypes = {
  'no-op': z
    .strictObject({
      duration: optionalStringish.superRefine((v, ctx) => {
        if (v != null && !isTemplate(v)) attempt(ctx, () => parseDuration(v));
      }),
      success: z.boolean().nullable().default(true),
    })
    .transform((o): NoOpProgramSpec => ({
      type: 'no-op',
      duration: o.duration ?? null,
      success: o.success,
    })),
  procstar: z
    .strictObject({
      argv: z.array(stringish, { error: 'argv must be a list of strings' }),
      ...procstarCommon,
    })
    .transform((o): ProcstarProgramSpec => ({ type: 'procstar', ...o })),
  'procstar-shell': z
    .strictObject({ command: stringish, ...procstarCommon })
    .transform((o): ProcstarShellProgramSpec => ({ type: 'procstar-shell', ...o })),
  'procstar-ecs': z
    .strictObject({
      command: nullableTemplate,
      argv: z
        .array(stringish)
        .nullish()
        .transform((v) => v ?? null),
      stop: stopSchema,
      timeout: timeoutSchema,
      mem_gb: numberTemplate('mem_gb')
        .nullish()
        .transform((v) => v ?? null),
      vcpu: numberTemplate('vcpu')
        .nullish()
        .transform((v) => v ?? null),
      disk_gb: numberTemplate('disk_gb')
        .nullish()
        .transform((v) => v ?? null),
      role: nullableTemplate,
      task_definition: nullableTemplate,
    })
    .superRefine((o, ctx) => {
      if (o.command !== null && o.argv !== null)
        ctx.addIssue({ code: 'custom', message: "specify either 'command' or 'argv', not both" });
      if (o.command === null && o.argv === null)
        ctx.addIssue({ code: 'custom', message: "must specify either 'command' or 'argv'" });
    })
    .transform((o): ProcstarEcsProgramSpec => ({ type: 'procstar-ecs', ...o })),
  stats: z
    .strictObject({ path: nullableTemplate })
    .transform((o): StatsProgramSpec => ({ type: 'stats', path: o.path })),
  archive: z
    .strictObject({
      age: durationTemplate,
      path: stringish,
      count: z.coerce.number().int(),
      chunk_size: z.coerce
        .number()
        .int()
        .positive({ message: 'chunk_size must be a positive integer' })
        .nullish(),
      chunk_sleep: z.coerce.number().nonnegative().nullish(),
    })
    .transform((o): ArchiveProgramSpec => ({
      type: 'archive',
      age: o.age,
      path: o.path,
      count: o.count,
      chunk_size: o.chunk_size ?? null,
      chunk_sleep: o.chunk_sleep ?? null,
    })),
  vacuum: z.strictObject({}).transform((): VacuumProgramSpec => ({ type: 'vacuum' })),
} satisfies Record<string, z.ZodType<ProgramSpec>>;

/**
 * The internal programs of Apsis, named by Python class in its job files
 * (apsis-model.md §6.4), are aliases of ours.
 */
export const INTERNAL_PROGRAM_ALIASES: Readonly<Record<string, string>> = {
  'apsis.program.internal.stats.StatsProgram': 'stats',
  'apsis.program.internal.archive.ArchiveProgram': 'archive',
  'apsis.program.internal.vacuum.VacuumProgram': 'vacuum',
};

export const programSchema = typedSchema<ProgramSpec>(
  'program',
  programTypes,
  INTERNAL_PROGRAM_ALIASES,
);
