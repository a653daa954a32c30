import { constants } from 'node:os';

/**
 * Signal names as the Rust agent writes them (its `sig.rs` table: 1–31, Linux
 * numbering), plus SIGSTKFLT (16), which the original cannot name.
 */
const NAMES: readonly string[] = [
  '',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

/** Signals numbered 1 to NSIG−1 appear in `proc_stat` masks. */
export const NSIG = 32;

export const SIGKILL = 9;
export const SIGTERM = 15;

/** The name of signal `signum`, or null for one outside the table (real-time signals). */
export function signalName(signum: number): string | null {
  const name = NAMES[signum];
  return name === undefined || name === '' ? null : name;
}

/** The number of a signal Node names (`'SIGTERM'`), or undefined. */
export function signalNumber(name: string): number | undefined {
  const index = NAMES.indexOf(name);
  if (index > 0) return index;
  return (constants.signals as Readonly<Record<string, number>>)[name];
}
