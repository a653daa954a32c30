import type { ConfigProblem } from './errors.js';
import type { KeyPath, Origins } from './origins.js';

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Prefixes a message with where its key was written, when known. */
export function located(origins: Origins, path: KeyPath, message: string): string {
  const where = origins.find(path, true);
  return where ? `${where}: ${message}` : message;
}

// Documented by Apsis (docs/config.rst) but never implemented there either
// (apsis-model.md §9.5): types are built in here.
const UNSUPPORTED_KEYS = ['program_types', 'schedule_types', 'action_types'];

/**
 * Rewrites the file's older and alternative spellings into the schema's,
 * before overrides apply, so an override of the new name wins over a file
 * that used the old one:
 * - `jobs` (the name in Apsis's docs) → `job_dir` (the name its code reads);
 * - `runs_lookback` (deprecated) → `runs.lookback`, with a warning;
 * - `database: PATH` → `database: {path: PATH}`.
 * Unsupported keys are dropped with a warning.
 */
export function normalizeRaw(
  raw: Record<string, unknown>,
  origins: Origins,
  warnings: string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];

  for (const key of UNSUPPORTED_KEYS) {
    if (!(key in raw)) continue;
    warnings.push(
      located(origins, [key], `config key ${key} is not supported: types are built in (ignored)`),
    );
    delete raw[key];
  }

  if ('jobs' in raw) {
    const jobs = raw['jobs'];
    if ('job_dir' in raw && raw['job_dir'] !== jobs) {
      problems.push({
        where: origins.find(['jobs'], true),
        key: 'jobs',
        message: `both jobs (${String(jobs)}) and job_dir (${String(raw['job_dir'])}) are set; keep one`,
      });
    } else {
      raw['job_dir'] = jobs;
      origins.move(['jobs'], ['job_dir']);
    }
    delete raw['jobs'];
  }

  if ('runs_lookback' in raw) {
    const lookback = raw['runs_lookback'];
    const runs = raw['runs'] ?? {};
    if (!isMapping(runs)) {
      // The schema reports `runs` itself; the alias cannot go anywhere.
      warnings.push(located(origins, ['runs_lookback'], 'runs_lookback is deprecated (ignored)'));
    } else if (runs['lookback'] !== undefined) {
      warnings.push(
        located(
          origins,
          ['runs_lookback'],
          'runs_lookback is deprecated and runs.lookback is also set; runs_lookback is ignored',
        ),
      );
    } else {
      warnings.push(
        located(origins, ['runs_lookback'], 'runs_lookback is deprecated; use runs.lookback'),
      );
      raw['runs'] = { ...runs, lookback };
      origins.move(['runs_lookback'], ['runs', 'lookback']);
    }
    delete raw['runs_lookback'];
  }

  const database = raw['database'];
  if (typeof database === 'string') {
    raw['database'] = { path: database };
    origins.move(['database'], ['database', 'path']);
  }
  return problems;
}
