import type { CalendarResolver } from '../time/index.js';
import { templateCache } from './compile.js';
import { oraNames } from './helpers.js';
import { makeDict } from './values.js';

/**
 * Jinja-compatible templates for job files (spec §3.3–3.5): program fields,
 * condition fields and `enabled`, action args. See docs/templates.md.
 */

export { TemplateEvalError, TemplateNameError, TemplateSyntaxError } from './errors.js';

const brand: unique symbol = Symbol('TemplateContext');

/** The names a template can see. Build one with `bindContext` or `argsContext`. */
export interface TemplateContext {
  readonly names: Readonly<Record<string, unknown>>;
  readonly [brand]: true;
}

// Only contexts made here reach a template, so no caller can hand it a raw JS object.
const contexts = new WeakSet<TemplateContext>();

function makeContext(names: Record<string, unknown>): TemplateContext {
  const context: TemplateContext = Object.freeze({
    names: Object.freeze(names),
    [brand]: true as const,
  });
  contexts.add(context);
  return context;
}

/** A string is a template if it contains `{{` or `{%` (spec §3.3). */
export function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

/** Parses and compiles `template` (and caches it); throws TemplateSyntaxError. */
export function checkTemplate(template: string): void {
  templateCache.get(template);
}

/**
 * Renders `template`: always a string, Python's `str()` of each expression,
 * one trailing newline of the source dropped. Throws TemplateSyntaxError,
 * TemplateNameError (`name 'X' is not defined`) or TemplateEvalError.
 */
export function renderTemplate(template: string, context: TemplateContext): string {
  if (!contexts.has(context))
    throw new TypeError('renderTemplate needs a context made by bindContext or argsContext');
  // Most fields hold no template syntax at all; Jinja renders those to
  // themselves, less a single trailing newline (keep_trailing_newline=False).
  if (!template.includes('{') && !template.includes('\r'))
    return template.endsWith('\n') ? template.slice(0, -1) : template;
  return templateCache.get(template).render(context.names);
}

/**
 * The context for binding a run (spec §3.4), later entries winning: the ora
 * helpers and `format`, then `run_id` and `job_id`, then the run's args, so a
 * param named `job_id` or `format` shadows the helper.
 */
export function bindContext(opts: {
  runId: string | undefined;
  jobId: string;
  args: Readonly<Record<string, string>>;
  calendars: CalendarResolver;
}): TemplateContext {
  const names = makeDict(Object.entries(oraNames(opts.calendars)));
  names['run_id'] = opts.runId ?? null;
  names['job_id'] = opts.jobId;
  for (const [key, value] of Object.entries(opts.args)) names[key] = value;
  return makeContext(names);
}

/** Run args only, no helpers: what the `schedule` action expands its args with (spec §3.4). */
export function argsContext(args: Readonly<Record<string, string>>): TemplateContext {
  return makeContext(makeDict(Object.entries(args)));
}

/**
 * A condition's `enabled` (spec §3.5): absent is on, a bool is itself, a
 * string is rendered and read as `true`/`True` → on, `false`/`False` → off,
 * otherwise on unless empty (so `"0"` and `"no"` are on, as in the original).
 */
export function evalEnabled(
  enabled: boolean | string | undefined,
  context: TemplateContext,
): boolean {
  if (enabled === undefined) return true;
  if (typeof enabled === 'boolean') return enabled;
  const result = renderTemplate(enabled, context);
  if (result === 'true' || result === 'True') return true;
  if (result === 'false' || result === 'False') return false;
  return result !== '';
}
