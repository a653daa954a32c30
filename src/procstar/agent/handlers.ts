import type { Logger } from 'pino';
import { z } from 'zod';
import { ProtocolError, decodeServerMessage } from '../codec.js';
import {
  procSpecSchema,
  type AgentMessage,
  type MessageOf,
  type ServerMessage,
} from '../messages.js';
import { formatPath } from '../../validation/index.js';
import type { EncodedFrame, FdDataFramer } from './fd-data-frame.js';
import { parseFdName, unsupportedFds, validateFds } from './fds.js';
import {
  echoRequest,
  procResultMessage,
  procUnknown,
  procidList,
  requestError,
} from './outgoing.js';
import type { AgentProcess, AgentProcSpec } from './process.js';
import { compareIds, type ProcessTable } from './process-table.js';

/**
 * Requests from the server and their replies (procstar-protocol.md §2.2,
 * §2.4, §4.2). A request that succeeds without a reply (start, signal,
 * delete) returns null; its effect reaches the server as pushes.
 *
 * Unlike the original, a frame that does not decode (unknown type, a bad
 * field, a spec with an unknown key or an empty argv) is answered with a
 * RequestError naming the problem, so the server's start does not hang (§7).
 */

/**
 * The process spec this agent accepts: the protocol's (strict: an unknown key
 * is an error), plus `cwd`, an extension the original lacks.
 */
export const agentProcSpecSchema = procSpecSchema.extend({
  cwd: z.string().min(1).nullable().optional(),
});

/** A reply: a message, or a ProcFdData already encoded. */
export type Reply = AgentMessage | EncodedFrame;

export interface HandlerDeps {
  readonly table: ProcessTable;
  readonly framer: FdDataFramer;
  readonly startProcess: (procId: string, spec: AgentProcSpec) => Promise<AgentProcess>;
  readonly log: Logger;
}

type Request<T extends ServerMessage['type']> = MessageOf<ServerMessage, T>;

/** `unknown key "cwd"`, `argv: argv must not be empty`, `fds[0][1]: …`: each problem where it is. */
function describeProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = formatPath(issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k)));
      const where = path === '' ? '' : `${path}: `;
      if (issue.code === 'unrecognized_keys')
        return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${where}${issue.message}`;
    })
    .join('; ');
}

async function start(
  request: Request<'ProcStartRequest'>,
  deps: HandlerDeps,
): Promise<AgentMessage | null> {
  const fail = (err: string) => requestError(echoRequest(request, request.type), err);
  const ids = Object.keys(request.specs).sort(compareIds);
  const specs: [string, AgentProcSpec][] = [];
  for (const procId of ids) {
    const parsed = agentProcSpecSchema.safeParse(request.specs[procId]);
    if (!parsed.success) return fail(`bad spec: ${procId}: ${describeProblems(parsed.error)}`);
    specs.push([procId, parsed.data]);
  }
  // The original's order of checks (§2.4): ids, fds, shutdown state; all before any start.
  const duplicate = ids.find((id) => deps.table.has(id));
  if (duplicate !== undefined) return fail(`duplicate proc id: ${duplicate}`);
  const fdError = validateFds(specs);
  if (fdError !== null) return fail(fdError);
  const state = deps.table.shutdownState;
  if (state !== 'active') return fail(`agent shutting down: ${state}`);
  const unsupported = unsupportedFds(specs);
  if (unsupported !== null) return fail(unsupported);
  for (const [procId, spec] of specs) {
    const proc = await deps.startProcess(procId, spec);
    deps.log.info({ procId, pid: proc.pid }, 'process started');
    deps.table.add(proc);
  }
  return null;
}

/** The most one ProcFdData carries: a message is one buffer, and buffers have a limit. */
export const MAX_FD_DATA_BYTES = 2 ** 30;

/**
 * Bytes `[start, stop)` of a capture; `stop` null means to the current end.
 * A `stop` past the end gives what exists, and the reply's `stop` says where
 * it ended (the original fails with "failed to fill whole buffer", or panics
 * for memory captures, §4.2); a negative `start` is refused (§7).
 */
async function fdData(request: Request<'ProcFdDataRequest'>, deps: HandlerDeps): Promise<Reply> {
  const fail = (err: string) => requestError(echoRequest(request, request.type), err);
  const fd = parseFdName(request.fd);
  if (fd === null) return fail(`bad fd: ${request.fd}`);
  const proc = deps.table.get(request.proc_id);
  if (proc === undefined) return procUnknown(request.proc_id);
  const { start } = request;
  const stop = request.stop ?? null;
  if (start < 0) return fail(`bad range: start ${start} is negative`);
  if (stop !== null && stop < start)
    return fail(`bad range: stop ${stop} is before start ${start}`);
  const capture = proc.capture(fd);
  if ('error' in capture) return fail(capture.error);
  const size = Math.max(0, Math.min(stop ?? Infinity, capture.length()) - start);
  if (size > MAX_FD_DATA_BYTES)
    return fail(`fd data too large: ${size} bytes; request at most ${MAX_FD_DATA_BYTES} at a time`);
  return deps.framer.frame(
    { procId: request.proc_id, fd: request.fd, start, encoding: capture.encoding },
    size,
    (buffer, offset, length) => capture.readInto(buffer, offset, start, length),
  );
}

async function handle(request: ServerMessage, deps: HandlerDeps): Promise<Reply | null> {
  const { table } = deps;
  switch (request.type) {
    case 'Registered':
      return requestError(echoRequest(request, request.type), 'unexpected');
    case 'ProcStartRequest':
      return start(request, deps);
    case 'ProcidListRequest':
      return procidList(table.ids());
    case 'ProcResultRequest': {
      const proc = table.get(request.proc_id);
      return proc === undefined
        ? procUnknown(request.proc_id)
        : procResultMessage(request.proc_id, proc.result());
    }
    case 'ProcSignalRequest': {
      const proc = table.get(request.proc_id);
      if (proc === undefined) return procUnknown(request.proc_id);
      const err = proc.signal(request.signum);
      return err === null ? null : requestError(echoRequest(request, request.type), err);
    }
    case 'ProcFdDataRequest':
      return fdData(request, deps);
    case 'ProcDeleteRequest': {
      const outcome = table.delete(request.proc_id);
      if (outcome === 'unknown') return procUnknown(request.proc_id);
      if (outcome === 'running')
        return requestError(
          echoRequest(request, request.type),
          `process running: ${request.proc_id}`,
        );
      return null;
    }
  }
}

/**
 * Handles one binary frame. A frame that is not a valid request is logged
 * with its type and answered with a RequestError when it has a `type` or a
 * `proc_id` to route the error by; otherwise only logged.
 */
export async function handleFrame(frame: Uint8Array, deps: HandlerDeps): Promise<Reply | null> {
  let request: ServerMessage;
  try {
    request = decodeServerMessage(frame);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    deps.log.warn({ type: err.messageType ?? null }, `bad request from server: ${err.message}`);
    const raw = err.frame;
    const procId =
      raw !== null && typeof raw === 'object' ? (raw as { proc_id?: unknown }).proc_id : undefined;
    if (err.messageType === undefined && typeof procId !== 'string') return null;
    return requestError(echoRequest(raw, err.messageType ?? ''), err.message);
  }
  deps.log.debug({ type: request.type }, 'request');
  try {
    return await handle(request, deps);
  } catch (err) {
    // A bug or an OS failure while handling: answer it, keep the connection.
    deps.log.error({ type: request.type, err }, 'request failed');
    return requestError(
      echoRequest(request, request.type),
      `internal error: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
