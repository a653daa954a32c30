import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { AgentClock, AgentTimer } from '../../../src/procstar/agent/index.js';
import { AgentProcess, type ProcessDeps } from '../../../src/procstar/agent/process.js';
import { ProcessTable, type TableEvent } from '../../../src/procstar/agent/process-table.js';
import {
  installSignalHandlers,
  startWaitMode,
  type SignalSource,
} from '../../../src/procstar/agent/shutdown.js';
import { EMPTY_SAMPLE } from '../../../src/procstar/agent/result.js';
import { tempDir } from '../../support/temp-dir.js';

/** Timers that fire only when the test advances time. */
class ManualClock implements AgentClock {
  nowMs = 0;
  #timers: { at: number; fn: () => void; timer: AgentTimer }[] = [];
  wallUs = () => this.nowMs * 1000;
  monoMs = () => this.nowMs;
  setTimeout(fn: () => void, ms: number): AgentTimer {
    const timer = { unref: () => undefined };
    this.#timers.push({ at: this.nowMs + ms, fn, timer });
    return timer;
  }
  clearTimeout(timer: AgentTimer): void {
    this.#timers = this.#timers.filter((t) => t.timer !== timer);
  }
  advance(ms: number): void {
    this.nowMs += ms;
    const due = this.#timers.filter((t) => t.at <= this.nowMs);
    this.#timers = this.#timers.filter((t) => t.at > this.nowMs);
    for (const t of due) t.fn();
  }
}

const log = pino({ level: 'silent' });

/** Resolves once process `pid` ignores SIGTERM (its shell has run `trap`), within 5 s. */
async function ignoresSigterm(pid: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const ignored = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
    if ((ignored >> 14n) & 1n) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} never came to ignore SIGTERM`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function processDeps(clock: AgentClock): ProcessDeps {
  return {
    agentEnv: {},
    cwd: '/',
    tmpDir: tempDir('shutdown-'),
    restrictedExe: null,
    clock,
    readProc: () => EMPTY_SAMPLE,
    log,
  };
}

function recorder(table: ProcessTable): TableEvent[] {
  const events: TableEvent[] = [];
  table.subscribe((e) => events.push(e));
  return events;
}

const states = (events: TableEvent[]) =>
  events.flatMap((e) => (e.type === 'shutdown' ? [e.state] : []));

/** A signal source the test raises signals on. */
class FakeSignals implements SignalSource {
  readonly #listeners = new Map<string, Set<() => void>>();
  on(signal: NodeJS.Signals, listener: () => void) {
    this.#listeners.set(signal, (this.#listeners.get(signal) ?? new Set()).add(listener));
  }
  off(signal: NodeJS.Signals, listener: () => void) {
    this.#listeners.get(signal)?.delete(listener);
  }
  raise(signal: NodeJS.Signals) {
    for (const l of this.#listeners.get(signal) ?? []) l();
  }
}

describe('shutdown state', () => {
  it('moves forward only, and an empty idling agent is done at once', () => {
    const table = new ProcessTable();
    const events = recorder(table);
    table.setShutdown('idling');
    table.setShutdown('active');
    assert.deepEqual(states(events), ['idling', 'done']);
    assert.equal(table.shutdownState, 'done');
  });

  it('SIGUSR1 makes the agent idle; repeating it has no effect', () => {
    const table = new ProcessTable();
    const signals = new FakeSignals();
    const events = recorder(table);
    installSignalHandlers(signals, table, log, new ManualClock());
    signals.raise('SIGUSR1');
    signals.raise('SIGUSR1');
    assert.deepEqual(states(events), ['idling', 'done']);
  });

  it('SIGTERM kills stragglers after the grace and is done after the deletion wait', async () => {
    const clock = new ManualClock();
    const table = new ProcessTable();
    const proc = await AgentProcess.start(
      'p',
      // An ignored signal stays ignored across exec: sleep itself ignores SIGTERM.
      { argv: ['/bin/sh', '-c', 'trap "" TERM; exec sleep 30'] },
      processDeps(clock),
    );
    table.add(proc);
    await ignoresSigterm(proc.pid);
    const events = recorder(table);
    const signals = new FakeSignals();
    installSignalHandlers(signals, table, log, clock, { termGraceMs: 1000, deleteWaitMs: 500 });
    signals.raise('SIGTERM');
    assert.deepEqual(states(events), ['idling']);
    clock.advance(1000);
    await proc.ended;
    assert.equal(proc.result().status?.signal, 'SIGKILL', 'killed after ignoring SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(500);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(states(events), ['idling', 'done']);
  });
});

describe('SIGQUIT', () => {
  it('kills every process at once and is done when they are deleted', async () => {
    const clock = new ManualClock();
    const table = new ProcessTable();
    const proc = await AgentProcess.start('q', { argv: ['/bin/sleep', '30'] }, processDeps(clock));
    table.add(proc);
    const events = recorder(table);
    const signals = new FakeSignals();
    installSignalHandlers(signals, table, log, clock);
    signals.raise('SIGQUIT');
    assert.deepEqual(states(events), ['idling']);
    await proc.ended;
    assert.equal(proc.result().status?.signal, 'SIGKILL');
    assert.equal(table.delete('q'), 'deleted');
    assert.deepEqual(states(events), ['idling', 'done']);
  });
});

describe('wait mode', () => {
  it('is done when nothing starts within the timeout', () => {
    const clock = new ManualClock();
    const table = new ProcessTable();
    startWaitMode(table, log, clock, 600_000);
    clock.advance(599_999);
    assert.equal(table.shutdownState, 'active');
    clock.advance(1);
    assert.equal(table.shutdownState, 'done');
  });

  it('is done once the work it got is deleted, never by the timeout after a start', async () => {
    const clock = new ManualClock();
    const table = new ProcessTable();
    const events = recorder(table);
    startWaitMode(table, log, clock, 1000);
    const proc = await AgentProcess.start('p', { argv: ['/bin/true'] }, processDeps(clock));
    table.add(proc);
    clock.advance(5000);
    assert.equal(table.shutdownState, 'active');
    await proc.ended;
    assert.equal(table.delete('p'), 'deleted');
    assert.deepEqual(states(events), ['done'], 'done directly, never idling');
  });
});
