import { InvalidValueError } from '../errors.js';

/** Linux signal numbers, as Python's `signal.Signals` names them. */
const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

const BY_NUMBER = new Map(Object.entries(SIGNALS).map(([name, num]) => [num, name]));

/**
 * Reads a signal as Apsis's `to_signal` does: a number (`15`, `"15"`), a full
 * name (`SIGTERM`) or a short one (`TERM`). Returns the full name.
 */
export function toSignalName(value: string | number): string {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const name = BY_NUMBER.get(Number(text));
    if (name) return name;
  } else if (SIGNALS[text] !== undefined) {
    return text;
  } else if (SIGNALS[`SIG${text}`] !== undefined) {
    return `SIG${text}`;
  }
  throw new InvalidValueError(`not a signal: ${text}`);
}

export function signalNumber(name: string): number {
  const num = SIGNALS[toSignalName(name)];
  if (num === undefined) throw new InvalidValueError(`not a signal: ${name}`);
  return num;
}
