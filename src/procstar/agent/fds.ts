import { closeSync, constants, openSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FdSpec, OpenFlag, ParsedProcSpec } from '../messages.js';
import { FileCapture, type Capture } from './capture.js';
import { osErrorText } from './os-error.js';

/**
 * A process's fd list (procstar-protocol.md §3.1): validation across a start
 * request, with the original's error texts (§2.4), and the plan that turns
 * the ordered list into Node's `stdio` array.
 */

/** `stdin`/`stdout`/`stderr` or a decimal number, as the original's `parse_fd`; null when bad. */
export function parseFdName(name: string): number | null {
  if (name === 'stdin') return 0;
  if (name === 'stdout') return 1;
  if (name === 'stderr') return 2;
  if (!/^\+?\d{1,10}$/.test(name)) return null;
  const fd = Number(name);
  return fd <= 2 ** 31 - 1 ? fd : null;
}

/** The name results use for fd `n`. */
export function fdName(fd: number): string {
  return fd === 0 ? 'stdin' : fd === 1 ? 'stdout' : fd === 2 ? 'stderr' : String(fd);
}

type Specs = readonly (readonly [string, ParsedProcSpec])[];

const isPipeWrite = (spec: FdSpec) => spec === 'pipe-write';
const pipeRead = (spec: FdSpec) =>
  typeof spec === 'object' && 'pipe-read' in spec ? spec['pipe-read'] : undefined;

/** The first fd problem across a start request, as the original words it, or null. */
export function validateFds(specs: Specs): string | null {
  for (const [, spec] of specs) {
    const seen = new Set<number>();
    for (const [name] of spec.fds ?? []) {
      const fd = parseFdName(name);
      if (fd === null) return `bad fd: ${name}`;
      if (seen.has(fd)) return `duplicate fd: ${name}`;
      seen.add(fd);
    }
  }
  const writePipes = new Set<string>();
  for (const [procId, spec] of specs)
    for (const [name, fdSpec] of spec.fds ?? [])
      if (isPipeWrite(fdSpec)) writePipes.add(`${procId}\0${parseFdName(name)}`);
  for (const [, spec] of specs)
    for (const [, fdSpec] of spec.fds ?? []) {
      const from = pipeRead(fdSpec);
      if (from === undefined) continue;
      const fd = parseFdName(from.fd);
      if (fd === null) return `bad fd: ${from.fd}`;
      if (!writePipes.delete(`${from.proc_id}\0${fd}`))
        return `unmatched read pipe: ${from.proc_id} ${from.fd}`;
    }
  const [unmatched] = writePipes;
  if (unmatched !== undefined) {
    const [procId, fd] = unmatched.split('\0');
    return `unmatched write pipe: ${procId} ${fd}`;
  }
  return null;
}

/**
 * Pipes between the processes of one request need a hook between fork and
 * exec that Node does not give; they are refused up front, before anything
 * starts.
 */
export function unsupportedFds(specs: Specs): string | null {
  for (const [procId, spec] of specs)
    for (const [name, fdSpec] of spec.fds ?? [])
      if (isPipeWrite(fdSpec) || pipeRead(fdSpec) !== undefined)
        return `pipe fds are not supported by this agent: ${procId} ${name}`;
  return null;
}

function openFlags(flag: OpenFlag, fd: number): number {
  const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_EXCL, O_APPEND } = constants;
  switch (flag) {
    case 'Default':
      return fd === 0
        ? O_RDONLY
        : fd <= 2
          ? O_WRONLY | O_CREAT | O_TRUNC
          : O_RDWR | O_CREAT | O_TRUNC;
    case 'Read':
      return O_RDONLY;
    case 'Write':
      return O_WRONLY | O_CREAT | O_TRUNC;
    case 'Create':
      return O_WRONLY | O_CREAT | O_EXCL;
    case 'Replace':
      return O_WRONLY | O_TRUNC;
    case 'Append':
      return O_WRONLY | O_APPEND;
    case 'CreateAppend':
      return O_WRONLY | O_CREAT | O_APPEND;
    case 'ReadWrite':
      return O_RDWR | O_CREAT | O_TRUNC;
  }
}

