import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeDevice,
  parseProcIo,
  parseProcStat,
  parseProcStatm,
  parseProcStatus,
  signalMaskNames,
} from '../../../src/procstar/agent/proc-stat.js';
import { formatRfc3339 } from '../../../src/procstar/agent/rfc3339.js';

const host = {
  clockTicks: 100,
  pageSize: 4096,
  bootTimeUs: Date.UTC(2025, 2, 1, 10, 0, 0) * 1000,
};

// /proc/PID/stat of a process whose command name holds ") (" and spaces.
const STAT =
  '4242 (my) (evil x) S 1 4242 4242 34816 -1 4194560 190 7 1 2 250 125 50 25 20 0 1 0 12345 ' +
  '8716288 960 18446744073709551615 94857285697536 94857285715465 140725550367008 0 0 ' +
  '0 0 4096 65536 0 0 0 17 1 0 0 50 30 7 94857285729552 94857285730816 94857361612800 ' +
  '140725550373415 140725550373423 140725550373423 140725550374889 256\n';

describe('proc-stat', () => {
  it('parses /proc/PID/stat with a command name holding parentheses and spaces', () => {
    const stat = parseProcStat(STAT, host);
    assert.ok(stat);
    assert.equal(stat.pid, 4242);
    assert.equal(stat.comm, 'my) (evil x');
    assert.equal(stat.state, 'S');
    assert.equal(stat.ppid, 1);
    assert.equal(stat.session, 4242);
    assert.deepEqual(stat.tty_nr, [136, 0]);
    assert.equal(stat.tpgid, null);
    assert.equal(stat.minflt, 190);
    assert.equal(stat.cmajflt, 2);
    assert.equal(stat.utime, 2.5);
    assert.equal(stat.stime, 1.25);
    assert.equal(stat.cutime, 0.5);
    assert.equal(stat.cstime, 0.25);
    assert.equal(stat.priority, 20);
    assert.equal(stat.starttime, '2025-03-01T10:02:03.450+00:00');
    assert.equal(stat.vsize, 8716288);
    assert.equal(stat.rss, 960 * 4096);
    assert.equal(stat.rsslim, 18446744073709551615n, 'a u64 past 2^53 stays exact');
    assert.deepEqual(stat.sigignore, ['SIGPIPE']);
    assert.deepEqual(stat.sigcatch, ['SIGCHLD']);
    assert.equal(stat.exit_signal, 'SIGCHLD');
    assert.equal(stat.delayacct_blkio_ticks, 0.5);
    assert.equal(stat.guest_time, 0.3);
    assert.equal(stat.cguest_time, 7, 'cguest_time stays in ticks, as the original sends it');
    assert.equal(stat.exit_code, 256);
  });

  it('keys proc_stat in the Rust struct order', () => {
    assert.deepEqual(Object.keys(parseProcStat(STAT, host)!), [
      'pid', 'comm', 'state', 'ppid', 'pgrp', 'session', 'tty_nr', 'tpgid', 'flags', 'minflt',
      'cminflt', 'majflt', 'cmajflt', 'utime', 'stime', 'cutime', 'cstime', 'priority', 'nice',
      'num_threads', 'starttime', 'vsize', 'rss', 'rsslim', 'signal', 'blocked', 'sigignore',
      'sigcatch', 'wchan', 'exit_signal', 'processor', 'rt_priority', 'policy',
      'delayacct_blkio_ticks', 'guest_time', 'cguest_time', 'exit_code',
    ]); // prettier-ignore
  });

  it('gives null for text that is not a stat line instead of throwing', () => {
    assert.equal(parseProcStat('', host), null);
    assert.equal(parseProcStat('12 (x', host), null);
    assert.equal(parseProcStat('12 (x) S 1 2', host), null);
  });

  it('names signal s from mask bit s-1', () => {
    assert.deepEqual(signalMaskNames('1'), ['SIGHUP']);
    assert.deepEqual(signalMaskNames(String(1 << 14)), ['SIGTERM']);
    assert.deepEqual(signalMaskNames('0'), []);
    assert.deepEqual(signalMaskNames('18446744073709551615').length, 31);
  });

  it('decodes tty_nr into major and minor', () => {
    assert.deepEqual(decodeDevice(0), [0, 0]);
    assert.deepEqual(decodeDevice(34817), [136, 1]);
    assert.deepEqual(decodeDevice((4 << 8) | 1 | (0x123 << 20)), [4, 0x12301]);
  });

  it('parses statm into bytes, status memory and context switches, and io counters', () => {
    assert.deepEqual(parseProcStatm('2128 462 400 5 0 89 0\n', host), {
      size: 2128 * 4096,
      resident: 462 * 4096,
      shared: 400 * 4096,
      text: 5 * 4096,
      data: 89 * 4096,
    });
    assert.equal(parseProcStatm('', host), null);
    const status =
      'Name:\tsleep\nVmHWM:\t    1848 kB\nVmRSS:\t    1848 kB\nvoluntary_ctxt_switches:\t3\nnonvoluntary_ctxt_switches:\t1\n';
    assert.deepEqual(parseProcStatus(status), {
      vmHwmBytes: 1848 * 1024,
      vmRssBytes: 1848 * 1024,
      voluntaryCtxtSwitches: 3,
      nonvoluntaryCtxtSwitches: 1,
    });
    assert.deepEqual(parseProcIo('rchar: 10\nread_bytes: 4096\nwrite_bytes: 1024\n'), {
      readBytes: 4096,
      writeBytes: 1024,
    });
  });
});

describe('formatRfc3339', () => {
  it('writes UTC with +00:00 and 0, 3 or 6 fraction digits, as chrono does', () => {
    const base = Date.UTC(2025, 2, 1, 10, 0, 0) * 1000;
    assert.equal(formatRfc3339(base), '2025-03-01T10:00:00+00:00');
    assert.equal(formatRfc3339(base + 102_000), '2025-03-01T10:00:00.102+00:00');
    assert.equal(formatRfc3339(base + 102_345), '2025-03-01T10:00:00.102345+00:00');
    assert.equal(formatRfc3339(base + 5), '2025-03-01T10:00:00.000005+00:00');
  });
});
