import { type Kwargs, PyCallable, PyError } from './values.js';

/** Python's argument checking for the callables and filters templates use. */

/** A bound method taking `min` to `max` positional arguments. */
export function method(
  name: string,
  min: number,
  max: number,
  fn: (args: readonly unknown[]) => unknown,
): PyCallable {
  return new PyCallable(name, (args, kwargs) => {
    const keys = Object.keys(kwargs);
    if (keys.length > 0)
      throw new PyError(`${name}() got an unexpected keyword argument '${keys[0]}'`);
    if (args.length < min || args.length > max) {
      const takes =
        min === max ? `exactly ${min}` : args.length < min ? `at least ${min}` : `at most ${max}`;
      throw new PyError(
        `${name}() takes ${takes} argument${min === max && min === 1 ? '' : 's'} (${args.length} given)`,
      );
    }
    return fn(args);
  });
}

/**
 * Binds positional and keyword arguments to named parameters with defaults,
 * as a Python signature would, for filters and tests.
 */
export function bindArgs(
  name: string,
  args: readonly unknown[],
  kwargs: Kwargs,
  params: readonly (readonly [string, unknown])[],
): unknown[] {
  if (args.length > params.length)
    throw new PyError(`${name}() takes at most ${params.length} arguments (${args.length} given)`);
  const values = params.map(([, fallback], i) => (i < args.length ? args[i] : fallback));
  for (const key of Object.keys(kwargs)) {
    const at = params.findIndex(([p]) => p === key);
    if (at < 0) throw new PyError(`${name}() got an unexpected keyword argument '${key}'`);
    if (at < args.length) throw new PyError(`${name}() got multiple values for argument '${key}'`);
    values[at] = kwargs[key];
  }
  return values;
}