/** An entry of Node's `stdio`: an agent fd for the child to get, or 'ignore'. */
export type StdioEntry = 'ignore' | number;

/** What the child's fd refers to while the list is applied in order. */
type Source =
  | { kind: 'fd'; fd: number } // an fd of the agent: inherited, opened, or a capture's write end
  | { kind: 'closed' };

export interface FdPlan {
  /** Node's `stdio` array. */
  readonly stdio: StdioEntry[];
  /** Every listed fd by result name, with its capture or null, in list order. */
  readonly results: readonly (readonly [string, Capture | null])[];
  /** Captures by child fd number, for FdData requests. */
  readonly captures: ReadonlyMap<number, FileCapture>;
  /** Called once the child is spawned (or failed to): closes the agent's copies of the child's fds. */
  readonly release: () => void;
  /** `failed to set up fd N: …`, after which nothing is spawned. */
  readonly error: string | null;
}

/**
 * Applies the fd list in order, as the original's child does between fork
 * and exec: files are opened and captures created here in the agent, `dup`
 * copies whatever the child's fd refers to at that point. Unlisted fds 0–2
 * are inherited from the agent; unlisted higher fds are closed. A closed
 * 0–2 becomes /dev/null (Node cannot leave them closed).
 */
export function planFds(
  fds: readonly (readonly [string, FdSpec])[],
  options: { tmpDir: string; cwd: string },
): FdPlan {
  const current = new Map<number, Source>([
    [0, { kind: 'fd', fd: 0 }],
    [1, { kind: 'fd', fd: 1 }],
    [2, { kind: 'fd', fd: 2 }],
  ]);
  const opened: number[] = [];
  const fileCaptures: FileCapture[] = [];
  const captures = new Map<number, FileCapture>();
  const release = () => {
    for (const fd of opened.splice(0)) closeSync(fd);
    for (const capture of fileCaptures.splice(0)) capture.closeWriteEnd();
  };
  let error: string | null = null;

  for (const [name, spec] of fds) {
    const fd = parseFdName(name);
    if (fd === null) throw new Error(`unvalidated fd name: ${name}`);
    try {
      if (spec === 'inherit' || (typeof spec === 'object' && 'inherit' in spec)) {
        current.set(fd, fd <= 2 ? { kind: 'fd', fd } : { kind: 'closed' });
      } else if (spec === 'close') {
        current.set(fd, { kind: 'closed' });
      } else if (spec === 'pipe-write' || 'pipe-read' in spec) {
        throw new Error(`unsupported fd spec for ${name}`);
      } else if ('null' in spec) {
        const opened_ = openSync('/dev/null', openFlags(spec.null.flags, fd));
        opened.push(opened_);
        current.set(fd, { kind: 'fd', fd: opened_ });
      } else if ('file' in spec) {
        const { path, flags, mode } = spec.file;
        const opened_ = openSync(resolve(options.cwd, path), openFlags(flags, fd), mode);
        opened.push(opened_);
        current.set(fd, { kind: 'fd', fd: opened_ });
      } else if ('dup' in spec) {
        const source = current.get(spec.dup.fd) ?? { kind: 'closed' };
        if (source.kind === 'closed') throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
        current.set(fd, source);
      } else {
        const { mode, encoding, attached } = spec.capture;
        const capture = FileCapture.create(options.tmpDir, mode, { encoding, attached });
        fileCaptures.push(capture);
        captures.set(fd, capture);
        current.set(fd, { kind: 'fd', fd: capture.writeFd });
      }
    } catch (err) {
      error = `failed to set up fd ${fd}: ${osErrorText(err)}`;
      break;
    }
  }

  const maxFd = Math.max(2, ...current.keys());
  const stdio: StdioEntry[] = [];
  for (let fd = 0; fd <= maxFd; fd++) {
    const source = current.get(fd);
    stdio.push(source?.kind === 'fd' ? source.fd : 'ignore');
  }
  if (error !== null) {
    release();
    for (const capture of captures.values()) capture.close();
    captures.clear();
  }
  const results = fds.map(([name]) => {
    const fd = parseFdName(name) ?? -1;
    return [fdName(fd), captures.get(fd) ?? null] as const;
  });
  return { stdio, results, captures, release, error };
}
