import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { FdResult, ParsedProcSpec, ProcResult, ProcStatus } from '../messages.js';
import type { AgentClock } from './clock.js';
import { buildChildEnv } from './environment.js';
import type { Capture } from './capture.js';
import { planFds, type FdPlan } from './fds.js';
import { osErrorText } from './os-error.js';
import type { ProcStat } from './proc-stat.js';
import {
  EMPTY_SAMPLE,
  SETUP_FAILED_EXIT_CODE,
  approximateRusage,
  exitStatus,
  fdResult,
  finalProcStat,
  procResult,
  type ProcSample,
} from './result.js';
import { signalNumber } from './signals.js';

/** A process spec as this agent takes it: the protocol's, plus an optional working directory. */
export type AgentProcSpec = ParsedProcSpec & { cwd?: string | null | undefined };

export interface ProcessDeps {
  /** The agent's environment, which children inherit from. */
  readonly agentEnv: Readonly<Record<string, string | undefined>>;
  /** The agent's working directory: children run here unless the spec says `cwd`. */
  readonly cwd: string;
  /** Where capture files go (os.tmpdir()). */
  readonly tmpDir: string;
  readonly restrictedExe: string | null;
  readonly clock: AgentClock;
  readonly readProc: (pid: number) => ProcSample;
  readonly log: Logger;
}

interface Exit {
  readonly status: ProcStatus;
  readonly stopUs: number;
  readonly elapsedS: number;
}

/**
 * One process the agent runs: spawned from its spec, sampled from /proc while
 * it runs, and kept with its captured output until deleted.
 *
 * Node reaps children itself, so what the original reads with wait4() at
 * reaping (raw status, rusage, the zombie's stat) is rebuilt here from the
 * exit code or signal and the last /proc sample (procstar-protocol.md §4.6).
 */
export class AgentProcess {
  readonly procId: string;
  #pid = 0;
  readonly #errors: string[] = [];
  readonly #plan: FdPlan | null;
  readonly #deps: ProcessDeps;
  readonly #startUs: number;
  readonly #startMonoMs: number;
  #sample: ProcSample = EMPTY_SAMPLE;
  #exit: Exit | null = null;
  #child: ChildProcess | null = null;
  readonly #ended: Promise<void>;
  #markEnded!: () => void;

  private constructor(procId: string, plan: FdPlan | null, deps: ProcessDeps) {
    this.procId = procId;
    this.#plan = plan;
    this.#deps = deps;
    this.#startUs = deps.clock.wallUs();
    this.#startMonoMs = deps.clock.monoMs();
    this.#ended = new Promise((resolve) => (this.#markEnded = resolve));
  }

  /**
   * Starts a process. Resolves once the spawn succeeded or failed; a failure
   * (no such executable, a file fd that cannot be opened, …) gives a process
   * in state `error` with exit code 63, as the original's child reports it.
   */
  static async start(
    procId: string,
    spec: AgentProcSpec,
    deps: ProcessDeps,
  ): Promise<AgentProcess> {
    const exe = spec.exe ?? spec.argv[0]!;
    const cwd = resolve(deps.cwd, spec.cwd ?? '.');
    let setupError: string | null = null;
    if (deps.restrictedExe !== null && exe !== deps.restrictedExe)
      setupError = `restricted executable: ${deps.restrictedExe}`;
    else if (spec.cwd !== undefined && spec.cwd !== null) {
      try {
        if (!statSync(cwd).isDirectory())
          throw Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR' });
      } catch (err) {
        setupError = `failed to change directory: ${cwd}: ${osErrorText(err)}`;
      }
    }
    const plan = setupError === null ? planFds(spec.fds ?? [], { tmpDir: deps.tmpDir, cwd }) : null;
    const proc = new AgentProcess(procId, plan, deps);
    setupError ??= plan?.error ?? null;
    if (setupError !== null) {
      proc.#fail(setupError);
      return proc;
    }
    await proc.#spawn(exe, spec, cwd);
    return proc;
  }

