import { z } from 'zod';
import { adopt, safeParse } from './forward.js';
import { describeType } from './problems.js';

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A polymorphic object chosen by its `type` key (programs, schedules,
 * conditions, actions). `types` maps each built-in name to the schema of the
 * remaining keys; `aliases` maps other accepted names to built-in ones.
 *
 * Apsis also accepts any importable Python class name here; that extension
 * mechanism has no meaning in this implementation, so such names are refused
 * with the list of types that exist.
 */
export function typedSchema<T>(
  kind: string,
  types: Readonly<Record<string, z.ZodType<T>>>,
  aliases: Readonly<Record<string, string>> = {},
) {
  const builtins = Object.keys(types).join(', ');
  return z.unknown().transform((value, ctx): T => {
    if (value === undefined) {
      // Absent: let the error map word it as `missing key: NAME`.
      ctx.addIssue({ code: 'invalid_type', expected: 'object', input: value });
      return z.NEVER;
    }
    if (!isMapping(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a ${kind} mapping with a type, got ${describeType(value)}`,
        input: value,
      });
      return z.NEVER;
    }
    const { type, ...rest } = value;
    if (type === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `missing type (${kind} types: ${builtins})`,
        input: value,
      });
      return z.NEVER;
    }
    if (typeof type !== 'string') {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `bad type: ${JSON.stringify(type)}`,
        input: type,
      });
      return z.NEVER;
    }
    const schema = types[aliases[type] ?? type];
    if (schema === undefined) {
      const why = type.includes('.')
        ? ': types named by Python class are the original extension mechanism, which has no meaning here'
        : '';
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `unknown ${kind} type: ${type}${why} (${kind} types: ${builtins})`,
        input: type,
      });
      return z.NEVER;
    }
    return adopt(safeParse(schema, rest), ctx);
  });
}
