import { SchedulerError } from '../errors.js';
import { getAttribute, getItem, getSlice, softAttribute } from './attributes.js';
import { TemplateEvalError, TemplateNameError, TemplateSyntaxError } from './errors.js';
import { FILTERS } from './filters.js';
import { jinjaGlobals } from './helpers.js';
import { FrameClass, type Frame } from './nunjucks.js';
import {
  binaryOp,
  compareOp,
  type CompareOp,
  contains as pyContains,
  MAX_SEQUENCE_LENGTH,
  unaryOp,
} from './operators.js';
import { TESTS } from './tests.js';
import {
  type BinaryOp,
  dictGet,
  iterate as pyIterate,
  type Kwargs,
  makeDict,
  makeTuple,
  MISSING,
  PyCallable,
  PyError,
  pyStr,
  truthy as pyTruthy,
  typeName,
  UNDEFINED,
} from './values.js';

/**
 * The runtime object compiled templates call (as `runtime.x(...)`). It
 * replaces nunjucks' runtime wholesale: names resolve only in the frame, the
 * run's context and Jinja's globals; members through attributes.ts; calls
 * only to PyCallables. Anything thrown becomes one of our template errors.
 */

/** Across one render, at most this many loop iterations and output characters. */
export const MAX_LOOP_ITEMS = 1_000_000;
export const MAX_OUTPUT_CHARS = MAX_SEQUENCE_LENGTH;

let loopItems = 0;
let outputChars = 0;

/** Resets the per-render budgets; rendering is synchronous, so one counter suffices. */
export function startRender(): void {
  loopItems = 0;
  outputChars = 0;
}

/** What compiled templates see as `context`: the run's names plus top-level `set`s. */
export class RenderContext {
  private readonly vars: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  constructor(private readonly names: Readonly<Record<string, unknown>>) {}

  lookup(name: string): unknown {
    let value = dictGet(this.vars, name);
    if (value === MISSING) value = dictGet(this.names, name);
    if (value === MISSING) value = dictGet(jinjaGlobals, name);
    return value;
  }

  setVariable(name: string, value: unknown): void {
    this.vars[name] = value;
  }

  addExport(): void {}
}

/** What a macro body returns; unwrapped to a plain string as soon as the call returns. */
class SafeString {
  constructor(readonly val: string) {}
}

const kwargsObjects = new WeakSet<object>();

function splitArgs(args: readonly unknown[]): { positional: unknown[]; kwargs: Kwargs } {
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null && kwargsObjects.has(last))
    return { positional: args.slice(0, -1), kwargs: last as Kwargs };
  return { positional: [...args], kwargs: makeDict() };
}

function makeKwargs(pairs: readonly (readonly [string, unknown])[]): Kwargs {
  const kwargs = makeDict(pairs);
  kwargsObjects.add(kwargs);
  return kwargs;
}

type MacroBody = (...args: unknown[]) => unknown;

/** nunjucks' macro calling convention (positional args, then a kwargs object), as a PyCallable. */
function makeMacro(argNames: string[], kwargNames: string[], body: MacroBody): PyCallable {
  return new PyCallable('macro', (args, given) => {
    const kwargs = makeDict(Object.entries(given));
    let positional = [...args];
    if (positional.length > argNames.length) {
      positional.slice(argNames.length).forEach((value, i) => {
        const name = kwargNames[i];
        if (name !== undefined) kwargs[name] = value;
      });
      positional = positional.slice(0, argNames.length);
    } else {
      for (const name of argNames.slice(positional.length)) {
        positional.push(kwargs[name]);
        delete kwargs[name];
      }
    }
    return body(...positional, kwargs);
  });
}

