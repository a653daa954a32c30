import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

/**
 * OS error texts as the Rust agent writes them (`std::io::Error`'s Display:
 * glibc's strerror, then `(os error N)`), e.g. `No such file or directory (os
 * error 2)`. They appear in results (`execve failed: …`) and in
 * `RequestError.err`, where servers and users read them.
 */
const STRERROR: Readonly<Record<string, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  ENOEXEC: 'Exec format error',
  EBADF: 'Bad file descriptor',
  ECHILD: 'No child processes',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ENOTTY: 'Inappropriate ioctl for device',
  ETXTBSY: 'Text file busy',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  ESPIPE: 'Illegal seek',
  EROFS: 'Read-only file system',
  EMLINK: 'Too many links',
  EPIPE: 'Broken pipe',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EDQUOT: 'Disk quota exceeded',
};

const errnos = constants.errno as Readonly<Record<string, number>>;

/** `{strerror} (os error {n})` for a Node system error; its message when it is not one. */
export function osErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return err instanceof Error ? err.message : String(err);
  const errno = errnos[code];
  if (errno === undefined) return err instanceof Error ? err.message : code;
  let text = STRERROR[code];
  if (text === undefined) {
    // libuv's texts are strerror's in lower case, near enough for rare codes.
    const uv = getSystemErrorMap().get(-errno)?.[1] ?? code;
    text = uv.charAt(0).toUpperCase() + uv.slice(1);
  }
  return `${text} (os error ${errno})`;
}
