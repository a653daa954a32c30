import { SchedulerError } from '../errors.js';

/**
 * A template that cannot be parsed. The message names the 1-based line and
 * column and what was expected there, so it reads well after the caller's
 * `job X: program.command: ` prefix.
 */
export class TemplateSyntaxError extends SchedulerError {
  constructor(
    readonly detail: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    options?: { cause?: unknown },
  ) {
    super('template_syntax', `syntax error${where(line, column)}: ${detail}`, options);
  }
}

/** A template read a name that is in neither the context nor its own `set`s (spec §3.3). */
export class TemplateNameError extends SchedulerError {
  constructor(
    readonly templateName: string,
    readonly line?: number,
  ) {
    // The exact text of the original's NameError: users grep logs for it.
    super('template_name', `name '${templateName}' is not defined`);
  }
}

/**
 * Anything else that fails while a template renders: a type error in an
 * operator, a bad date, an unknown calendar. Messages follow Python's where
 * the original would have raised a Python exception.
 */
export class TemplateEvalError extends SchedulerError {
  constructor(
    message: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super('template_eval', message, options);
  }
}

function where(line: number | undefined, column: number | undefined): string {
  if (line === undefined) return '';
  return column === undefined ? ` at line ${line}` : ` at line ${line}, column ${column}`;
}
