import { randomUUID } from 'node:crypto';
import { errorMessage } from '../errors.js';
import {
  NotConnectedError,
  TIMED_OUT,
  type ConnectionInfo,
  type ProcessInfo,
  type ProcEvent,
  type ProcHandle,
  type ProcResult,
  type ProcSpec,
} from '../procstar/index.js';
import { parseTime, type TimerHandle } from '../time/index.js';
import { AsyncQueue } from './async-queue.js';
import type { BoundProcstarProgram } from './bind.js';
import type { ProgramContext, ProgramDriver, ProgramUpdate, RunningProgram } from './running.js';
import { signalNumber } from './signals.js';

/** What the driver needs of the agent server. */
export interface AgentService {
  startProc(
    groupId: string,
    procId: string,
    spec: ProcSpec,
    startTimeoutMs: number | null,
  ): Promise<ProcHandle>;
  reconnectProc(connId: string, procId: string, timeoutMs: number | null): Promise<ProcHandle>;
  connectionInfo(connId: string): { conn: ConnectionInfo; proc: ProcessInfo } | undefined;
}

export interface ProcstarDriverOptions {
  agents: AgentService;
  /** `procstar.agent.connection.start_timeout`: 0 fails at once, null waits forever. */
  startTimeoutMs: number | null;
  /** `procstar.agent.connection.reconnect_timeout`, for runs reconnecting after a restart. */
  reconnectTimeoutMs: number | null;
  /** `procstar.agent.run.update_interval`: result polling while running; null = none. */
  updateIntervalMs: number | null;
  /** `procstar.agent.run.output_interval`: output fetching while running; null = at the end only. */
  outputIntervalMs: number | null;
  /** `procstar.agent.sudo.argv`. */
  sudoArgv: readonly string[];
  /** `procstar.agent.resource_defaults.mem_max_gb`. */
  memMaxGbDefault: number | null;
  /** Output bytes asked for at once (default 256 KiB): what bounds the daemon's memory per run. */
  outputChunkBytes?: number;
  /** How long an agent may take to answer a start or an output request (default 60 s). */
  replyTimeoutMs?: number;
}

const OUTPUT = {
  outputId: 'output',
  name: 'combined stdout & stderr',
  contentType: 'application/octet-stream',
};
/**
 * Output bytes asked for at once. Each piece is in memory three times while
 * it is stored (the agent's frame, the socket reads it came in, its
 * compressed copy), so the piece size is what the daemon's memory grows by
 * while an output flows; below 256 KiB, the round trips begin to cost
 * throughput.
 */
const DEFAULT_CHUNK = 256 * 1024;
const DEFAULT_REPLY_TIMEOUT_MS = 60_000;

/**
 * The process spec Apsis sends (apsis-model.md §6.2): stdout captured to a
 * file on the agent and fetched separately, stderr merged into it, the run id
 * in the environment, systemd accounting and the memory limit.
 */
export function procstarSpec(
  program: BoundProcstarProgram,
  runId: string,
  options: Pick<ProcstarDriverOptions, 'sudoArgv' | 'memMaxGbDefault'>,
): ProcSpec {
  const argv =
    program.sudo_user === null
      ? program.argv
      : [
          ...options.sudoArgv,
          '--non-interactive',
          '--user',
          program.sudo_user,
          '--',
          ...program.argv,
        ];
  const memMaxGb = program.resources.mem_max_gb ?? options.memMaxGbDefault;
  return {
    argv,
    env: { inherit: true, vars: { APSIS_RUN_ID: runId } },
    fds: [
      ['stdout', { capture: { mode: 'tempfile', encoding: null, attached: false } }],
      ['stderr', { dup: { fd: 1 } }],
    ],
    systemd_properties: {
      scope: { oom_policy: null, runtime_max_usec: null, runtime_randomized_extra_usec: null },
      slice: {
        memory_accounting: true,
        memory_min: null,
        memory_low: null,
        memory_high: null,
        memory_max: memMaxGb === null ? null : Math.trunc(memMaxGb * 1e9),
        memory_swap_max: 0,
        tasks_accounting: true,
        tasks_max: null,
      },
    },
  };
}

/** JSON for metadata: u64 statistics that arrived as bigint become numbers. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return value;
}

/** A run ends: the program's outcome and message (apsis-model.md §6.2 "Termination"). */
function outcomeOf(res: ProcResult, timeoutS: number | null): ProgramUpdate & { type: 'done' } {
  if (res.state === 'error')
    return { type: 'done', outcome: 'error', message: `procstar: ${res.errors.join('; ')}` };
  const status = res.status;
  const suffix = timeoutS === null ? '' : ` (timeout after ${timeoutS.toFixed(0)} s)`;
  if (status?.exit_code === 0 && timeoutS === null) return { type: 'done', outcome: 'success' };
  const why =
    status === null
      ? 'no exit status'
      : status.exit_code !== null
        ? `exit code ${status.exit_code}`
        : `killed by ${status.signal ?? `signal ${status.signum ?? '?'}`}`;
  return { type: 'done', outcome: 'failure', message: why + suffix };
}

