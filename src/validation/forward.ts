import type { z } from 'zod';
import { z as zod } from 'zod';

/**
 * Parses with issue inputs kept: `problemsFromZod` needs them to tell a
 * missing key from a wrong value.
 */
export function safeParse<T extends z.ZodType>(
  schema: T,
  value: unknown,
): z.ZodSafeParseResult<z.output<T>> {
  return schema.safeParse(value, { reportInput: true });
}

/**
 * Inside a transform, adopts the result of parsing a part of the input with
 * another schema: its issues join the outer parse under `prefix`.
 */
export function adopt<T>(
  result: z.ZodSafeParseResult<T>,
  ctx: z.core.$RefinementCtx,
  prefix: readonly (string | number)[] = [],
): T {
  if (result.success) return result.data;
  for (const issue of result.error.issues)
    ctx.addIssue({ ...issue, path: [...prefix, ...issue.path] });
  return zod.NEVER;
}
