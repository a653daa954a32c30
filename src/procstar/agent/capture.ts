import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, read, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Captured output of one child fd, read by position.
 */
export interface Capture {
  readonly mode: 'tempfile' | 'memory';
  readonly encoding: 'utf-8' | null;
  readonly attached: boolean;
  /** Bytes captured so far. */
  length(): number;
  /**
   * Reads up to `length` bytes from `position` into `buffer` at `offset`;
   * resolves to the count read, short only at the end of the output.
   */
  readInto(buffer: Buffer, offset: number, position: number, length: number): Promise<number>;
  /** The whole output (for attached results). */
  readAllSync(): Buffer;
  /** Releases the storage; reads afterwards fail. */
  close(): void;
}

export interface CaptureSettings {
  readonly encoding: 'utf-8' | null;
  readonly attached: boolean;
}

const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomSuffix(length: number): string {
  return [...randomBytes(length)].map((b) => NAME_CHARS[b % NAME_CHARS.length]).join('');
}

function readAt(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, offset, length, position, (err, bytesRead) =>
      err ? reject(err) : resolve(bytesRead),
    );
  });
}

/**
 * Output in an unlinked temporary file, for both capture modes: `memory`
 * captures are stored the same way, so the agent's memory stays flat whatever
 * a process prints, and the child's fd is a file that `/dev/stdout` opens
 * (Node can only give a child a socket, not a pipe, on which such opens
 * fail). The child writes through its own fd;
 * the agent reads through a second, read-only fd with positioned reads, so
 * reading never moves the offset the child writes at (the original seeks the
 * shared fd, §7). Nothing is held in memory.
 */
export class FileCapture implements Capture {
  /** The fd the child gets (dup'ed by spawn); the agent closes its copy once spawned. */
  #writeFd: number | null;
  #readFd: number | null;

  private constructor(
    readonly mode: 'tempfile' | 'memory',
    readonly encoding: 'utf-8' | null,
    readonly attached: boolean,
    writeFd: number,
    readFd: number,
  ) {
    this.#writeFd = writeFd;
    this.#readFd = readFd;
  }

  /** Creates `procstar-capture-XXXXXXXXXXXX` in `dir`, opens it twice, and unlinks it. Throws on an OS error. */
  static create(dir: string, mode: 'tempfile' | 'memory', settings: CaptureSettings): FileCapture {
    const path = join(dir, `procstar-capture-${randomSuffix(12)}`);
    const writeFd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      0o600,
    );
    let readFd: number;
    try {
      readFd = openSync(path, constants.O_RDONLY);
    } catch (err) {
      closeSync(writeFd);
      unlinkSync(path);
      throw err;
    }
    unlinkSync(path);
    return new FileCapture(mode, settings.encoding, settings.attached, writeFd, readFd);
  }

  get writeFd(): number {
    if (this.#writeFd === null) throw new Error('capture write fd already closed');
    return this.#writeFd;
  }

  /** Closes the agent's copy of the write end (after spawn: the child has its own). */
  closeWriteEnd(): void {
    if (this.#writeFd !== null) closeSync(this.#writeFd);
    this.#writeFd = null;
  }

  length(): number {
    if (this.#readFd === null) return 0;
    return fstatSync(this.#readFd).size;
  }

  async readInto(
    buffer: Buffer,
    offset: number,
    position: number,
    length: number,
  ): Promise<number> {
    const fd = this.#readFd;
    if (fd === null) throw new Error('capture closed');
    let filled = 0;
    while (filled < length) {
      const n = await readAt(fd, buffer, offset + filled, length - filled, position + filled);
      if (n === 0) break; // truncated meanwhile by the child
      filled += n;
    }
    return filled;
  }

  /**
   * The whole output, read synchronously: for attached results, which carry
   * all of it in every result (as the original's do) and must be built in
   * order with the other pushes.
   */
  readAllSync(): Buffer {
    const fd = this.#readFd;
    if (fd === null) throw new Error('capture closed');
    const buffer = Buffer.allocUnsafe(fstatSync(fd).size);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  }

  close(): void {
    this.closeWriteEnd();
    if (this.#readFd !== null) closeSync(this.#readFd);
    this.#readFd = null;
  }
}
