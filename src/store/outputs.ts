import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliCompressSync,
  brotliDecompressSync,
  constants as zlibConstants,
  gunzipSync,
  inflateSync,
} from 'node:zlib';
import { errorMessage } from '../errors.js';
import { CorruptValueError } from './errors.js';
import type { RunOutput } from './records.js';

/** Outputs this size or larger are compressed (apsis-model.md §8.3). */
export const COMPRESS_MIN_BYTES = 16 * 1024;

/** Apsis's brotli quality: fast enough for the event loop at typical output sizes. */
const BROTLI_QUALITY = 3;

export type Compression = 'br' | 'gzip' | 'deflate';

/** An output as the `output` table holds it. */
export interface EncodedOutput {
  readonly compression: Compression | null;
  readonly data: Uint8Array;
}

/** Encodings made ahead by `precompressOutput`, by output object. */
const precompressed = new WeakMap<RunOutput, EncodedOutput>();

/**
 * Compresses large outputs with brotli. Output that brotli cannot shrink
 * (already compressed, random bytes) is stored as is: the stored form is
 * never larger than the output, and readers need not decompress it.
 *
 * Synchronous, because the store queues the write in the caller's turn (a
 * final output commits with the run's final state). On the daemon's path the
 * work is done before, off the event loop, by `precompressOutput`, and this
 * returns that result; the synchronous compression is left for callers
 * that have no loop to protect (the Apsis import) and for an output that
 * was not prepared.
 */
export function encodeOutput(output: RunOutput): EncodedOutput {
  if (output.data.byteLength < COMPRESS_MIN_BYTES) return { compression: null, data: output.data };
  const ready = precompressed.get(output);
  if (ready !== undefined) return ready;
  const compressed = brotliCompressSync(output.data, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: output.data.byteLength,
    },
  });
  return compressed.byteLength < output.data.byteLength
    ? { compression: 'br', data: compressed }
    : { compression: null, data: output.data };
}

const brotliCompressAsync = promisify(brotliCompress);

/**
 * log2 of the brotli window for chunks: 64 KiB. Each of libuv's threads that
 * compresses a chunk keeps what its encoder reached (malloc keeps a thread's
 * arena): about 2 MB a thread with a 1 MiB window, 0.6 MB with this one. Logs
 * compress as well (12.6 % for both on 1 MiB of log lines at quality 3).
 */
const CHUNK_LGWIN = 16;

/**
 * Compresses a whole output on libuv's thread pool, ahead of its
 * `putOutput`, which then uses the result (see `encodeOutput`). The runtime
 * calls this for a program's final outputs before handing them to the run,
 * so a 50 MB output never stalls the scheduler for its compression.
 */
export async function precompressOutput(output: RunOutput): Promise<void> {
  if (output.data.byteLength < COMPRESS_MIN_BYTES || precompressed.has(output)) return;
  const compressed = await brotliCompressAsync(output.data, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: output.data.byteLength,
    },
  });
  precompressed.set(
    output,
    compressed.byteLength < output.data.byteLength
      ? { compression: 'br', data: compressed }
      : { compression: null, data: output.data },
  );
}

/**
 * Compresses one chunk of an output appended while its program runs, on
 * libuv's thread pool: a program printing hundreds of megabytes must not
 * stall the scheduler for the compression.
 */
export async function encodeChunk(data: Uint8Array): Promise<EncodedOutput> {
  if (data.byteLength < COMPRESS_MIN_BYTES) return { compression: null, data };
  const compressed = await brotliCompressAsync(data, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.byteLength,
      [zlibConstants.BROTLI_PARAM_LGWIN]: CHUNK_LGWIN,
    },
  });
  return compressed.byteLength < data.byteLength
    ? { compression: 'br', data: compressed }
    : { compression: null, data };
}

/**
 * The uncompressed bytes. Reads every compression Apsis writes or reads
 * (br, gzip, deflate = zlib stream), so imported Apsis outputs stay readable.
 * Throws `CorruptValueError` for an unknown compression or bytes that do not
 * decompress: returning nothing would look like a missing output.
 */
export function decodeOutput(what: string, compression: string | null, data: Uint8Array): Buffer {
  try {
    switch (compression) {
      case null:
        return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      case 'br':
        return brotliDecompressSync(data);
      case 'gzip':
        return gunzipSync(data);
      case 'deflate':
        return inflateSync(data);
    }
  } catch (err) {
    throw new CorruptValueError(
      what,
      'data',
      `does not decompress as ${compression}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  throw new CorruptValueError(what, 'compression', `is unknown: ${JSON.stringify(compression)}`);
}
