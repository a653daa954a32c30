import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { PathKey, Problem } from '../validation/index.js';

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export interface LocatedMessage extends Position {
  message: string;
}

/**
 * A parsed YAML file that can say where any value in it was written, so a
 * problem found after parsing (by zod, by the job check) is reported at its
 * line and column.
 */
export interface YamlSource {
  /** The document as plain data; undefined if the text held no document. */
  readonly value: unknown;
  /** Syntax errors and duplicate keys, already located. */
  readonly errors: readonly LocatedMessage[];
  /** Where the value (or, with `atKey`, the key) at `path` was written. */
  locate(path: readonly PathKey[], atKey?: boolean): Position;
  /** Locates a problem found in the parsed value. */
  place(problem: Problem): LocatedMessage;
  /**
   * `path` as the file writes it: an index 0 into a single value written
   * where a list is allowed is dropped (`schedule.tz`, not `schedule[0].tz`).
   */
  writtenPath(path: readonly PathKey[]): PathKey[];
}

/**
 * Parses YAML the way Apsis reads job files: YAML 1.2 (so `yes` and `9:30:00`
 * stay strings), duplicate keys are errors, merge keys (`<<`) work.
 */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    merge: true,
    version: '1.2',
    logLevel: 'error',
  });
  const position = (offset: number): Position => lineCounter.linePos(offset);
  const errors = doc.errors.map((err): LocatedMessage => {
    const at = position(err.pos[0]);
    if (err.code === 'DUPLICATE_KEY') {
      const key = /^[^:\n]*/.exec(text.slice(err.pos[0]))?.[0].trim() ?? '';
      return {
        ...at,
        message: `found duplicate key ${JSON.stringify(key.replace(/^["']|["']$/g, ''))}`,
      };
    }
    return { ...at, message: `YAML syntax error: ${err.message}` };
  });
  const value: unknown = doc.contents === null ? undefined : doc.toJS({ maxAliasCount: 1000 });
  const locate = (path: readonly PathKey[], atKey = false): Position => {
    const node = findNode(doc, path, atKey);
    return position(node?.range?.[0] ?? 0);
  };
  return {
    value,
    errors,
    locate,
    place: (problem) => ({ ...locate(problem.path, problem.atKey), message: problem.message }),
    writtenPath: (path) => writtenPath(doc, path),
  };
}

function writtenPath(doc: Document, path: readonly PathKey[]): PathKey[] {
  let node: unknown = doc.contents;
  const out: PathKey[] = [];
  for (const key of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (typeof key === 'number' && !isSeq(node)) {
      if (key !== 0) out.push(key);
      continue;
    }
    out.push(key);
    if (isSeq(node) && typeof key === 'number') node = node.items[key];
    else if (isMap(node))
      node = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
      )?.value;
    else node = undefined;
  }
  return out;
}

/**
 * Follows `path` as far as the document allows and returns the deepest node
 * reached: a missing key is reported at the mapping that lacks it. A path
 * index 0 into a non-list is skipped, because a single value written where a
 * list is allowed (`schedule: {...}`) is read as a one-item list.
 */
function findNode(doc: Document, path: readonly PathKey[], atKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = isNodeLike(node) ? node : undefined;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const key = path[i];
    const last = i === path.length - 1;
    if (typeof key === 'number') {
      if (isSeq(node)) node = node.items[key];
      else if (key === 0) continue;
      else return found;
    } else if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key,
      );
      if (!pair) return found;
      node = last && atKey ? pair.key : pair.value;
    } else {
      return found;
    }
    if (!isNodeLike(node)) return found;
    found = node;
  }
  return found;
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}
