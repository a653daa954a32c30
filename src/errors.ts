/**
 * The error catalogue. Every error the scheduler raises on purpose is a
 * `SchedulerError` with a stable `code`; callers branch on the code or the
 * class, never on the message text. Messages say what was wrong and, where
 * there is one, the fix. `docs/errors.md` lists every code.
 */

export const errorCodes = {
  bad_duration: { httpStatus: 400, summary: 'a value could not be read as a duration' },
  bad_time: { httpStatus: 400, summary: 'a value could not be read as a time' },
  bad_date: { httpStatus: 400, summary: 'a value could not be read as a date' },
  bad_daytime: { httpStatus: 400, summary: 'a value could not be read as a time of day' },
  bad_time_pattern: { httpStatus: 400, summary: 'a time format pattern is invalid' },
  unknown_time_zone: { httpStatus: 400, summary: 'a time zone name is not in the IANA database' },
  unknown_calendar: { httpStatus: 400, summary: 'a calendar name is neither built in nor a file' },
  calendar_range: { httpStatus: 400, summary: 'a date is outside the range of a file calendar' },
  bad_calendar_file: { httpStatus: 400, summary: 'a calendar file could not be parsed' },
  bad_cron: { httpStatus: 400, summary: 'a cron expression could not be parsed' },
  template_syntax: { httpStatus: 400, summary: 'a template could not be parsed' },
  template_name: { httpStatus: 400, summary: 'a template used a name that is not defined' },
  template_eval: { httpStatus: 400, summary: 'a template failed while it was rendered' },
  bad_job: { httpStatus: 400, summary: 'a job definition is invalid' },
  jobs_dir: { httpStatus: 400, summary: 'the jobs directory could not be loaded' },
  bad_config: { httpStatus: 400, summary: 'the config file or an override is invalid' },
  bad_argument: { httpStatus: 400, summary: 'a command-line argument is invalid' },
  bad_value: { httpStatus: 400, summary: 'a value in a job, run or request is invalid' },
  bind_failed: { httpStatus: 400, summary: 'a run could not be bound to its job' },
  unknown_job: { httpStatus: 404, summary: 'no job has the given id' },
  ambiguous_job: { httpStatus: 400, summary: 'a job id prefix matches more than one job' },
  bad_request: { httpStatus: 400, summary: 'an API request parameter or body is invalid' },
  unauthorized: {
    httpStatus: 401,
    summary: 'the API requires a token and the request had none or a wrong one',
  },
  forbidden_origin: {
    httpStatus: 403,
    summary: 'a browser sent the request from a page of another origin',
  },
  no_route: { httpStatus: 404, summary: 'no API route has this path and method' },
  no_agent_server: { httpStatus: 400, summary: 'the procstar agent server is not enabled' },
  run_not_found: { httpStatus: 404, summary: 'no run has the given id' },
  output_not_found: { httpStatus: 404, summary: 'the run has no output of the given id' },
  actor_not_found: {
    httpStatus: 404,
    summary: 'no live or recently stopped actor has the given id',
  },
  machine_not_found: { httpStatus: 404, summary: 'no state machine has the given name' },
  operation_refused: {
    httpStatus: 409,
    summary: 'the run is not in a state that allows the operation',
  },
  operation_failed: { httpStatus: 500, summary: 'the operation was allowed but failed' },
  db_missing: { httpStatus: 500, summary: 'the database file does not exist' },
  db_exists: { httpStatus: 409, summary: 'a database file to be created already exists' },
  db_open: { httpStatus: 500, summary: 'the database file could not be opened as SQLite' },
  db_schema: { httpStatus: 500, summary: 'the database schema is not one this version can use' },
  db_commit: { httpStatus: 500, summary: 'a batch of writes could not be committed' },
  db_corrupt: { httpStatus: 500, summary: 'a stored value could not be decoded' },
  db_closed: { httpStatus: 500, summary: 'the run store was used after it was closed' },
  worker_crashed: {
    httpStatus: 500,
    summary: 'a worker thread exited or threw during a task; the thread is replaced',
  },
  worker_timeout: {
    httpStatus: 500,
    summary: 'a worker task did not finish within its time limit',
  },
  worker_aborted: {
    httpStatus: 500,
    summary: 'a worker task was cancelled (its run stopped, or the daemon stopped)',
  },
  worker_failed: { httpStatus: 500, summary: 'a worker task reported an error' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class SchedulerError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  get httpStatus(): number {
    return errorCodes[this.code].httpStatus;
  }
}

export class DurationError extends SchedulerError {
  constructor(
    readonly value: unknown,
    detail?: string,
  ) {
    super(
      'bad_duration',
      `can't parse as duration: ${String(value)}${detail ? `: ${detail}` : ''}`,
    );
  }
}

export class TimeFormatError extends SchedulerError {
  constructor(
    code: 'bad_time' | 'bad_date' | 'bad_daytime',
    readonly value: unknown,
    expected: string,
  ) {
    super(code, `not a ${expected}: ${JSON.stringify(value)}`);
  }
}

export class UnknownTimeZoneError extends SchedulerError {
  constructor(readonly zone: string) {
    super(
      'unknown_time_zone',
      `unknown time zone: ${zone} (use an IANA name such as America/New_York, or UTC)`,
    );
  }
}

export class UnknownCalendarError extends SchedulerError {
  constructor(
    readonly calendar: string,
    searched?: string,
  ) {
    super(
      'unknown_calendar',
      `no such calendar: ${calendar}` +
        ` (built in: all, none, weekday expressions such as Mon-Fri;` +
        (searched
          ? ` no file ${calendar}.cal in ${searched})`
          : ' no calendar directory is configured)'),
    );
  }
}

export class CalendarRangeError extends SchedulerError {
  constructor(
    readonly calendar: string,
    readonly date: string,
    readonly rangeStart: string,
    readonly rangeStop: string,
  ) {
    super(
      'calendar_range',
      `date ${date} is outside calendar ${calendar}, which covers ${rangeStart} up to ${rangeStop}` +
        ' (exclusive); extend the calendar file',
    );
  }
}

export class CalendarFileError extends SchedulerError {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super('bad_calendar_file', `${file}:${line}: ${detail}`);
  }
}

