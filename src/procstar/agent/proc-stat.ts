import { formatRfc3339 } from './rfc3339.js';
import { NSIG, signalName } from './signals.js';

/**
 * Parsing of /proc/PID/{stat,statm,status,io} (proc(5)) into the shapes the
 * Rust agent reports (`procinfo.rs`): pure functions of the file text and a
 * few facts about the host. A value that cannot be parsed gives null rather
 * than an exception: a process that vanishes mid-read must not hurt the agent.
 */

/** What the numbers in /proc mean on this host. */
export interface HostFacts {
  /** sysconf(_SC_CLK_TCK): stat times are in these ticks. */
  readonly clockTicks: number;
  /** sysconf(_SC_PAGESIZE): statm and stat's rss are in pages. */
  readonly pageSize: number;
  /** The boot time, µs since the epoch: stat's `starttime` counts ticks from it. */
  readonly bootTimeUs: number;
}

/** A u64 counter: a number, or a bigint past 2^53 so msgpack keeps it exact (e.g. `rsslim`). */
export type Counter = number | bigint;

/** `proc_stat`, keys in the Rust struct's order. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  tty_nr: [number, number];
  tpgid: number | null;
  flags: number;
  minflt: Counter;
  cminflt: Counter;
  majflt: Counter;
  cmajflt: Counter;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  priority: number;
  nice: number;
  num_threads: number;
  starttime: string;
  vsize: Counter;
  rss: number;
  rsslim: Counter;
  signal: string[];
  blocked: string[];
  sigignore: string[];
  sigcatch: string[];
  wchan: Counter;
  exit_signal: string | null;
  processor: number;
  rt_priority: number;
  policy: number;
  delayacct_blkio_ticks: number;
  guest_time: number;
  cguest_time: number;
  exit_code: number;
}

/** `proc_statm`, in bytes. */
export interface ProcStatm {
  size: Counter;
  resident: Counter;
  shared: Counter;
  text: Counter;
  data: Counter;
}

/** The few lines of /proc/PID/status the agent uses. */
export interface ProcStatus {
  vmHwmBytes: number;
  vmRssBytes: number;
  voluntaryCtxtSwitches: number;
  nonvoluntaryCtxtSwitches: number;
}

/** /proc/PID/io's storage counters. */
export interface ProcIo {
  readBytes: number;
  writeBytes: number;
}

function counter(text: string | undefined): Counter {
  if (text === undefined || !/^-?\d+$/.test(text)) return 0;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function int(text: string | undefined): number {
  const n = Number(text);
  return text !== undefined && Number.isFinite(n) ? n : 0;
}

/** Names of the signals whose bits are set: bit s−1 is signal s (the Rust agent is off by one, §7). */
export function signalMaskNames(text: string | undefined): string[] {
  if (text === undefined || !/^\d+$/.test(text)) return [];
  const mask = BigInt(text);
  const names: string[] = [];
  for (let signum = 1; signum < NSIG; signum++) {
    if ((mask >> BigInt(signum - 1)) & 1n) names.push(signalName(signum) ?? '???');
  }
  return names;
}

/** tty_nr as [major, minor] (the kernel's new_encode_dev layout). */
export function decodeDevice(dev: number): [number, number] {
  return [(dev >> 8) & 0xfff, (dev & 0xff) | ((dev >>> 12) & 0xfff00)];
}

/**
 * Parses /proc/PID/stat. `comm` is whatever lies between the first `(` and
 * the *last* `)`: a command name may itself contain `)` or spaces (the Rust
 * agent splits at the first `)` and panics, §7).
 */
export function parseProcStat(text: string, host: HostFacts): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid)) return null;
  const comm = text.slice(open + 1, close);
  // f[0] is field 3 (state) of proc(5).
  const f = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  if (f.length < 40) return null;
  const field = (n: number) => f[n - 3];
  const secs = (n: number) => int(field(n)) / host.clockTicks;
  const tpgid = int(field(8));
  const exitSignal = int(field(38));
  return {
    pid,
    comm,
    state: field(3) ?? '?',
    ppid: int(field(4)),
    pgrp: int(field(5)),
    session: int(field(6)),
    tty_nr: decodeDevice(int(field(7))),
    tpgid: tpgid === -1 ? null : tpgid,
    flags: int(field(9)),
    minflt: counter(field(10)),
    cminflt: counter(field(11)),
    majflt: counter(field(12)),
    cmajflt: counter(field(13)),
    utime: secs(14),
    stime: secs(15),
    cutime: secs(16),
    cstime: secs(17),
    priority: int(field(18)),
    nice: int(field(19)),
    num_threads: int(field(20)),
    starttime: formatRfc3339(host.bootTimeUs + (int(field(22)) / host.clockTicks) * 1e6),
    vsize: counter(field(23)),
    rss: int(field(24)) * host.pageSize,
    rsslim: counter(field(25)),
    signal: signalMaskNames(field(31)),
    blocked: signalMaskNames(field(32)),
    sigignore: signalMaskNames(field(33)),
    sigcatch: signalMaskNames(field(34)),
    wchan: counter(field(35)),
    exit_signal: exitSignal === 0 ? null : (signalName(exitSignal) ?? String(exitSignal)),
    processor: int(field(39)),
    rt_priority: int(field(40)),
    policy: int(field(41)),
    delayacct_blkio_ticks: secs(42),
    guest_time: secs(43),
    // Raw ticks, as the original sends it (§7, LIMIT).
    cguest_time: int(field(44)),
    exit_code: int(field(52)),
  };
}

/** Parses /proc/PID/statm into bytes. */
export function parseProcStatm(text: string, host: HostFacts): ProcStatm | null {
  const f = text.trim().split(/\s+/);
  if (f.length < 6 || !f.every((v) => /^\d+$/.test(v))) return null;
  const bytes = (i: number): Counter => {
    const n = Number(f[i]) * host.pageSize;
    return Number.isSafeInteger(n) ? n : BigInt(f[i] ?? '0') * BigInt(host.pageSize);
  };
  return { size: bytes(0), resident: bytes(1), shared: bytes(2), text: bytes(3), data: bytes(5) };
}

function statusField(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** Parses the memory high-water mark, resident size and context switches from /proc/PID/status. */
export function parseProcStatus(text: string): ProcStatus {
  return {
    vmHwmBytes: statusField(text, 'VmHWM') * 1024,
    vmRssBytes: statusField(text, 'VmRSS') * 1024,
    voluntaryCtxtSwitches: statusField(text, 'voluntary_ctxt_switches'),
    nonvoluntaryCtxtSwitches: statusField(text, 'nonvoluntary_ctxt_switches'),
  };
}

/** Parses /proc/PID/io's storage byte counts. */
export function parseProcIo(text: string): ProcIo {
  return {
    readBytes: statusField(text, 'read_bytes'),
    writeBytes: statusField(text, 'write_bytes'),
  };
}

/** The boot time in µs since the epoch, from /proc/uptime's first number and the current time. */
export function bootTimeFromUptime(uptimeText: string, nowUs: number): number {
  const uptime = Number(uptimeText.trim().split(/\s+/)[0]);
  return Number.isFinite(uptime) ? nowUs - uptime * 1e6 : nowUs;
}
