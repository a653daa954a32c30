/**
 * What can go wrong between the client and the daemon. Commands branch on
 * the class (or `code`), never on the message; `runClientCommand` turns each
 * into one line on stderr and exit 1. Listed in docs/cli.md ("Errors").
 */
export type ClientErrorCode = 'api_error' | 'unreachable' | 'bad_response' | 'stream_closed';

export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One entry of a reload's `job_errors`: the job and what is wrong with it. */
export interface JobError {
  jobId: string;
  message: string;
}

/** The daemon answered with a non-2xx status (spec §1.5). */
export class ApiError extends ClientError {
  constructor(
    readonly status: number,
    /** The body's `error`, or `unknown error` for a body that is not JSON. */
    readonly error: string,
    readonly jobErrors: readonly JobError[] = [],
  ) {
    super('api_error', `${error} [API status: ${status}]`);
  }
}

/** No connection: refused, unknown host, reset before an answer. */
export class UnreachableError extends ClientError {
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'unreachable',
      `cannot reach the daemon at ${url}: ${reason}` +
        ' (is it running? set --host/--port or APSIS_HOST)',
      options,
    );
  }
}

/** A 2xx answer that is not the JSON this client relies on. */
export class BadResponseError extends ClientError {
  constructor(what: string, detail: string, options?: { cause?: unknown }) {
    super('bad_response', `unexpected response from the daemon for ${what}: ${detail}`, options);
  }
}

/** A websocket the command needed ended before its work was done. */
export class StreamClosedError extends ClientError {
  constructor(what: string, detail: string) {
    super('stream_closed', `${what}: ${detail}`);
  }
}

/** Names a connection failure by its system error code, as a person would say it. */
export function describeConnectError(err: unknown): string {
  const code = findCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case undefined:
      return deepestMessage(err);
    default:
      return code;
  }
}

/** The system error code of an error or of one of its causes (fetch wraps them). */
function findCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e !== 'object') return undefined;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_INVALID_ARG_TYPE') return code;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = findCode(errors[0]);
      if (inner !== undefined) return inner;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** fetch wraps the real reason (`bad port`, …) in `TypeError: fetch failed`: use the innermost. */
function deepestMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  for (let e = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e.message !== '') message = e.message;
    e = e.cause;
  }
  return message;
}
