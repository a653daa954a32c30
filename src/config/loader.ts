import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { applyEnvFallbacks, type Env } from './env.js';
import { describeValue } from './fields.js';
import { ConfigProblemsError, type ConfigProblem } from './errors.js';
import { formatKeyPath, Origins } from './origins.js';
import { applyOverrides } from './overrides.js';
import { located, normalizeRaw } from './raw.js';
import { createConfigSchema, type Config } from './schema.js';
import { findUnknownKeys } from './unknown-keys.js';
import { readConfigFile } from './yaml-file.js';

export interface LoadConfigOptions {
  /** The `--config` file; relative to `cwd`. None → all defaults, paths relative to `cwd`. */
  readonly path?: string | undefined;
  /** `--override NAME=VALUE` arguments, applied in order. */
  readonly overrides?: readonly string[] | undefined;
  /**
   * Environment for the fallbacks of `procstar.agent.server.*` and
   * `calendar_dir`. Default `{}`: the CLI passes `process.env`, tests pass
   * what they mean, and nothing else reads the environment.
   */
  readonly env?: Env | undefined;
  /** Working directory. Default `process.cwd()`. */
  readonly cwd?: string | undefined;
}

export interface LoadedConfig {
  readonly config: Config;
  /** Problems that do not stop the load: unknown keys, deprecated spellings. */
  readonly warnings: readonly string[];
}

/**
 * Loads the config: reads the file, rewrites aliases, applies overrides to
 * the raw mapping, fills environment fallbacks, then validates and compiles
 * everything with one schema. Throws a `ConfigProblemsError` (code
 * `bad_config`) listing every problem at once.
 *
 * Overrides are applied before validation, unlike Apsis (apsis-model.md §9.1),
 * so `-o waiting.max_time=10min` is parsed exactly as the same value in the file.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const warnings: string[] = [];
  let raw: Record<string, unknown> = {};
  let origins = new Origins();
  let baseDir = cwd;
  if (options.path !== undefined) {
    const file = resolve(cwd, options.path);
    const parsed = readConfigFile(file, options.path);
    raw = parsed.raw;
    origins = parsed.origins;
    warnings.push(...parsed.warnings);
    baseDir = dirname(file);
  }

  const problems: ConfigProblem[] = [
    ...normalizeRaw(raw, origins, warnings),
    ...applyOverrides(raw, origins, options.overrides ?? [], warnings),
  ];
  applyEnvFallbacks(raw, origins, options.env ?? {}, cwd);

  const schema = createConfigSchema(baseDir);
  for (const { path, suggestion } of findUnknownKeys(schema, raw)) {
    const hint = suggestion ? `; did you mean ${suggestion}?` : '';
    warnings.push(
      located(origins, path, `unknown config key: ${formatKeyPath(path)} (ignored)${hint}`),
    );
  }

  const result = schema.safeParse(raw, { error: issueMessage, reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues.flatMap(unwrapUnionIssue)) {
      problems.push({
        where: origins.find(issue.path as (string | number)[]),
        key: formatKeyPath(issue.path as (string | number)[]),
        message: issue.message,
      });
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new ConfigProblemsError(problems, options.path);
  }
  return { config: deepFreeze(result.data) as Config, warnings };
}

/**
 * A value that matches no option of a union gets one vague issue; when exactly
 * one option got past the type check (a `{type: single}` host group missing
 * its `host`), that option's own issues say what is wrong, so report those.
 */
function unwrapUnionIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const closer = issue.errors.filter(
    (errors) =>
      errors.length > 0 && !errors.some((e) => e.code === 'invalid_type' && e.path.length === 0),
  );
  if (closer.length !== 1) return [issue];
  return closer[0]!.flatMap((e) => unwrapUnionIssue({ ...e, path: [...issue.path, ...e.path] }));
}

/** zod's own texts for the generic cases ("Invalid input: expected string, received number"), reworded. */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    const expected = EXPECTED[issue.expected] ?? issue.expected;
    return `expected ${expected}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === 'invalid_value' && issue.values.length > 0) {
    return `expected one of ${issue.values.map(String).join(', ')}, got ${describeValue(issue.input)}`;
  }
  return undefined;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
