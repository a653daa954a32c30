import { z } from 'zod';

/**
 * Every message of the procstar agent protocol (procstar-protocol.md §2, §3),
 * as procstar 0.7.5 puts it on the wire. Key order in each shape is the Rust
 * struct's field order, which is the order the Rust agent writes: a message
 * parsed here and encoded again gives the same bytes.
 *
 * Two strictness levels, as the protocol needs: the process spec is strict
 * (the Rust agent rejects unknown keys in it, and so does ours — but with a
 * `RequestError`, not silence), while results and registrations from agents
 * are loose, so a newer agent's extra fields reach the metadata instead of
 * killing the connection (the Python server's bug, §7).
 */

/** A u64 counter: msgpack integers past 2^53 decode as bigint. */
const count = z.union([z.number(), z.bigint()]);
const int = z.number().int();
const str = z.string();

export const shutdownStateSchema = z.enum(['active', 'idling', 'done']);
export type ShutdownState = z.infer<typeof shutdownStateSchema>;

// -- process spec (§3.1) -------------------------------------------------------

const openFlag = z.enum([
  'Default',
  'Read',
  'Write',
  'Create',
  'Replace',
  'CreateAppend',
  'Append',
  'ReadWrite',
]);
export type OpenFlag = z.infer<typeof openFlag>;

export const captureEncodingSchema = z.literal('utf-8').nullable();

/** An fd spec: unit variants are bare strings, the rest single-key maps (serde external tagging). */
export const fdSpecSchema = z.union([
  z.enum(['inherit', 'close', 'pipe-write']),
  z.strictObject({ inherit: z.null() }),
  z.strictObject({ null: z.strictObject({ flags: openFlag.default('Default') }) }),
  z.strictObject({
    file: z.strictObject({
      path: str,
      flags: openFlag.default('Default'),
      mode: int.default(0o666),
    }),
  }),
  z.strictObject({ dup: z.strictObject({ fd: int }) }),
  z.strictObject({
    capture: z.strictObject({
      mode: z.enum(['tempfile', 'memory']).default('tempfile'),
      encoding: captureEncodingSchema.default(null),
      attached: z.boolean().default(true),
    }),
  }),
  z.strictObject({ 'pipe-read': z.strictObject({ proc_id: str, fd: str }) }),
]);
export type FdSpec = z.infer<typeof fdSpecSchema>;

const optionalCount = count.nullable().optional();

export const systemdPropertiesSchema = z.strictObject({
  scope: z
    .strictObject({
      oom_policy: z.enum(['continue', 'stop', 'kill']).nullable().optional(),
      runtime_max_usec: optionalCount,
      runtime_randomized_extra_usec: optionalCount,
    })
    .optional(),
  slice: z
    .strictObject({
      memory_accounting: z.boolean().nullable().optional(),
      memory_min: optionalCount,
      memory_low: optionalCount,
      memory_high: optionalCount,
      memory_max: optionalCount,
      memory_swap_max: optionalCount,
      tasks_accounting: z.boolean().nullable().optional(),
      tasks_max: optionalCount,
    })
    .optional(),
});
export type SystemdProperties = z.infer<typeof systemdPropertiesSchema>;

export const envSpecSchema = z.strictObject({
  inherit: z.union([z.boolean(), z.array(str)]).default(true),
  vars: z.record(str, str.nullable()).default({}),
});

/** The process spec; `argv` must be non-empty (an empty one panics the Rust agent). */
export const procSpecSchema = z.strictObject({
  id: str.nullable().optional(),
  exe: str.nullable().optional(),
  argv: z.array(str).min(1, { error: 'argv must not be empty' }),
  env: envSpecSchema.optional(),
  fds: z.array(z.tuple([str, fdSpecSchema])).optional(),
  systemd_properties: systemdPropertiesSchema.optional(),
});
export type ProcSpec = z.input<typeof procSpecSchema>;
export type ParsedProcSpec = z.output<typeof procSpecSchema>;

// -- process result (§3.2) -----------------------------------------------------