  async #spawn(exe: string, spec: AgentProcSpec, cwd: string): Promise<void> {
    const plan = this.#plan!;
    const [argv0, ...args] = spec.argv;
    let child: ChildProcess;
    try {
      // execve() semantics: no PATH search; a bare name is relative to the cwd.
      child = spawn(exe.includes('/') ? exe : `./${exe}`, args, {
        argv0,
        cwd,
        env: buildChildEnv(this.#deps.agentEnv, spec.env),
        stdio: plan.stdio,
        // setsid(): the child gets its own session, away from the agent's signals.
        detached: true,
      });
    } catch (err) {
      plan.release();
      this.#fail(`execve failed: ${exe}: ${osErrorText(err)}`);
      return;
    }
    this.#child = child;
    child.once('exit', (code, signal) => this.#onExit(code, signal));
    await new Promise<void>((resolve) => {
      child.once('spawn', () => {
        this.#pid = child.pid ?? 0;
        this.sample();
        resolve();
      });
      child.once('error', (err) => {
        if (this.#pid === 0) {
          this.#fail(`execve failed: ${exe}: ${osErrorText(err)}`);
          resolve();
        } else this.#deps.log.error({ procId: this.procId, err }, 'child process error');
      });
    });
    plan.release();
  }

  #fail(error: string): void {
    this.#errors.push(error);
    this.#exit = {
      status: exitStatus(SETUP_FAILED_EXIT_CODE, null),
      stopUs: this.#deps.clock.wallUs(),
      elapsedS: (this.#deps.clock.monoMs() - this.#startMonoMs) / 1000,
    };
    this.#markEnded();
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    // After a failed spawn Node may report an exit too: the failure stands.
    if (this.#exit !== null) return;
    const signum = signal === null ? null : (signalNumber(signal) ?? null);
    this.#exit = {
      status: exitStatus(code, signum),
      stopUs: this.#deps.clock.wallUs(),
      elapsedS: (this.#deps.clock.monoMs() - this.#startMonoMs) / 1000,
    };
    this.#deps.log.info({ procId: this.procId, pid: this.#pid, code, signal }, 'process ended');
    this.#markEnded();
  }

  get pid(): number {
    return this.#pid;
  }

  /** Running: spawned and not yet reaped. */
  get running(): boolean {
    return this.#exit === null;
  }

  /** Resolves when the process has ended (or failed to start). */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /** Reads /proc while the process runs; the last reading stands for it after exit. */
  sample(): void {
    if (this.#exit !== null || this.#pid === 0) return;
    const sample = this.#deps.readProc(this.#pid);
    // Gone from /proc already: keep the previous reading.
    if (sample.stat === null) return;
    // A zombie's status has no memory lines: keep the high-water mark seen.
    const previousHwm = this.#sample.status?.vmHwmBytes ?? 0;
    if (sample.status !== null && sample.status.vmHwmBytes < previousHwm)
      this.#sample = { ...sample, status: { ...sample.status, vmHwmBytes: previousHwm } };
    else this.#sample = sample;
  }

  result(): ProcResult {
    if (this.running) this.sample();
    const exit = this.#exit;
    const fds: [string, FdResult | null][] = (this.#plan?.results ?? []).map(([name, capture]) => {
      if (capture === null) return [name, null];
      try {
        return [name, fdResult(capture)];
      } catch (err) {
        this.#deps.log.error({ procId: this.procId, fd: name, err }, 'cannot read capture');
        return [name, { type: 'error' }];
      }
    });
    const stat: ProcStat | null = this.#sample.stat;
    return procResult({
      errors: this.#errors,
      pid: this.#pid,
      running: exit === null,
      procStat: exit === null || this.#pid === 0 ? stat : finalProcStat(stat, exit.status),
      procStatm: exit === null ? this.#sample.statm : null,
      startUs: this.#startUs,
      nowUs: this.#deps.clock.wallUs(),
      stopUs: exit?.stopUs ?? null,
      elapsedS: exit?.elapsedS ?? (this.#deps.clock.monoMs() - this.#startMonoMs) / 1000,
      status: exit?.status ?? null,
      rusage: exit === null ? null : approximateRusage(this.#sample),
      fds,
    });
  }

  /**
   * kill(2) to the pid (not its group), as the original. Returns the error
   * text, or null. A process already reaped is `no process` without a
   * kill(), so a reused pid is never signalled.
   */
  signal(signum: number): string | null {
    if (this.#exit !== null || this.#pid === 0) return 'no process';
    try {
      process.kill(this.#pid, signum);
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'no process';
      return osErrorText(err);
    }
  }

  /** The capture of child fd `fd`, or why there is none: `no fd: N` (not listed) or `no fd data`. */
  capture(fd: number): Capture | { error: string } {
    const listed = (this.#plan?.results ?? []).some(([name]) => fdNumberOf(name) === fd);
    if (!listed) return { error: `no fd: ${fd}` };
    return this.#plan?.captures.get(fd) ?? { error: 'no fd data' };
  }

  /** Releases the captures (on deletion). */
  dispose(): void {
    for (const capture of this.#plan?.captures.values() ?? []) capture.close();
    this.#child?.removeAllListeners();
  }
}

function fdNumberOf(name: string): number {
  return name === 'stdin' ? 0 : name === 'stdout' ? 1 : name === 'stderr' ? 2 : Number(name);
}
