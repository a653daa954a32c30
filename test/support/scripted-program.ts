import {
  AsyncQueue,
  noOpDriver,
  type ProgramContext,
  type ProgramDrivers,
  type ProgramUpdate,
} from '../../src/programs/index.js';
import { textOutput, type RunOutput } from '../../src/runs/index.js';
import { formatTime } from '../../src/time/index.js';

/** A no-op of this duration (seconds) is scripted by the test instead of sleeping. */
export const SCRIPTED_SECONDS = 4242;

/** The job text of a scripted program, with `params` if given. */
export function scriptedJob(params: readonly string[] = []): string {
  const p = params.length > 0 ? `params: [${params.join(', ')}]\n` : '';
  return `${p}program: {type: no-op, duration: ${SCRIPTED_SECONDS}}\n`;
}

/**
 * A program whose every update the test sends: running, metadata, interim
 * output, log lines, streamed output chunks and the result. Signals and
 * stops it is asked for are recorded.
 */
export class ScriptedProgram {
  readonly updates = new AsyncQueue<ProgramUpdate>();
  readonly signals: string[] = [];
  stops = 0;
  /** Bytes appended through the output sink so far, by output id. */
  private readonly streamed = new Map<string, number>();

  constructor(private readonly context: ProgramContext) {}

  running(meta?: Record<string, unknown>): void {
    this.updates.push({
      type: 'running',
      runState: { start: formatTime(this.context.clock.now()) },
      ...(meta && { meta }),
    });
  }

  meta(meta: Record<string, unknown>): void {
    this.updates.push({ type: 'update', meta });
  }

  /** Interim output: the whole output so far, kept in memory until the result. */
  interim(text: string): void {
    this.updates.push({ type: 'update', outputs: [textOutput('output', 'output', text)] });
  }

  log(message: string): void {
    this.updates.push({ type: 'log', message });
  }

  /** Streams bytes of output `output` to the store, as procstar programs do. */
  async append(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const offset = this.streamed.get('output') ?? 0;
    await this.context.output.append(
      { outputId: 'output', name: 'output', contentType: 'application/octet-stream' },
      offset,
      bytes,
    );
    this.streamed.set('output', offset + bytes.byteLength);
  }

  done(outcome: 'success' | 'failure' | 'error' = 'success', outputs?: RunOutput[]): void {
    this.updates.push({ type: 'done', outcome, ...(outputs && { outputs }) });
    this.updates.close();
  }
}

/**
 * Program drivers for a TestRuntime in which no-op programs of
 * SCRIPTED_SECONDS are scripted; `programs` holds them by run id.
 */
export function scriptedDrivers(): {
  drivers: ProgramDrivers;
  programs: Map<string, ScriptedProgram>;
} {
  const programs = new Map<string, ScriptedProgram>();
  const start: (typeof noOpDriver)['start'] = (program, context) => {
    if (program.duration !== SCRIPTED_SECONDS) return noOpDriver.start(program, context);
    const scripted = new ScriptedProgram(context);
    programs.set(context.runId, scripted);
    return {
      updates: scripted.updates,
      stop: async () => {
        scripted.stops++;
      },
      signal: async (signal) => {
        scripted.signals.push(signal);
        if (signal === 'SIGUSR2') throw new Error('no such process');
      },
      detach: () => scripted.updates.close(),
    };
  };
  return {
    drivers: { 'no-op': { start, reconnect: noOpDriver.reconnect } },
    programs,
  };
}
