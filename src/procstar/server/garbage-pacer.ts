import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc()`, as `--expose-gc` installs it. */
export type Collect = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let exposed: Collect | undefined;

/**
 * V8's collector, which Node exposes only under `--expose-gc`: the daemon
 * does not ask for a command-line flag, so the function is taken once from
 * a fresh context made while the flag is set (as jest's leak detector does),
 * and the flag is cleared again.
 */
export function v8Collect(): Collect {
  if (exposed !== undefined) return exposed;
  const global = (globalThis as { gc?: Collect }).gc;
  if (typeof global === 'function') return (exposed = global);
  setFlagsFromString('--expose-gc');
  try {
    exposed = runInNewContext('gc') as Collect;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return exposed;
}

/** Frames received between two collections by default: four output pieces. */
export const DEFAULT_COLLECT_EVERY_BYTES = 1024 * 1024;

/**
 * Collects the young generation after every megabyte or so of frames the
 * agents sent. Output frames and their compressed copies are freed by hand
 * once stored (memory/release.ts), but the socket reads a frame arrived in
 * and the compressor's output pieces live outside the V8 heap too, and are
 * freed only when the collector finds their small Buffer objects dead. V8
 * collects on its own when the heap fills with objects, or when memory
 * outside it has grown by 64 MB: a run streaming its output allocates hardly
 * any objects, so tens of megabytes of dead buffers piled up between
 * collections, and the daemon's RSS rose by that much for the rest of its
 * life (malloc keeps what it reached). A scavenge every MiB costs about a
 * millisecond and keeps what waits to be freed at a megabyte or two,
 * whatever the size of the output.
 */
export class GarbagePacer {
  private pending = 0;
  private scheduled = false;
  /** Collections run so far. */
  collections = 0;

  constructor(
    private readonly everyBytes: number = DEFAULT_COLLECT_EVERY_BYTES,
    private readonly collect: Collect = v8Collect(),
  ) {}

  /**
   * Counts a frame's bytes. Past the threshold, a scavenge runs once the
   * current I/O callbacks are done (the frame just handled is garbage by
   * then, or soon after: a frame still in use survives one scavenge and
   * goes at the next).
   */
  received(bytes: number): void {
    this.pending += bytes;
    if (this.pending < this.everyBytes || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pending = 0;
      this.collections += 1;
      this.collect({ type: 'minor' });
    });
  }
}
