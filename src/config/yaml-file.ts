import { readFileSync } from 'node:fs';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type YAMLError,
} from 'yaml';
import { ConfigError, errorMessage } from '../errors.js';
import { ConfigProblemsError, type ConfigProblem } from './errors.js';
import { Origins, type KeyPath } from './origins.js';

export interface ConfigFile {
  /** The top-level mapping as plain data; `{}` for an empty file. */
  readonly raw: Record<string, unknown>;
  /** Where each value was written (`apsis.yaml:3:12`). */
  readonly origins: Origins;
  /** YAML warnings (an unknown tag, …) with their positions. */
  readonly warnings: readonly string[];
}

/**
 * Reads and parses a config file. Duplicate keys and YAML syntax errors are
 * fatal, all listed with `file:line:col`; `name` is how the file is named in
 * messages (the path as the operator gave it).
 */
export function readConfigFile(file: string, name: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`can't read config file ${name}: ${errorMessage(err)}`, { cause: err });
  }
  return parseConfigText(text, name);
}

/** Parses config text; see `readConfigFile`. */
export function parseConfigText(text: string, name: string): ConfigFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.2',
    uniqueKeys: true,
    merge: true,
    lineCounter,
    prettyErrors: false,
  });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${name}:${line}:${col}`;
  };

  const problems: ConfigProblem[] = doc.errors.map((e) => yamlProblem(e, doc, at));
  if (problems.length === 0) {
    visit(doc, {
      Alias(_, alias) {
        if (alias.resolve(doc) === undefined) {
          problems.push({
            where: at(alias.range?.[0] ?? 0),
            key: '',
            message: `YAML alias *${alias.source} has no anchor &${alias.source} before it`,
          });
        }
      },
    });
  }
  let raw: unknown = null;
  if (problems.length === 0) {
    try {
      raw = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      // toJS still throws on alias bombs (more than maxAliasCount expansions).
      problems.push({ where: name, key: '', message: errorMessage(err) });
    }
  }
  if (problems.length === 0 && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    const start = doc.contents?.range?.[0] ?? 0;
    problems.push({
      where: at(start),
      key: '',
      message: 'the config file must be a mapping of keys to values',
    });
  }
  if (problems.length > 0) throw new ConfigProblemsError(problems, name);

  const origins = new Origins();
  origins.set([], name);
  if (doc.contents) recordOrigins(doc.contents, [], origins, at);
  return {
    raw: (raw ?? {}) as Record<string, unknown>,
    origins,
    warnings: doc.warnings.map((w) => `${at(w.pos[0])}: ${yamlMessage(w)}`),
  };
}

function yamlProblem(e: YAMLError, doc: Document, at: (offset: number) => string): ConfigProblem {
  if (e.code === 'DUPLICATE_KEY') {
    return { where: at(e.pos[0]), key: '', message: `duplicate key: ${keyAt(doc, e.pos[0])}` };
  }
  return { where: at(e.pos[0]), key: '', message: `YAML syntax error: ${yamlMessage(e)}` };
}

/** The key whose node starts at `offset` (a duplicate-key error points there). */
function keyAt(doc: Document, offset: number): string {
  let key = '?';
  visit(doc, {
    Pair(_, pair) {
      const node = pair.key as Node | null;
      if (node?.range?.[0] === offset) {
        key = isScalar(node) ? String(node.value) : String(node);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return key;
}

// yaml's messages end with " at line L, column C" plus a source excerpt when
// `prettyErrors` is on; it is off, but strip any location tail all the same.
function yamlMessage(e: YAMLError): string {
  return e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Walks the YAML tree, recording where each key and value is written. */
function recordOrigins(
  node: Node,
  path: KeyPath,
  origins: Origins,
  at: (offset: number) => string,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      // `<<` merge keys are resolved by toJS; the merged values keep the
      // position of the mapping that merges them.
      if (key === undefined || key === '<<') continue;
      const child = [...path, key];
      const keyAt = keyNode?.range ? at(keyNode.range[0]) : undefined;
      const valueNode = pair.value as Node | null;
      const valueAt = valueNode?.range ? at(valueNode.range[0]) : keyAt;
      if (valueAt) origins.set(child, valueAt, keyAt);
      if (valueNode) recordOrigins(valueNode, child, origins, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const itemNode = item as Node | null;
      if (!itemNode) return;
      if (itemNode.range) origins.set([...path, i], at(itemNode.range[0]));
      recordOrigins(itemNode, [...path, i], origins, at);
    });
  }
}
