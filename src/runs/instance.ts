/** Run args: every value is a string (apsis-model.md §3.1). */
export type Args = Record<string, string>;

/** Args sorted by name, as Apsis keeps them. */
export function sortArgs(args: Readonly<Record<string, string>>): Args {
  const sorted: Args = {};
  for (const key of Object.keys(args).sort()) sorted[key] = args[key] as string;
  return sorted;
}

/** `job_id(k1=v1 k2=v2)`, Apsis's instance display (apsis-model.md §3.1). */
export function formatInstance(jobId: string, args: Readonly<Record<string, string>>): string {
  return `${jobId}(${Object.entries(sortArgs(args))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')})`;
}
