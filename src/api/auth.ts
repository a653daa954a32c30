import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.js';

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