export class ConfigError extends SchedulerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_config', message, options);
  }
}

export class ArgumentError extends SchedulerError {
  constructor(message: string) {
    super('bad_argument', message);
  }
}

/** The jobs directory is missing or unreadable, or holds jobs with problems. */
export class JobsDirError extends SchedulerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('jobs_dir', message, options);
  }
}

/** A value that is the right type but not an acceptable one (a signal name, a count). */
export class InvalidValueError extends SchedulerError {
  constructor(message: string) {
    super('bad_value', message);
  }
}

/** A run's args or conditions could not be bound to its job (apsis-model.md §3.2). */
export class BindError extends SchedulerError {
  constructor(message: string) {
    super('bind_failed', message);
  }
}

/** No job has this id (Apsis: `unknown job ID: X`). */
export class UnknownJobError extends SchedulerError {
  constructor(readonly jobId: string) {
    super('unknown_job', `unknown job ID: ${jobId}`);
  }
}

/** A job id that is not a job's exact id and fuzzily matches several (apsis-interfaces.md §2.2). */
export class AmbiguousJobError extends SchedulerError {
  constructor(
    readonly jobId: string,
    readonly matches: readonly string[],
  ) {
    const shown = matches.slice(0, 8).join(', ') + (matches.length > 8 ? ' …' : '');
    super('ambiguous_job', `ambiguous job id: ${shown}`);
  }
}

/** An API request whose path, query or body is invalid; `field` names the part. */
export class BadRequestError extends SchedulerError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('bad_request', `${field}: ${message}`);
  }
}

/** The API requires a token (`api.token`) and the request did not carry it. */
export class UnauthorizedError extends SchedulerError {
  constructor(detail: string) {
    super(
      'unauthorized',
      `${detail}: send the API token as "Authorization: Bearer TOKEN" (or ?access_token=TOKEN on a websocket)`,
    );
  }
}

/** A browser request from a page of another origin (cross-site request forgery). */
export class ForbiddenOriginError extends SchedulerError {
  constructor(readonly origin: string) {
    super(
      'forbidden_origin',
      `requests from pages of another origin are refused: ${origin} (behind a proxy, pass the Host header on)`,
    );
  }
}

/** No API route answers this method and path. */
export class NoRouteError extends SchedulerError {
  constructor(
    readonly method: string,
    readonly path: string,
  ) {
    super('no_route', `no API route ${method} ${path}`);
  }
}

/** A procstar route was called while `procstar.agent.enable` is false (Apsis's text). */
export class NoAgentServerError extends SchedulerError {
  constructor() {
    super('no_agent_server', 'no agent server running');
  }
}

/** A job submitted through the API (an ad hoc job) is invalid; every problem is listed. */
export class InvalidJobError extends SchedulerError {
  constructor(readonly problems: readonly string[]) {
    super('bad_job', `invalid job: ${problems.join('; ')}`);
  }
}

/** No run has this id (a malformed id is not found either). */
export class RunNotFoundError extends SchedulerError {
  constructor(readonly runId: string) {
    super('run_not_found', `unknown run ID: ${runId}`);
  }
}

/** A run has no output of this id (Apsis's text, apsis-interfaces.md §2.5). */
export class OutputNotFoundError extends SchedulerError {
  constructor(
    readonly runId: string,
    readonly outputId: string,
  ) {
    super('output_not_found', `no output ${outputId} for ${runId}`);
  }
}

/** No actor has this id: it never existed, or stopped more than the keep time ago (docs/inspection.md). */
export class ActorNotFoundError extends SchedulerError {
  constructor(readonly actorId: string) {
    super(
      'actor_not_found',
      `unknown actor ID: ${actorId} (stopped actors are forgotten after 15 s; GET /api/v1/actors lists the live ones)`,
    );
  }
}

/** No state machine has this name. */
export class MachineNotFoundError extends SchedulerError {
  constructor(
    readonly machine: string,
    readonly known: readonly string[],
  ) {
    super('machine_not_found', `unknown machine: ${machine} (machines: ${known.join(', ')})`);
  }
}

/** An operation the run's state does not allow, with Apsis's message (apsis-model.md §7.4). */
export class OperationRefusedError extends SchedulerError {
  constructor(message: string) {
    super('operation_refused', message);
  }
}

/** An allowed operation that failed (sending a signal to a program that is gone). */
export class OperationFailedError extends SchedulerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('operation_failed', message, options);
  }
}

/** The message of anything thrown, for logs and run output. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
