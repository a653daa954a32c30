import type { FdResult, ProcResult, ProcStatus } from '../messages.js';
import type { Capture } from './capture.js';
import type {
  Counter,
  ProcIo,
  ProcStat,
  ProcStatm,
  ProcStatus as ProcStatusFile,
} from './proc-stat.js';
import { formatRfc3339 } from './rfc3339.js';
import { signalName } from './signals.js';

/**
 * A process result (`res`, procstar-protocol.md §3.2) built from what the
 * agent knows, every key present and in the Rust struct's order: the Python
 * server closes the connection on a missing or extra key (§9).
 */

/** The exit code of a child that could not be set up or exec'd, as the original's child exits. */
export const SETUP_FAILED_EXIT_CODE = 63;

/** `status` from how the child ended: raw wait status, exit code or signal. */
export function exitStatus(exitCode: number | null, signum: number | null): ProcStatus {
  if (signum !== null)
    return {
      status: signum & 0x7f,
      exit_code: null,
      signum,
      signal: signalName(signum) ?? `SIG${signum}`,
      // Node does not report WCOREDUMP.
      core_dump: false,
    };
  const code = exitCode ?? 0;
  return {
    status: (code & 0xff) << 8,
    exit_code: code,
    signum: null,
    signal: null,
    core_dump: false,
  };
}

/** One reading of a running process's /proc entries. */
export interface ProcSample {
  readonly stat: ProcStat | null;
  readonly statm: ProcStatm | null;
  readonly status: ProcStatusFile | null;
  readonly io: ProcIo | null;
}

export const EMPTY_SAMPLE: ProcSample = { stat: null, statm: null, status: null, io: null };

/** `rusage`, keys in the Rust struct's order. */
export interface Rusage {
  utime: number;
  stime: number;
  maxrss: number;
  minflt: Counter;
  majflt: Counter;
  nswap: number;
  inblock: number;
  oublock: number;
  nvcsw: number;
  nivcsw: number;
}

const add = (a: Counter, b: Counter): Counter =>
  typeof a === 'bigint' || typeof b === 'bigint' ? BigInt(a) + BigInt(b) : a + b;

/**
 * `rusage` approximated from the last /proc sample before exit: Node reaps
 * children itself and exposes no wait4() usage. Like wait4's, times and
 * faults include the process's waited-for children; block counts are
 * /proc/PID/io bytes in 512-byte units, as the kernel computes them.
 */
export function approximateRusage(sample: ProcSample): Rusage {
  const { stat, status, io } = sample;
  return {
    utime: stat === null ? 0 : stat.utime + stat.cutime,
    stime: stat === null ? 0 : stat.stime + stat.cstime,
    maxrss: status?.vmHwmBytes ?? 0,
    minflt: stat === null ? 0 : add(stat.minflt, stat.cminflt),
    majflt: stat === null ? 0 : add(stat.majflt, stat.cmajflt),
    nswap: 0,
    inblock: io === null ? 0 : Math.floor(io.readBytes / 512),
    oublock: io === null ? 0 : Math.floor(io.writeBytes / 512),
    nvcsw: status?.voluntaryCtxtSwitches ?? 0,
    nivcsw: status?.nonvoluntaryCtxtSwitches ?? 0,
  };
}

/**
 * The final `proc_stat`: the last sample, marked as the zombie the original
 * snapshots just before reaping (state `Z`, `exit_code` the wait status).
 */
export function finalProcStat(stat: ProcStat | null, status: ProcStatus): ProcStat | null {
  return stat === null ? null : { ...stat, state: 'Z', exit_code: status.status };
}

/** A capture's fd result: detached → length only; attached → the whole output as text or base64. */
export function fdResult(capture: Capture): FdResult {
  const encoding = capture.encoding;
  if (!capture.attached)
    return { type: 'detached', length: capture.length(), encoding: encoding ?? 'base64' };
  const bytes = capture.readAllSync();
  return encoding === 'utf-8'
    ? { type: 'text', text: bytes.toString('utf8'), encoding: 'utf-8' }
    : { type: 'data', data: bytes.toString('base64'), encoding: 'base64' };
}

export interface ResultParts {
  readonly errors: readonly string[];
  readonly pid: number;
  /** True until the process is reaped (or failed to start). */
  readonly running: boolean;
  readonly procStat: ProcStat | null;
  readonly procStatm: ProcStatm | null;
  readonly startUs: number;
  readonly nowUs: number;
  readonly stopUs: number | null;
  readonly elapsedS: number;
  readonly status: ProcStatus | null;
  readonly rusage: Rusage | null;
  /** Every listed fd by name; capture results or null. */
  readonly fds: readonly (readonly [string, FdResult | null])[];
}

export function procResult(parts: ResultParts): ProcResult {
  const state = parts.errors.length > 0 ? 'error' : parts.running ? 'running' : 'terminated';
  // The original's fds are a BTreeMap: sorted by name.
  const fds = [...parts.fds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    state,
    errors: [...parts.errors],
    pid: parts.pid,
    proc_stat: parts.procStat as Record<string, unknown> | null,
    proc_statm: parts.procStatm as Record<string, unknown> | null,
    cgroup_accounting: null,
    times: {
      start: formatRfc3339(parts.startUs),
      now: formatRfc3339(parts.nowUs),
      stop: parts.stopUs === null ? null : formatRfc3339(parts.stopUs),
      elapsed: parts.elapsedS,
    },
    status: parts.status,
    rusage: parts.rusage as Record<string, unknown> | null,
    fds: Object.fromEntries(fds),
  };
}
