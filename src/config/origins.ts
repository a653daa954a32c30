/** A key path inside the raw config mapping: `['procstar', 'agent', 'enable']`. */
export type KeyPath = readonly (string | number)[];

/** `procstar.agent.enable`, `host_groups.g.hosts[1]`: a key path as operators write it. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? key : `.${key}`;
  }
  return out;
}

interface Origin {
  /** Where the value was written: `apsis.yaml:3:12`, `override waiting.max_time`, `env PROCSTAR_AGENT_PORT`. */
  readonly value: string;
  /** Where its key was written, for problems about the key itself; defaults to `value`. */
  readonly key?: string | undefined;
}

// Paths are stored joined with a character that cannot appear in a YAML key
// we care about, so `a.b` as one key and `a` → `b` stay distinct.
const SEP = '\u0000';
const join = (path: KeyPath): string => path.map(String).join(SEP);

/**
 * Remembers where each value of the raw mapping came from, so a problem found
 * later by the schema can name the file line, the override or the environment
 * variable that supplied it.
 */
export class Origins {
  private readonly byPath = new Map<string, Origin>();

  set(path: KeyPath, value: string, key?: string): void {
    this.byPath.set(join(path), { value, key });
  }

  /** Forgets `path` and everything under it: an override replaced the subtree. */
  clear(path: KeyPath): void {
    const prefix = join(path);
    for (const k of [...this.byPath.keys()]) {
      if (k === prefix || k.startsWith(prefix + SEP)) this.byPath.delete(k);
    }
  }

  /** Re-homes `from` and everything under it at `to`: an alias was renamed. */
  move(from: KeyPath, to: KeyPath): void {
    const src = join(from);
    const dst = join(to);
    this.clear(to);
    for (const [k, origin] of [...this.byPath]) {
      if (k === src || k.startsWith(src + SEP)) {
        this.byPath.delete(k);
        this.byPath.set(dst + k.slice(src.length), origin);
      }
    }
  }

  /**
   * Where the value at `path` came from: its own origin or, for values the
   * source did not write (a missing key, a merged-in value), the nearest
   * enclosing one. `atKey` prefers the key's position.
   */
  find(path: KeyPath, atKey = false): string | undefined {
    for (let n = path.length; n >= 0; n--) {
      const origin = this.byPath.get(join(path.slice(0, n)));
      if (origin) return atKey && n === path.length ? (origin.key ?? origin.value) : origin.value;
    }
    return undefined;
  }
}
