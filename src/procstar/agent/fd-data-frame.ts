import { encodeMessage } from '../codec.js';

/**
 * `ProcFdData` replies encoded in place: the output is read straight into a
 * reused buffer behind room for the msgpack header, and the frame goes to the
 * socket without another copy. With 1 MiB chunks of a 1 GB output, copying
 * through a fresh buffer per chunk would leave tens of MB of garbage for the
 * collector; this keeps the agent's memory flat (one pooled buffer).
 */

/** A reply already encoded; `release` once the socket has taken it. */
export interface EncodedFrame {
  readonly kind: 'encoded';
  readonly bytes: Buffer;
  readonly release: () => void;
}

export function isEncodedFrame(value: unknown): value is EncodedFrame {
  return (value as { kind?: unknown } | null)?.kind === 'encoded';
}

export interface FdDataFields {
  readonly procId: string;
  readonly fd: string;
  readonly start: number;
  readonly encoding: 'utf-8' | null;
}

/** The message up to its `data` value, as the codec writes it (the bin header excluded). */
function header(fields: FdDataFields, stop: number): Buffer {
  const bytes = encodeMessage({
    type: 'ProcFdData',
    proc_id: fields.procId,
    fd: fields.fd,
    start: fields.start,
    stop,
    encoding: fields.encoding,
    data: Buffer.alloc(0),
  });
  // The empty data is bin8 of length 0: c4 00.
  return bytes.subarray(0, bytes.length - 2);
}

/** The smallest msgpack bin header for `length` bytes. */
function binHeader(length: number): Buffer {
  if (length < 0x100) return Buffer.from([0xc4, length]);
  if (length < 0x10000) return Buffer.from([0xc5, length >> 8, length & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0xc6;
  b.writeUInt32BE(length, 1);
  return b;
}

export class FdDataFramer {
  #pool: Buffer | null = null;
  #inUse = false;

  /** `poolBytes`: the largest frame served from the reused buffer; larger ones get their own. */
  constructor(readonly poolBytes = 4 * 2 ** 20 + 4096) {}

  /**
   * Encodes a ProcFdData of up to `size` bytes from `start`, read by
   * `read(buffer, offset, length)` (which may return fewer at the end of
   * the output); its `stop` is `start` plus what was read.
   */
  async frame(
    fields: FdDataFields,
    size: number,
    read: (buffer: Buffer, offset: number, length: number) => Promise<number>,
  ): Promise<EncodedFrame> {
    // Room for the longest header: a short read only makes it shorter.
    const room = header(fields, fields.start + size).length + 5;
    const pooled = !this.#inUse && room + size <= this.poolBytes;
    let buffer: Buffer;
    if (pooled) {
      this.#pool ??= Buffer.allocUnsafe(this.poolBytes);
      buffer = this.#pool;
      this.#inUse = true;
    } else buffer = Buffer.allocUnsafe(room + size);
    const release = pooled ? () => (this.#inUse = false) : () => undefined;
    try {
      const n = await read(buffer, room, size);
      const head = Buffer.concat([header(fields, fields.start + n), binHeader(n)]);
      head.copy(buffer, room - head.length);
      return { kind: 'encoded', bytes: buffer.subarray(room - head.length, room + n), release };
    } catch (err) {
      release();
      throw err;
    }
  }
}
