import type { z } from 'zod';
import type { Connection } from './address.js';
import {
  ApiError,
  BadResponseError,
  describeConnectError,
  UnreachableError,
  type JobError,
} from './errors.js';
import { errorBodySchema } from './schemas.js';

/** A query value; `true` sends a bare key (`?restart`, `?init`), as Apsis's routes expect. */
export type QueryValue = string | number | boolean | undefined;
export type Query =
  Readonly<Record<string, QueryValue>> | readonly (readonly [string, QueryValue])[];

export interface RequestOptions {
  query?: Query;
  body?: unknown;
}

/** The HTTP side of the daemon's API: JSON in, checked JSON out, errors as `ClientError`s. */
export interface Transport {
  readonly connection: Connection;
  json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options?: RequestOptions,
  ): Promise<z.output<S>>;
  bytes(method: string, path: string, options?: RequestOptions): Promise<Uint8Array>;
  /** A `ws://` URL for a path on the same daemon. */
  wsUrl(path: string, query?: Query): string;
  /** Headers for a request or websocket upgrade (the access token). */
  headers(): Record<string, string>;
}

/** Joins path segments, percent-encoding each (a job id's `/` stays a separator). */
export function apiPath(...segments: string[]): string {
  return segments
    .map((s) =>
      s.startsWith('/')
        ? s
        : '/' +
          s
            .split('/')
            .map((part) => encodeURIComponent(part))
            .join('/'),
    )
    .join('');
}

export function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const entries = Array.isArray(query) ? query : Object.entries(query);
  const parts: string[] = [];
  for (const [key, value] of entries as [string, QueryValue][]) {
    if (value === undefined || value === false) continue;
    parts.push(
      value === true
        ? encodeURIComponent(key)
        : `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`,
    );
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** The first readable line of a non-JSON body (an HTML error page's title, say). */
function bodyGist(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const line = (title ?? text.replace(/<[^>]*>/g, ' '))
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (line === undefined) return 'an empty answer';
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 79)}…` : line);
}

function jobErrorsOf(body: z.output<typeof errorBodySchema>): JobError[] {
  return (body.job_errors ?? []).map((e) =>
    Array.isArray(e) ? { jobId: e[0], message: e[1] } : { jobId: e.job_id, message: e.message },
  );
}

export function apiErrorFromBody(status: number, text: string): ApiError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Frameworks answer some errors with HTML (spec §1.5): say so, briefly.
    return new ApiError(status, `unknown error (not JSON: ${bodyGist(text)})`);
  }
  const body = errorBodySchema.safeParse(json);
  if (!body.success) return new ApiError(status, `unknown error (${bodyGist(text)})`);
  return new ApiError(status, body.data.error, jobErrorsOf(body.data));
}

function schemaProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}

export function createTransport(
  connection: Connection,
  fetchImpl: typeof fetch = fetch,
): Transport {
  const headers = (): Record<string, string> =>
    connection.token === undefined ? {} : { authorization: `Bearer ${connection.token}` };

  async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = `${connection.baseUrl}${path}${queryString(options.query)}`;
    const init: RequestInit = { method, headers: { ...headers(), accept: 'application/json' } };
    if (options.body !== undefined) {
      init.headers = { ...init.headers, 'content-type': 'application/json' };
      init.body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetchImpl(url, init);
    } catch (err) {
      throw new UnreachableError(connection.baseUrl, describeConnectError(err), { cause: err });
    }
    if (response.ok) return response;
    throw apiErrorFromBody(response.status, await readText(response, connection.baseUrl));
  }

  return {
    connection,
    headers,
    async json(method, path, schema, options = {}) {
      const response = await send(method, path, options);
      const text = await readText(response, connection.baseUrl);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new BadResponseError(`${method} ${path}`, `not JSON: ${bodyGist(text)}`, {
          cause: err,
        });
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new BadResponseError(`${method} ${path}`, schemaProblem(parsed.error));
      }
      return parsed.data;
    },
    async bytes(method, path, options = {}) {
      const response = await send(method, path, options);
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch (err) {
        throw new UnreachableError(connection.baseUrl, describeConnectError(err), { cause: err });
      }
    },
    wsUrl(path, query) {
      return `${connection.baseUrl.replace(/^http/, 'ws')}${path}${queryString(query)}`;
    },
  };
}

async function readText(response: Response, baseUrl: string): Promise<string> {
  try {
    return await response.text();
  } catch (err) {
    // The connection dropped mid-answer.
    throw new UnreachableError(baseUrl, describeConnectError(err), { cause: err });
  }
}
