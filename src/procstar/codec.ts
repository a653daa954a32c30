import { Packr, Unpackr } from 'msgpackr';
import type { z } from 'zod';
import { formatPath, problemsFromZod } from '../validation/index.js';
import {
  agentMessageSchema,
  serverMessageSchema,
  type AgentMessage,
  type ServerMessage,
} from './messages.js';

/**
 * The msgpack codec of the agent protocol (procstar-protocol.md §2.1): plain
 * maps with string keys (no msgpackr records), the smallest map header (the
 * Rust agent writes fixmaps), nil for null, bin for bytes, and u64 values past
 * 2^53 as bigint so they survive a round trip.
 */
// msgpackr supports 'auto' (bigint only past 2^53) but its types omit it.
const int64AsType = 'auto' as 'bigint';
const packr = new Packr({
  useRecords: false,
  variableMapSize: true,
  encodeUndefinedAsNil: true,
  int64AsType,
});
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType });

/** A frame that is not a protocol message: bad msgpack, no `type`, an unknown type or a bad field. */
export class ProtocolError extends Error {
  /** The frame's `type`, when it had one. */
  readonly messageType: string | undefined;
  /** The decoded frame, when it was msgpack at all. */
  readonly frame: unknown;

  constructor(message: string, messageType: string | undefined, frame: unknown) {
    super(message);
    this.name = 'ProtocolError';
    this.messageType = messageType;
    this.frame = frame;
  }
}

export function encodeMessage(message: AgentMessage | ServerMessage | object): Buffer {
  return packr.pack(message);
}

/** Decodes msgpack bytes, without checking the shape. */
export function decodeFrame(data: Uint8Array): unknown {
  return unpackr.unpack(data);
}

function typeOf(frame: unknown): string | undefined {
  if (frame === null || typeof frame !== 'object') return undefined;
  const type = (frame as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

function parse<S extends z.ZodType>(schema: S, known: readonly string[], data: Uint8Array) {
  let frame: unknown;
  try {
    frame = decodeFrame(data);
  } catch (err) {
    throw new ProtocolError(`not msgpack: ${(err as Error).message}`, undefined, undefined);
  }
  const type = typeOf(frame);
  if (type === undefined) throw new ProtocolError('not a message: no "type" key', undefined, frame);
  if (!known.includes(type)) throw new ProtocolError(`unknown message type ${type}`, type, frame);
  const result = schema.safeParse(frame);
  if (!result.success)
    throw new ProtocolError(
      `bad ${type}: ${problemsFromZod(result.error)
        .map((p) => (p.path.length === 0 ? p.message : `${formatPath(p.path)}: ${p.message}`))
        .join('; ')}`,
      type,
      frame,
    );
  return result.data as z.output<S>;
}

const agentTypes = agentMessageSchema.options.map((o) => o.shape.type.value as string);
const serverTypes = serverMessageSchema.options.map((o) => o.shape.type.value as string);

/** Decodes and checks a frame from an agent; throws `ProtocolError`. */
export function decodeAgentMessage(data: Uint8Array): AgentMessage {
  return parse(agentMessageSchema, agentTypes, data);
}

/** Decodes and checks a frame from a server; throws `ProtocolError`. */
export function decodeServerMessage(data: Uint8Array): ServerMessage {
  return parse(serverMessageSchema, serverTypes, data);
}
