import type { AgentMessage, MessageOf, ProcResult, ShutdownState } from '../messages.js';

/**
 * The messages the agent sends, each with exactly the protocol's fields in
 * the Rust enum's order (procstar-protocol.md §2.3): the Python server closes
 * the connection on an extra or missing key (§9).
 */

type Out<T extends AgentMessage['type']> = MessageOf<AgentMessage, T>;

export const requestError = (msg: Record<string, unknown>, err: string): Out<'RequestError'> => ({
  type: 'RequestError',
  msg: msg as Out<'RequestError'>['msg'],
  err,
});

export const procUnknown = (procId: string): Out<'ProcUnknown'> => ({
  type: 'ProcUnknown',
  proc_id: procId,
});

export const procidList = (procIds: string[]): Out<'ProcidList'> => ({
  type: 'ProcidList',
  proc_ids: procIds,
});

export const procResultMessage = (procId: string, res: ProcResult): Out<'ProcResult'> => ({
  type: 'ProcResult',
  proc_id: procId,
  res,
});

export const procDelete = (procId: string): Out<'ProcDelete'> => ({
  type: 'ProcDelete',
  proc_id: procId,
});

export const shutDown = (state: ShutdownState): Out<'ShutDown'> => ({
  type: 'ShutDown',
  shutdown_state: state,
});

/**
 * The request as `RequestError.msg` echoes it: `type` first, then the
 * request's own fields in the Rust struct's order, only those present. A
 * server routes the error by `proc_id`, or by the keys of `specs` for a
 * start (§5.3), so those two are kept even from a request that failed to
 * decode; `specs` is always a map for a start, or the Python server fails.
 */
export function echoRequest(frame: unknown, type: string): Record<string, unknown> {
  const fields = (frame !== null && typeof frame === 'object' ? frame : {}) as Record<
    string,
    unknown
  >;
  const echo: Record<string, unknown> = { type };
  const order: Record<string, readonly string[]> = {
    ProcStartRequest: ['specs'],
    ProcResultRequest: ['proc_id'],
    ProcSignalRequest: ['proc_id', 'signum'],
    ProcFdDataRequest: ['proc_id', 'fd', 'start', 'stop'],
    ProcDeleteRequest: ['proc_id'],
  };
  for (const key of order[type] ?? ['proc_id']) if (key in fields) echo[key] = fields[key];
  if (type === 'ProcStartRequest') {
    const specs = echo.specs;
    if (specs === null || typeof specs !== 'object' || Array.isArray(specs)) echo.specs = {};
  }
  if ('proc_id' in echo && typeof echo.proc_id !== 'string') delete echo.proc_id;
  if (type === 'ProcFdDataRequest' && !('stop' in echo)) echo.stop = null;
  return echo;
}
