import { JinjaCompiler } from './compiler.js';
import { TemplateEvalError, TemplateSyntaxError } from './errors.js';
import { FrameClass } from './nunjucks.js';
import { parseTemplate } from './parser.js';
import { RenderContext, runtime, startRender, type Runtime } from './runtime.js';

/**
 * Compiling a template source once and rendering it many times. Spec §3.3:
 * sources are compiled once and memoized; the original's cache is unbounded
 * (spec §11.9), ours keeps the most recently used `capacity` templates.
 */

type Callback = (err: unknown, output?: string) => void;
type RootFunction = (
  env: object,
  context: RenderContext,
  frame: InstanceType<typeof FrameClass>,
  rt: Runtime,
  cb: Callback,
) => void;

export interface CompiledTemplate {
  render(names: Readonly<Record<string, unknown>>): string;
}

// nunjucks' generated code reads only `env.opts.autoescape`: Jinja's default is off.
const ENV = Object.freeze({ opts: Object.freeze({ autoescape: false }) });

/**
 * Jinja's lexer treats `\r\n`, `\r` and `\n` alike and, with its default
 * keep_trailing_newline=False, drops one newline at the end of the source.
 */
export function normalizeSource(source: string): string {
  return source.replace(/\r\n?/g, '\n').replace(/\n$/, '');
}

function hasMarkup(source: string): boolean {
  return source.includes('{{') || source.includes('{%') || source.includes('{#');
}

class PlainText implements CompiledTemplate {
  constructor(private readonly text: string) {}
  render(): string {
    return this.text;
  }
}

class Compiled implements CompiledTemplate {
  constructor(private readonly root: RootFunction) {}

  render(names: Readonly<Record<string, unknown>>): string {
    const frame = new FrameClass();
    frame.topLevel = true;
    let output: string | undefined;
    let error: unknown;
    startRender();
    // Templates without async filters run synchronously: the callback fires before root returns.
    this.root(ENV, new RenderContext(names), frame, runtime, (err, result) => {
      if (err) error = err;
      else output = result;
    });
    if (error !== undefined) throw runtime.handleError(error, undefined);
    if (output === undefined) throw new TemplateEvalError('template produced no output');
    return output;
  }
}

function generate(source: string): RootFunction {
  const ast = parseTemplate(source);
  const compiler = new JinjaCompiler();
  let code: string;
  try {
    compiler.compile(ast, undefined);
    code = compiler.getCode();
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw err;
    const e = err as { message?: unknown; lineno?: unknown; colno?: unknown };
    const line = typeof e.lineno === 'number' ? e.lineno : undefined;
    const column = typeof e.colno === 'number' ? e.colno : undefined;
    throw new TemplateSyntaxError(String(e.message ?? err), line, column, { cause: err });
  }
  // The code is nunjucks' generated JavaScript for our AST; every template-supplied
  // name and string in it is a JSON-quoted literal (see compiler.ts).
  const factory = new Function(code) as () => { root: RootFunction };
  return factory().root;
}

export function compileSource(source: string): CompiledTemplate {
  const text = normalizeSource(source);
  if (!hasMarkup(text)) return new PlainText(text);
  try {
    return new Compiled(generate(text));
  } catch (err) {
    if (err instanceof RangeError)
      throw new TemplateSyntaxError('template is nested too deeply', undefined, undefined, {
        cause: err,
      });
    throw err;
  }
}

/** A least-recently-used cache of compiled templates, keyed by source. */
export class TemplateCache {
  private readonly entries = new Map<string, CompiledTemplate>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The compiled template for `source`, compiling it on a miss; syntax errors are not cached. */
  get(source: string): CompiledTemplate {
    const hit = this.entries.get(source);
    if (hit !== undefined) {
      this.entries.delete(source);
      this.entries.set(source, hit);
      return hit;
    }
    const compiled = compileSource(source);
    this.entries.set(source, compiled);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return compiled;
  }

  has(source: string): boolean {
    return this.entries.has(source);
  }
}

/** Job files hold a few thousand distinct templates at most; this keeps them all warm. */
export const DEFAULT_CACHE_CAPACITY = 10_000;

export const templateCache = new TemplateCache(DEFAULT_CACHE_CAPACITY);