/** Ends the run in error with `message` (thrown inside a run's flow). */
class RunError extends Error {}

/**
 * One procstar run: start (or reconnect), follow results, fetch output a
 * chunk at a time into the run's stored output, stop with escalation, time
 * out with escalation, delete on the agent at the end.
 */
class ProcstarRun implements RunningProgram {
  readonly updates = new AsyncQueue<ProgramUpdate>();
  private handle: ProcHandle | undefined;
  private held = 0;
  private readonly signals: string[] = [];
  private stopping = false;
  private timedOutAfterS: number | null = null;
  private startTime: number | undefined;
  private detached = false;
  private readonly timers = new Set<TimerHandle>();
  private fetching = false;
  private readonly chunk: number;
  private readonly replyTimeoutMs: number;

  constructor(
    private readonly program: BoundProcstarProgram,
    private readonly context: ProgramContext,
    private readonly options: ProcstarDriverOptions,
    private readonly procId: string,
  ) {
    this.chunk = options.outputChunkBytes ?? DEFAULT_CHUNK;
    this.replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
  }

  // -- RunningProgram --------------------------------------------------------------

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { signal, grace_period } = this.program.stop;
    this.send(signal, `stop: sending ${signal}`);
    this.after(grace_period * 1000, () => this.send('SIGKILL', 'stop: grace period over'));
  }

  async signal(signal: string): Promise<void> {
    if (!this.handle) throw new Error('the program has not started on an agent yet');
    this.handle.signal(signalNumber(signal));
    this.signals.push(signal);
  }

  detach(): void {
    this.detached = true;
    this.clearTimers();
    this.handle?.detach();
    this.updates.close();
  }

  // -- flow --------------------------------------------------------------------------

  run(mode: 'start' | 'reconnect', runState: Readonly<Record<string, unknown>>): this {
    this.flow(mode, runState)
      .then((done) => this.finish(done))
      .catch((err: unknown) =>
        this.finish({
          type: 'done',
          outcome: 'error',
          message: err instanceof RunError ? err.message : `procstar: ${errorMessage(err)}`,
        }),
      );
    return this;
  }

  private finish(done: ProgramUpdate & { type: 'done' }): void {
    this.clearTimers();
    if (this.detached) return;
    this.updates.push(done);
    this.updates.close();
    this.handle?.detach();
  }

  private async flow(
    mode: 'start' | 'reconnect',
    runState: Readonly<Record<string, unknown>>,
  ): Promise<ProgramUpdate & { type: 'done' }> {
    const first = mode === 'start' ? await this.start() : await this.reconnect(runState);
    let final = first.state === 'running' ? undefined : first;
    this.armTimers();
    while (!final) {
      const event = await this.next();
      if (event === TIMED_OUT) continue;
      if (event.type === 'result') {
        if (event.res.state === 'running')
          this.emit({ type: 'update', meta: this.meta(event.res) });
        else final = event.res;
      } else await this.onOtherEvent(event);
    }
    this.clearTimers();
    await this.fetchRemainingOutput(final);
    await this.deleteOnAgent();
    const done = outcomeOf(final, this.timedOutAfterS);
    return { ...done, meta: this.meta(final, true) };
  }

  private async start(): Promise<ProcResult> {
    const { agents, startTimeoutMs } = this.options;
    const spec = procstarSpec(this.program, this.context.runId, this.options);
    try {
      this.handle = await agents.startProc(
        this.program.group_id,
        this.procId,
        spec,
        startTimeoutMs,
      );
    } catch (err) {
      throw new RunError(`start failed: ${this.procId}: ${errorMessage(err)}`);
    }
    const event = await this.handle.channel.next(this.replyTimeoutMs);
    if (event === TIMED_OUT)
      throw new RunError(
        `start failed: ${this.procId}: no reply from agent ${this.handle.connId} in ${this.replyTimeoutMs / 1000} s`,
      );
    if (event.type === 'request-error')
      throw new RunError(
        `start failed: ${this.procId}: agent error response to message: ${event.message}`,
      );
    if (event.type !== 'result')
      throw new RunError(`start failed: ${this.procId}: agent sent ${event.type} first`);
    this.startTime = parseTime(event.res.times.start);
    this.emit({
      type: 'running',
      runState: { conn_id: this.handle.connId, proc_id: this.procId, start: event.res.times.start },
      meta: this.meta(event.res),
    });
    return event.res;
  }

  private async reconnect(runState: Readonly<Record<string, unknown>>): Promise<ProcResult> {
    const connId = runState.conn_id;
    const start = runState.start;
    if (typeof connId !== 'string')
      throw new RunError(`reconnect failed: ${this.procId}: no conn_id in run state`);
    if (typeof start === 'string') this.startTime = parseTime(start);
    this.held = this.context.output.storedLength(OUTPUT.outputId);
    try {
      this.handle = await this.options.agents.reconnectProc(
        connId,
        this.procId,
        this.options.reconnectTimeoutMs,
      );
    } catch (err) {
      throw new RunError(`reconnect failed: ${this.procId}: ${errorMessage(err)}`);
    }
    this.emit({ type: 'log', message: `reconnected to agent ${connId}` });
    for (;;) {
      const event = await this.next();
      if (event === TIMED_OUT) continue;
      if (event.type === 'result') return event.res;
      await this.onOtherEvent(event);
    }
  }

  /** Events other than results, while the process runs. */
  private async onOtherEvent(event: Exclude<ProcEvent, { type: 'result' }>): Promise<void> {
    const connId = this.handle?.connId ?? '?';
    switch (event.type) {
      case 'fd-data':
        await this.store(event);
        this.fetching = false;
        // A full chunk means more may be waiting: keep going while polling.
        if (this.options.outputIntervalMs !== null && event.stop - event.start >= this.chunk)
          this.fetchMore();
        return;
      case 'deleted':
        throw new RunError('procstar: proc deleted');
      case 'unknown':
        // Apsis leaves such a run running forever; the process is gone.
        throw new RunError(
          `procstar: process ${this.procId} unknown to agent ${connId} (the agent restarted or lost it)`,
        );
      case 'connection-gone':
        throw new RunError(
          `procstar: agent ${event.connId} on ${event.hostname} (group ${event.groupId}) did not reconnect within reconnect_timeout`,
        );
      case 'request-error':
        // A signal racing the process's exit is expected (procstar-protocol.md §5.3).
        if (event.request === 'ProcSignalRequest' && event.message === 'no process') return;
        if (event.request === 'ProcFdDataRequest') this.fetching = false;
        this.emit({
          type: 'log',
          message: `agent error response to ${event.request}: ${event.message}`,
        });
        return;
    }
  }

  private next(timeoutMs?: number): Promise<ProcEvent | typeof TIMED_OUT> {
    if (!this.handle) throw new Error('no process handle');
    return this.handle.channel.next(timeoutMs);
  }

  // -- output ----------------------------------------------------------------------------

  /** Stores the new bytes of an `fd-data` event, then frees its frame (the store keeps its own copy once committed). */
  private async store(event: Extract<ProcEvent, { type: 'fd-data' }>): Promise<void> {
    try {
      if (event.start > this.held) {
        this.emit({
          type: 'log',
          message: `fd data gap: [${this.held}, ${event.start}) missing; refetching`,
        });
        return;
      }
      // Overlap with what is held already (a repeated request): keep only the new bytes.
      const skip = this.held - event.start;
      if (skip >= event.data.byteLength) return;
      const data = skip > 0 ? event.data.subarray(skip) : event.data;
      await this.context.output.append(OUTPUT, this.held, data);
      this.held += data.byteLength;
    } finally {
      event.release();
    }
  }

  private fetchMore(): void {
    if (this.fetching || !this.handle) return;
    try {
      this.handle.requestFdData('stdout', this.held, this.held + this.chunk);
      this.fetching = true;
    } catch (err) {
      if (!(err instanceof NotConnectedError)) throw err;
    }
  }

  /** After the process ends: fetch what is not stored yet, a chunk at a time (§6.2 "Termination"). */
  private async fetchRemainingOutput(final: ProcResult): Promise<void> {
    const stdout = final.fds.stdout;
    const length = stdout?.type === 'detached' ? stdout.length : 0;
    const exitCode = final.status?.exit_code ?? null;
    const timeoutError = () =>
      new RunError(
        `Timeout waiting for final FdData after ${this.replyTimeoutMs / 1000}s. Run completed with exit_code=${exitCode}.`,
      );
    while (this.held < length) {
      const stop = Math.min(length, this.held + this.chunk);
      try {
        this.handle!.requestFdData('stdout', this.held, stop);
      } catch (err) {
        if (!(err instanceof NotConnectedError)) throw err;
        // Wait for the agent to come back (its fresh result), then ask again.
        if ((await this.next(this.replyTimeoutMs)) === TIMED_OUT) throw timeoutError();
        continue;
      }
      for (;;) {
        const event = await this.next(this.replyTimeoutMs);
        if (event === TIMED_OUT) throw timeoutError();
        if (event.type === 'fd-data') {
          await this.store(event);
          break;
        }
        if (event.type === 'result') continue;
        if (event.type === 'request-error' && event.request === 'ProcFdDataRequest')
          throw new RunError(`procstar: fetching output: ${event.message}`);
        await this.onOtherEvent(event);
      }
    }
  }

  /** Asks the agent to forget the process; failures only go to the run log. */
  private async deleteOnAgent(): Promise<void> {
    try {
      this.handle!.delete();
    } catch (err) {
      this.emit({
        type: 'log',
        message: `could not delete the process on the agent: ${errorMessage(err)}`,
      });
      return;
    }
    for (;;) {
      const event = await this.next(this.replyTimeoutMs);
      if (event === TIMED_OUT || event.type === 'deleted' || event.type === 'unknown') return;
      if (event.type === 'request-error' && event.request === 'ProcDeleteRequest') {
        this.emit({ type: 'log', message: `agent refused delete: ${event.message}` });
        return;
      }
      if (event.type === 'connection-gone') return;
    }
  }

  // -- timers ------------------------------------------------------------------------------

  private after(ms: number, fn: () => void): void {
    const timer = this.context.clock.setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
  }

  private every(ms: number, fn: () => void): void {
    this.after(ms, () => {
      fn();
      this.every(ms, fn);
    });
  }

  private clearTimers(): void {
    for (const timer of this.timers) this.context.clock.clearTimeout(timer);
    this.timers.clear();
  }

  private armTimers(): void {
    const { updateIntervalMs, outputIntervalMs } = this.options;
    if (updateIntervalMs !== null)
      this.every(updateIntervalMs, () => {
        try {
          this.handle?.requestResult();
        } catch (err) {
          if (!(err instanceof NotConnectedError)) throw err;
        }
      });
    if (outputIntervalMs !== null) this.every(outputIntervalMs, () => this.fetchMore());
    const timeout = this.program.timeout;
    if (timeout !== null) {
      // Measured from the process start, so it spans daemon restarts.
      const start = this.startTime ?? this.context.clock.now();
      this.after(start + timeout.duration * 1000 - this.context.clock.now(), () => {
        if (this.stopping) return;
        this.timedOutAfterS = timeout.duration;
        this.send(timeout.signal, `timeout after ${timeout.duration} s: sending ${timeout.signal}`);
        // Apsis sends one signal and waits forever; we escalate after the grace period.
        this.after(this.program.stop.grace_period * 1000, () =>
          this.send('SIGKILL', 'timeout: grace period over'),
        );
      });
    }
  }

  /** Sends a signal, noting it in the run log; a disconnected agent is noted, not fatal. */
  private send(signal: string, why: string): void {
    if (!this.handle) return;
    try {
      this.handle.signal(signalNumber(signal));
      this.signals.push(signal);
      this.emit({ type: 'log', message: why });
    } catch (err) {
      this.emit({ type: 'log', message: `${why}: not sent: ${errorMessage(err)}` });
    }
  }

  // -- reporting -----------------------------------------------------------------------------

  private emit(update: ProgramUpdate): void {
    if (!this.detached) this.updates.push(update);
  }

  private meta(res: ProcResult, final = false): Record<string, unknown> {
    const connId = this.handle?.connId;
    const info = connId === undefined ? undefined : this.options.agents.connectionInfo(connId);
    const meta: Record<string, unknown> = {
      errors: res.errors,
      status: res.status,
      times: res.times,
      rusage: res.rusage,
      proc_stat: res.proc_stat,
      proc_statm: res.proc_statm,
      procstar_proc_id: this.procId,
      procstar_conn: info?.conn ?? null,
      procstar_agent: info?.proc ?? null,
    };
    if (res.cgroup_accounting !== null) meta.cgroup_accounting = res.cgroup_accounting;
    if (final) meta.stop = { signals: [...this.signals] };
    return jsonSafe(meta) as Record<string, unknown>;
  }
}

/** The `procstar` program type (`procstar-shell` binds to it). */
export function procstarDriver(
  options: ProcstarDriverOptions,
): ProgramDriver<BoundProcstarProgram> {
  return {
    start: (program, context) =>
      new ProcstarRun(program, context, options, randomUUID()).run('start', {}),
    reconnect: (program, runState, context) => {
      const procId = typeof runState.proc_id === 'string' ? runState.proc_id : '?';
      return new ProcstarRun(program, context, options, procId).run('reconnect', runState);
    },
  };
}
