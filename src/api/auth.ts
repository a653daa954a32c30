import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ForbiddenOriginError, UnauthorizedError } from '../errors.js';

/**
 * The token check of every route and websocket when `api.token` is set
 * (docs/security.md). Browsers cannot set headers on a websocket, so a
 * websocket may carry the token as `?access_token=`; so may any GET, which
 * lets a browser open an output link.
 */
export function checkToken(request: FastifyRequest, token: string): void {
  const given = bearer(request.headers.authorization) ?? queryToken(request.url);
  if (given === undefined) throw new UnauthorizedError('missing token');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  // Compared in constant time, so the answer's timing does not leak the token.
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new UnauthorizedError('wrong token');
}

function bearer(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

function queryToken(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('access_token') ?? undefined;
}

/**
 * Refuses what a browser sends for a page of another origin: without this
 * and without a token, any web page open on a machine that can reach the
 * API could schedule runs (a body-less POST, or a JSON body sent as
 * text/plain, needs no CORS preflight) or read the summary stream over a
 * websocket.
 * Browsers send `Origin` on every cross-origin POST and PUT, every fetch and
 * every websocket; command-line clients send none. The page's host must be
 * the host the request was sent to: `Host`, or behind a proxy
 * `X-Forwarded-Host`, which a page cannot set without a preflight.
 */
export function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const forwarded = request.headers['x-forwarded-host'];
  const hosts = [request.headers.host, typeof forwarded === 'string' ? forwarded : undefined]
    .flatMap((h) => (h === undefined ? [] : h.split(',')))
    .map((h) => h.trim().toLowerCase());
  const host = originHost(origin);
  if (host === undefined || !hosts.includes(host)) throw new ForbiddenOriginError(origin);
}

/** The host (and port, unless the scheme's default) of an Origin header; none for `null`. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase() || undefined;
  } catch {
    // `null` (sandboxed pages, file: URLs) and anything unparsable: no host.
    return undefined;
  }
}
