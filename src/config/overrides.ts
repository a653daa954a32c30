import { isCollection, isScalar, parseDocument } from 'yaml';
import type { ConfigProblem } from './errors.js';
import { formatKeyPath, type Origins } from './origins.js';
import { isMapping } from './raw.js';

/** One `--override NAME=VALUE`, split and with its value read. */
export interface Override {
  /** The name as written, for messages: `waiting.max_time`. */
  readonly name: string;
  /** The key path it sets, after aliases: `['waiting', 'max_time']`. */
  readonly path: readonly string[];
  readonly value: unknown;
}

// Deprecated or documented spellings, renamed as the file's keys are (raw.ts).
const NAME_ALIASES: Readonly<Record<string, string>> = {
  jobs: 'job_dir',
  runs_lookback: 'runs.lookback',
};

/**
 * Reads an override value as YAML, so `true`, `5`, `1.5`, `null`, `[a, b]`,
 * `{k: v}` and `"quoted"` mean what they mean in the file. Text YAML cannot
 * read on its own (`*`, `@x`), text YAML would read as a block mapping or
 * list (`a: b`), and plain strings are taken verbatim, so a token such as
 * `abc #1` is not cut at what YAML thinks is a comment.
 */
export function parseOverrideValue(text: string): unknown {
  const doc = parseDocument(text, { version: '1.2' });
  if (doc.errors.length > 0) return text;
  const node = doc.contents;
  if (node === null) return null;
  if (isScalar(node) && node.type === 'PLAIN' && typeof node.value === 'string') return text;
  if (isCollection(node) && !node.flow) return text;
  try {
    return doc.toJS();
  } catch {
    // An alias without an anchor (`*x`): not meant as YAML, so it is a string.
    return text;
  }
}

/** Splits `NAME=VALUE`; returns a problem naming the override when it is malformed. */
export function parseOverride(text: string): Override | ConfigProblem {
  const eq = text.indexOf('=');
  const rawName = eq < 0 ? '' : text.slice(0, eq).trim();
  const where = `override ${text}`;
  if (eq < 0) return { where, key: '', message: 'expected NAME=VALUE (no = found)' };
  if (rawName === '') return { where, key: '', message: 'expected NAME=VALUE (empty name)' };
  const canonical = NAME_ALIASES[rawName] ?? rawName;
  const path = canonical.split('.');
  if (path.some((p) => p === '')) {
    return { where, key: '', message: 'expected a dotted name such as waiting.max_time' };
  }
  return { name: rawName, path, value: parseOverrideValue(text.slice(eq + 1)) };
}

/**
 * Applies overrides to the raw mapping, in order, before validation: creates
 * missing mappings along a dotted name, replaces what the file had there, and
 * records the override as the value's origin. Returns the problems found.
 */
export function applyOverrides(
  raw: Record<string, unknown>,
  origins: Origins,
  texts: readonly string[],
  warnings: string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const text of texts) {
    const override = parseOverride(text);
    if (!('path' in override)) {
      problems.push(override);
      continue;
    }
    const { name, path, value } = override;
    if (name === 'runs_lookback') {
      warnings.push(`override runs_lookback: deprecated; use runs.lookback`);
    }
    const problem = setPath(raw, path, value);
    if (problem) {
      problems.push({ where: `override ${name}`, key: formatKeyPath(path), message: problem });
      continue;
    }
    origins.clear(path);
    origins.set(path, `override ${name}`);
  }
  return problems;
}

function setPath(raw: Record<string, unknown>, path: readonly string[], value: unknown) {
  let mapping = raw;
  for (const [i, key] of path.slice(0, -1).entries()) {
    let next = mapping[key];
    if (next === undefined || next === null) {
      next = {};
    } else if (i === 0 && key === 'database' && typeof next === 'string') {
      // `database: x.db` is shorthand for `database: {path: x.db}`.
      next = { path: next };
    } else if (!isMapping(next)) {
      return `can't set it: ${formatKeyPath(path.slice(0, i + 1))} is not a mapping`;
    }
    mapping[key] = next;
    mapping = next as Record<string, unknown>;
  }
  mapping[path[path.length - 1]!] = value;
  return undefined;
}