function toError(err: unknown, lineno: number | undefined): Error {
  const line = lineno === undefined ? undefined : lineno + 1;
  if (err instanceof TemplateNameError && err.line === undefined && line !== undefined)
    return new TemplateNameError(err.templateName, line);
  if (
    err instanceof TemplateNameError ||
    err instanceof TemplateEvalError ||
    err instanceof TemplateSyntaxError
  )
    return err;
  if (err instanceof PyError || err instanceof SchedulerError)
    return new TemplateEvalError(err.message, line, { cause: err });
  if (err instanceof RangeError && /call stack/i.test(err.message))
    return new TemplateEvalError('template recursion is too deep', line, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new TemplateEvalError(`internal error while rendering: ${message}`, line, { cause: err });
}

function lookup(context: RenderContext, frame: Frame, name: string): unknown {
  const local = frame.lookup(name);
  if (local !== undefined) return local;
  const value = context.lookup(name);
  if (value === MISSING) throw new TemplateNameError(name);
  return value;
}

export const runtime = Object.freeze({
  Frame: FrameClass,
  SafeString,
  makeMacro,
  handleError: toError,

  lookup,
  softLookup(context: RenderContext, frame: Frame, name: string): unknown {
    const local = frame.lookup(name);
    if (local !== undefined) return local;
    const value = context.lookup(name);
    return value === MISSING ? UNDEFINED : value;
  },
  member(obj: unknown, key: unknown): unknown {
    return typeof key === 'string' ? getAttribute(obj, key) : getItem(obj, key);
  },
  softMember(obj: unknown, key: unknown): unknown {
    if (obj === UNDEFINED) return UNDEFINED;
    const value = softAttribute(obj, key);
    return value === MISSING ? UNDEFINED : value;
  },
  slice: getSlice,

  call(callee: unknown, name: string, args: readonly unknown[]): unknown {
    if (!(callee instanceof PyCallable))
      throw new PyError(`${name ? `${name}: ` : ''}'${typeName(callee)}' object is not callable`);
    const { positional, kwargs } = splitArgs(args);
    const result = callee.call(positional, kwargs);
    return result instanceof SafeString ? result.val : result;
  },
  filter(name: string, value: unknown, args: readonly unknown[]): unknown {
    const filter = dictGet(FILTERS, name);
    if (typeof filter !== 'function') throw new PyError(`no filter named '${name}'`);
    const { positional, kwargs } = splitArgs(args);
    return (filter as (typeof FILTERS)[string])(value, positional, kwargs);
  },
  test(name: string, value: unknown, args: readonly unknown[]): boolean {
    const test = dictGet(TESTS, name);
    if (typeof test !== 'function') throw new PyError(`no test named '${name}'`);
    const { positional, kwargs } = splitArgs(args);
    return (test as (typeof TESTS)[string])(value, positional, kwargs);
  },

  dict(pairs: readonly (readonly [unknown, unknown])[]): Record<string, unknown> {
    return makeDict(
      pairs.map(([key, value]) => {
        if (typeof key !== 'string')
          throw new PyError(`dict keys in templates must be strings, not ${typeName(key)}`);
        return [key, value] as const;
      }),
    );
  },
  kwargs: makeKwargs,
  makeKeywordArgs: (obj: Record<string, unknown>): Kwargs => makeKwargs(Object.entries(obj)),
  tuple: makeTuple,
  int: (n: number): bigint => BigInt(n),

  truthy: pyTruthy,
  or: (left: unknown, right: () => unknown): unknown => (pyTruthy(left) ? left : right()),
  and: (left: unknown, right: () => unknown): unknown => (pyTruthy(left) ? right() : left),
  binop: (op: BinaryOp, a: unknown, b: unknown): unknown => binaryOp(op, a, b),
  unop: (op: '-' | '+', value: unknown): unknown => unaryOp(op, value),
  concat(a: unknown, b: unknown): string {
    const s = pyStr(a) + pyStr(b);
    if (s.length > MAX_SEQUENCE_LENGTH) throw new PyError('string too long');
    return s;
  },
  compare(chain: readonly unknown[]): boolean {
    // Python chains `a < b < c` as `a < b and b < c`.
    for (let i = 1; i < chain.length; i += 2) {
      if (!compareOp(chain[i] as CompareOp, chain[i - 1], chain[i + 1])) return false;
    }
    return true;
  },
  contains: pyContains,

  iterate(value: unknown): readonly unknown[] {
    const items = pyIterate(value);
    loopItems += items.length;
    if (loopItems > MAX_LOOP_ITEMS)
      throw new PyError(`template loops ran over ${MAX_LOOP_ITEMS} items; refusing to go on`);
    return items;
  },
  resetScope(frame: Frame, keep: readonly string[]): void {
    for (const name of Object.keys(frame.variables))
      if (name !== 'loop' && !keep.includes(name)) delete frame.variables[name];
  },
  filterLoop(value: unknown, keep: (item: unknown) => boolean): readonly unknown[] {
    return runtime.iterate(value).filter((item) => keep(item));
  },
  fromIterator: (value: unknown): readonly unknown[] =>
    Array.isArray(value) ? value : pyIterate(value),
  isArray: Array.isArray,
  keys: Object.keys,

  suppressValue(value: unknown): string {
    const s = pyStr(value);
    outputChars += s.length;
    if (outputChars > MAX_OUTPUT_CHARS)
      throw new PyError(`template output is over ${MAX_OUTPUT_CHARS} characters`);
    return s;
  },
  markSafe: (value: unknown): unknown => value,
});

export type Runtime = typeof runtime;
