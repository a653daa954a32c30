const RUN_ID_RE = /^r([1-9]\d*)$/;

/** The number of a run id (`r123` → 123), or undefined for a malformed id. */
export function runNumber(runId: string): number | undefined {
  const m = RUN_ID_RE.exec(runId);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function formatRunId(n: number): string {
  return `r${n}`;
}

/**
 * Args as canonical JSON: keys sorted, compact, non-ASCII kept. Equal args
 * give equal strings, so exact-args lookups are string (and index) equality.
 */
export function canonicalArgs(args: Readonly<Record<string, string>>): string {
  let text = canonical.get(args);
  if (text === undefined) {
    const keys = Object.keys(args).sort();
    text = '{';
    keys.forEach((k, i) => {
      text += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(args[k])}`;
    });
    text += '}';
    canonical.set(args, text);
  }
  return text;
}

// Args objects are never changed once made, and one run's records share
// one: each is encoded once, not on every write, publication and lookup.
const canonical = new WeakMap<object, string>();

/** The key of a run instance (job id and args) for maps and indexes. */
export function instanceKey(jobId: string, args: Readonly<Record<string, string>>): string {
  return `${jobId}\u0000${canonicalArgs(args)}`;
}
