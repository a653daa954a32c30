import { errorMessage } from '../../errors.js';
import type { OutputInfo } from '../run-store.js';
import { decodeOutput, encodeOutput, type Compression } from '../outputs.js';
import type { ApsisOutputRow } from './apsis-db.js';

export type OutputConversion =
  | {
      ok: true;
      output: OutputInfo;
      compression: Compression | null;
      data: Uint8Array;
      /** Something fixed up on the way, to report; the output is imported. */
      warning?: string;
    }
  | { ok: false; problem: string };

/**
 * One Apsis output (apsis-model.md §8.2) in our encoding. Every compression
 * Apsis reads (br, gzip, deflate) is decoded, which also proves the bytes
 * whole; brotli is kept as it is, since it is ours too, and the rest is
 * stored as the store stores a new output (brotli from 16 KiB).
 */
export function outputFromApsis(row: ApsisOutputRow): OutputConversion {
  const what = `output ${JSON.stringify(row.output_id)}`;
  for (const key of ['output_id', 'name', 'content_type'] as const)
    if (typeof row[key] !== 'string') return { ok: false, problem: `${what}: ${key} is not text` };
  const meta = {
    outputId: row.output_id as string,
    name: row.name as string,
    contentType: row.content_type as string,
  };
  const stored =
    typeof row.data === 'string'
      ? Buffer.from(row.data)
      : row.data instanceof Uint8Array
        ? row.data
        : undefined;
  if (stored === undefined) return { ok: false, problem: `${what}: data is not bytes` };
  const compression = row.compression;
  if (
    compression !== null &&
    compression !== 'br' &&
    compression !== 'gzip' &&
    compression !== 'deflate'
  )
    return { ok: false, problem: `${what}: unknown compression ${JSON.stringify(compression)}` };
  let bytes: Buffer;
  try {
    bytes = decodeOutput(what, compression, stored);
  } catch (err) {
    return { ok: false, problem: errorMessage(err) };
  }
  const output = { ...meta, length: bytes.byteLength };
  // `length` is the uncompressed size (§8.2); the bytes are what a reader gets, so they win.
  const warning =
    row.length === bytes.byteLength
      ? undefined
      : `${what}: length column says ${JSON.stringify(row.length)} but it holds ${bytes.byteLength} bytes; stored as ${bytes.byteLength}`;
  const encoded =
    compression === 'br'
      ? { compression: 'br' as const, data: stored }
      : encodeOutput({ ...output, data: bytes });
  const result: OutputConversion = { ok: true, output, ...encoded };
  if (warning !== undefined) result.warning = warning;
  return result;
}
