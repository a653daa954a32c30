import type { RunOutput } from '../runs/index.js';
import type { Clock, Time } from '../time/index.js';
import type { BoundProgram } from './bind.js';

/** What a running program reports (apsis-model.md §6). */
export type ProgramUpdate =
  /** The program is running: ends `starting`. `runState` is what reconnecting needs. */
  | {
      type: 'running';
      runState: Record<string, unknown>;
      meta?: Record<string, unknown>;
      times?: Record<string, Time>;
    }
  /**
   * New metadata or interim output while starting or running; `runState`
   * replaces the run state of a running run (stored with the metadata).
   */
  | {
      type: 'update';
      meta?: Record<string, unknown>;
      outputs?: RunOutput[];
      runState?: Record<string, unknown>;
    }
  /** A line for the run log (a signal sent, a retry). */
  | { type: 'log'; message: string }
  /** The result; always the last update. */
  | {
      type: 'done';
      outcome: 'success' | 'failure' | 'error';
      message?: string;
      meta?: Record<string, unknown>;
      times?: Record<string, Time>;
      outputs?: RunOutput[];
    };

/**
 * A program in flight. `updates` yields until one `done`; `stop` asks the
 * program to stop (signal, grace period, kill) and resolves once asked;
 * `signal` sends a signal now. Errors thrown by `updates` end the run in
 * error with the message as output.
 */
export interface RunningProgram {
  readonly updates: AsyncIterable<ProgramUpdate>;
  stop(): Promise<void>;
  signal(signal: string): Promise<void>;
  /**
   * Stops following the program without stopping it: the scheduler is
   * shutting down and will reconnect from the run state when it restarts.
   */
  detach(): void;
}

/**
 * Where a program streams a large output while it runs, a chunk at a time,
 * so no output is ever held whole in memory (the store keeps it in chunks).
 */
export interface OutputSink {
  /** Bytes of the output already stored: where a reconnected program resumes fetching. */
  storedLength(outputId: string): number;
  /**
   * Appends bytes at `offset`; resolves once they are committed, when the
   * caller may reuse or free `data`. One append at a time per output.
   */
  append(
    output: { outputId: string; name: string; contentType: string },
    offset: number,
    data: Uint8Array,
  ): Promise<void>;
}

/** What every program driver is given. */
export interface ProgramContext {
  readonly runId: string;
  readonly clock: Clock;
  readonly output: OutputSink;
}

/**
 * Runs one type of bound program: `start` a new run, or `reconnect` to one
 * that was running when the scheduler stopped, from its stored run state.
 */
export interface ProgramDriver<P extends BoundProgram = BoundProgram> {
  start(program: P, context: ProgramContext): RunningProgram;
  reconnect(
    program: P,
    runState: Readonly<Record<string, unknown>>,
    context: ProgramContext,
  ): RunningProgram;
}

/** Drivers by bound program type. */
export type ProgramDrivers = {
  readonly [T in BoundProgram['type']]?: ProgramDriver<Extract<BoundProgram, { type: T }>>;
};
