import { Decoder, Encoder } from '@msgpack/msgpack';
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
 * maps with string keys and the smallest headers (the Rust agent writes
 * fixmaps), nil for null, bin for bytes, and 64-bit integers as bigint so a
 * u64 statistic such as `rsslim` survives a round trip. (@msgpack/msgpack:
 * pure JavaScript, no native add-on to install.)
 */
const encoder = new Encoder({ useBigInt64: true });
const decoder = new Decoder({ useBigInt64: true });

/** 64-bit integers that fit a double exactly become numbers: only true u64 extremes stay bigint. */
function narrow(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = narrow(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = narrow(record[key]);
  return record;
}

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
  const bytes = encoder.encode(message);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes msgpack bytes, without checking the shape. */
export function decodeFrame(data: Uint8Array): unknown {
  return narrow(decoder.decode(data));
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