export const fdResultSchema = z.union([
  z.looseObject({ type: z.literal('detached'), length: int, encoding: str }),
  z.looseObject({ type: z.literal('text'), text: str, encoding: str }),
  z.looseObject({ type: z.literal('data'), data: str, encoding: str }),
  z.looseObject({ type: z.literal('file'), path: str }),
  z.looseObject({ type: z.literal('error') }),
]);
export type FdResult = z.infer<typeof fdResultSchema>;

export const procStatusSchema = z.looseObject({
  status: int,
  exit_code: int.nullable(),
  signum: int.nullable(),
  signal: str.nullable(),
  core_dump: z.boolean(),
});
export type ProcStatus = z.infer<typeof procStatusSchema>;

export const procTimesSchema = z.looseObject({
  start: str,
  now: str,
  stop: str.nullable(),
  elapsed: z.number(),
});

/** A map of statistics the server stores but does not read. */
const stats = z.record(str, z.unknown()).nullable();

export const procResultSchema = z.looseObject({
  state: z.enum(['running', 'terminated', 'error']),
  errors: z.array(str),
  pid: int,
  proc_stat: stats,
  proc_statm: stats,
  cgroup_accounting: stats,
  times: procTimesSchema,
  status: procStatusSchema.nullable(),
  rusage: stats,
  fds: z.record(str, fdResultSchema.nullable()),
});
export type ProcResult = z.infer<typeof procResultSchema>;

// -- server → agent (§2.2) ------------------------------------------------------

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('Registered') }),
  z.looseObject({
    type: z.literal('ProcStartRequest'),
    specs: z.record(str, z.unknown()),
  }),
  z.looseObject({ type: z.literal('ProcidListRequest') }),
  z.looseObject({ type: z.literal('ProcResultRequest'), proc_id: str }),
  z.looseObject({ type: z.literal('ProcSignalRequest'), proc_id: str, signum: int }),
  z.looseObject({
    type: z.literal('ProcFdDataRequest'),
    proc_id: str,
    fd: str,
    start: int,
    stop: int.nullable().optional(),
  }),
  z.looseObject({ type: z.literal('ProcDeleteRequest'), proc_id: str }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

// -- agent → server (§2.3) ------------------------------------------------------

export const connectionInfoSchema = z.looseObject({
  conn_id: str.min(1),
  group_id: str.min(1),
  restricted_exe: str.nullable(),
});
export type ConnectionInfo = z.infer<typeof connectionInfoSchema>;

export const processInfoSchema = z.looseObject({
  pid: int,
  ppid: int,
  uid: int,
  euid: int,
  username: str.nullable(),
  gid: int,
  egid: int,
  groupname: str.nullable(),
  hostname: str,
});
export type ProcessInfo = z.infer<typeof processInfoSchema>;

/** A request as an agent echoes it in `RequestError.msg`: only `type` and `proc_id` are relied on. */
const echoedRequest = z.looseObject({ type: str, proc_id: str.optional() });

export const agentMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('RequestError'),
    msg: echoedRequest,
    err: str,
  }),
  z.looseObject({ type: z.literal('ProcUnknown'), proc_id: str }),
  z.looseObject({
    type: z.literal('Register'),
    conn: connectionInfoSchema,
    proc: processInfoSchema,
    // Absent in very old agents; the Python server then skips reconciliation.
    proc_ids: z.array(str).default([]),
    access_token: str,
    shutdown_state: shutdownStateSchema,
  }),
  z.looseObject({ type: z.literal('ProcidList'), proc_ids: z.array(str) }),
  z.looseObject({ type: z.literal('ProcResult'), proc_id: str, res: procResultSchema }),
  z.looseObject({
    type: z.literal('ProcFdData'),
    proc_id: str,
    fd: str,
    start: int,
    stop: int,
    encoding: captureEncodingSchema.optional(),
    data: z.instanceof(Uint8Array),
  }),
  z.looseObject({ type: z.literal('ProcDelete'), proc_id: str }),
  z.looseObject({ type: z.literal('ShutDown'), shutdown_state: shutdownStateSchema }),
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

/** The message of one type, from either direction. */
export type MessageOf<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>;

export const SERVER_MESSAGE_TYPES = serverMessageSchema.options.map((o) => o.shape.type.value);
export const AGENT_MESSAGE_TYPES = agentMessageSchema.options.map((o) => o.shape.type.value);
