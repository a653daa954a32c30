import { z } from 'zod';
import { formatKeyPath, type KeyPath } from './origins.js';
import { isMapping } from './raw.js';

export interface UnknownKey {
  readonly path: KeyPath;
  /** A declared key the operator probably meant, as a dotted path. */
  readonly suggestion?: string | undefined;
}

// Apsis's docs show this key under `server:`; its code reads `connection:`.
const MOVED: Readonly<Record<string, string>> = {
  'procstar.agent.server.reconnect_timeout': 'procstar.agent.connection.reconnect_timeout',
};

/** A sibling key within two edits of the unknown one (`conection` → `connection`, `actions` → `action`). */
function suggest(path: KeyPath, siblings: readonly string[]): string | undefined {
  const dotted = formatKeyPath(path);
  const moved = MOVED[dotted];
  if (moved) return moved;
  const key = String(path[path.length - 1]);
  const best = siblings
    .map((s) => ({ s, d: editDistance(key.toLowerCase(), s) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d)[0];
  return best ? formatKeyPath([...path.slice(0, -1), best.s]) : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Key paths in `value` that `schema` does not declare. Apsis ignores unknown
 * keys silently, so a misspelt key (`procstar.agent.conection`) silently does
 * nothing; we warn instead. Reading the declared keys off the schema itself
 * keeps this list from drifting from what is validated.
 */
export function findUnknownKeys(
  schema: z.ZodType,
  value: unknown,
  path: KeyPath = [],
): UnknownKey[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) {
    if (!isMapping(value)) return [];
    const shape = s.shape as Record<string, z.ZodType>;
    return Object.entries(value).flatMap(([key, child]) => {
      const childSchema = shape[key];
      return childSchema === undefined
        ? [{ path: [...path, key], suggestion: suggest([...path, key], Object.keys(shape)) }]
        : findUnknownKeys(childSchema, child, [...path, key]);
    });
  }
  if (s instanceof z.ZodRecord) {
    if (!isMapping(value)) return [];
    const valueType = s.valueType as z.ZodType;
    return Object.entries(value).flatMap(([key, child]) =>
      findUnknownKeys(valueType, child, [...path, key]),
    );
  }
  if (s instanceof z.ZodArray) {
    if (!Array.isArray(value)) return [];
    const element = s.element as z.ZodType;
    return value.flatMap((item, i) => findUnknownKeys(element, item, [...path, i]));
  }
  if (s instanceof z.ZodUnion) {
    // The option the value parses as; if none, the schema reports the value.
    const option = (s.options as readonly z.ZodType[]).find((o) => o.safeParse(value).success);
    return option ? findUnknownKeys(option, value, path) : [];
  }
  return [];
}

/** Looks through wrappers to the schema that describes the value's shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodReadonly
    ) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      // A preprocess is a pipe from a transform: the shape is on its output
      // side. Otherwise (`.transform`, `.pipe`) the input side is what is written.
      s = (s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType;
    } else {
      return s;
    }
  }
}
