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
  const keys = Object.keys(args).sort();
  let out = '{';
  keys.forEach((k, i) => {
    out += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(args[k])}`;
  });
  return `${out}}`;
}

/** The key of a run instance (job id and args) for maps and indexes. */
export function instanceKey(jobId: string, args: Readonly<Record<string, string>>): string {
  return `${jobId}\u0000${canonicalArgs(args)}`;
}
