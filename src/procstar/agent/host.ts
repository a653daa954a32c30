import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { ProcessInfo } from '../messages.js';
import { systemAgentClock } from './clock.js';
import {
  bootTimeFromUptime,
  parseProcIo,
  parseProcStat,
  parseProcStatm,
  parseProcStatus,
  type HostFacts,
} from './proc-stat.js';
import type { ProcSample } from './result.js';

/**
 * Facts about this host and this agent process: the numbers /proc is written
 * in, and `Register.proc`. Node has no sysconf(); the clock tick is Linux's
 * fixed USER_HZ (100 on every architecture Node runs on), and the page size
 * is measured from our own /proc entries.
 */

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // Not Linux, or /proc not mounted: the caller falls back.
    return null;
  }
}

/** The page size, from our resident size in pages (statm) and in kB (status). */
function measurePageSize(): number {
  const statm = readText('/proc/self/statm');
  const status = readText('/proc/self/status');
  const pages = Number(statm?.split(' ')[1]);
  if (status === null || !(pages > 0)) return 4096;
  const ratio = parseProcStatus(status).vmRssBytes / pages;
  return [4096, 16384, 65536].reduce((best, size) =>
    Math.abs(Math.log2(size / ratio)) < Math.abs(Math.log2(best / ratio)) ? size : best,
  );
}

let facts: HostFacts | undefined;

export function hostFacts(): HostFacts {
  facts ??= {
    clockTicks: 100,
    pageSize: measurePageSize(),
    bootTimeUs: bootTimeFromUptime(readText('/proc/uptime') ?? '0', systemAgentClock.wallUs()),
  };
  return facts;
}

/** The name of group `gid` from /etc/group, or null (as getgrgid() would, for local groups). */
function groupName(gid: number): string | null {
  for (const line of (readText('/etc/group') ?? '').split('\n')) {
    const [name, , id] = line.split(':');
    if (name !== undefined && id !== undefined && Number(id) === gid) return name;
  }
  return null;
}

function userName(): string | null {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for our uid (containers): the original sends nil too.
    return null;
  }
}

/** `Register.proc`, keys in the Rust struct's order. */
export function agentProcessInfo(): ProcessInfo {
  const egid = process.getegid?.() ?? 0;
  return {
    pid: process.pid,
    ppid: process.ppid,
    uid: process.getuid?.() ?? 0,
    euid: process.geteuid?.() ?? 0,
    username: userName(),
    gid: process.getgid?.() ?? 0,
    egid,
    groupname: groupName(egid),
    hostname: hostname(),
  };
}

/** Reads a process's /proc entries; a missing entry (the process is gone) gives null for it. */
export function readProcSample(pid: number, host: HostFacts): ProcSample {
  const stat = readText(`/proc/${pid}/stat`);
  const statm = readText(`/proc/${pid}/statm`);
  const status = readText(`/proc/${pid}/status`);
  const io = readText(`/proc/${pid}/io`);
  return {
    stat: stat === null ? null : parseProcStat(stat, host),
    statm: statm === null ? null : parseProcStatm(statm, host),
    status: status === null ? null : parseProcStatus(status),
    io: io === null ? null : parseProcIo(io),
  };
}
