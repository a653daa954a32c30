import { fromCallback } from 'xstate';
import type { ProgramCommand, ProgramInput, ProgramResult, RunEvent } from '../../machines/run.js';
import { errorMessage } from '../errors.js';
import {
  AsyncQueue,
  type BoundProgram,
  type ProgramDriver,
  type ProgramContext,
  type ProgramDrivers,
  type ProgramUpdate,
  type RunningProgram,
} from '../programs/index.js';
import { textOutput } from '../runs/index.js';
import { precompressOutput, type RunStore } from '../store/index.js';
import type { Clock } from '../time/index.js';

export interface ProgramDeps {
  /** Records an event the actor sends its run, for inspection. */
  readonly noteEvent?: (runId: string, type: string) => void;
  readonly clock: Clock;
  readonly store: RunStore;
  readonly drivers: ProgramDrivers;
  /** Running programs by run id, for stats and shutdown. */
  readonly running: Map<string, RunningProgram>;
  readonly report: (err: unknown, context: string) => void;
}

/** A program's metadata is the run's `meta.program`, replaced by each update (apsis-model.md §6). */
function programMeta(meta: Record<string, unknown> | undefined) {
  return meta === undefined ? undefined : { program: meta };
}

function toEvent(update: ProgramUpdate, time: number): RunEvent {
  switch (update.type) {
    case 'running':
      return {
        type: 'program.running',
        runState: update.runState,
        meta: programMeta(update.meta),
        times: update.times,
        time,
      };
    case 'update':
      return {
        type: 'program.update',
        meta: programMeta(update.meta),
        outputs: update.outputs,
        runState: update.runState,
        time,
      };
    case 'log':
      return { type: 'program.log', message: update.message, time };
    case 'done':
      return { ...update, meta: programMeta(update.meta), type: 'program.done', time };
  }
}

/** A `done` already queued right behind `running`, if there is one (and only then). */
function takeDone(updates: AsyncQueue<ProgramUpdate>): ProgramResult | undefined {
  const next = updates.peek();
  if (next?.type !== 'done') return undefined;
  updates.takeReady();
  const { type: _, ...result } = next;
  return { ...result, meta: programMeta(result.meta) };
}

function driverFor(
  drivers: ProgramDrivers,
  program: BoundProgram,
): ProgramDriver<BoundProgram> | undefined {
  return drivers[program.type] as ProgramDriver<BoundProgram> | undefined;
}

/**
 * Runs a run's program for as long as the run is starting, running or
 * stopping. It starts (or reconnects) only once the transition into that
 * state has committed, so a crash can never leave a started program behind
 * a run the database thinks was not started (write-ahead).
 */
export function programActor(deps: ProgramDeps) {
  return fromCallback<ProgramCommand, ProgramInput>(({ input, sendBack: send, receive }) => {
    const sendBack = (event: RunEvent) => {
      deps.noteEvent?.(input.run.runId, event.type);
      send(event);
    };
    const { run, mode } = input;
    let program: RunningProgram | undefined;
    let ended = false;
    const queued: ProgramCommand[] = [];
    const now = () => deps.clock.now();
    const fail = (message: string, output?: string) => {
      if (ended) return;
      ended = true;
      sendBack({
        type: 'program.done',
        outcome: 'error',
        message,
        outputs: output === undefined ? undefined : [textOutput('traceback', 'traceback', output)],
        time: now(),
      });
    };

    const command = (cmd: ProgramCommand) => {
      if (!program) {
        queued.push(cmd);
        return;
      }
      // Stopping runs in the background; its errors are only logged (apsis-model.md §7.4).
      program.stop().catch((err: unknown) => deps.report(err, `stopping ${run.runId}`));
    };
    receive(command);

    const drive = async () => {
      await deps.store.committed();
      if (ended) return;
      const bound = run.program;
      const driver = bound && driverFor(deps.drivers, bound);
      if (!bound || !driver) {
        fail(
          `${mode === 'start' ? 'start' : 'reconnect'} failed: no driver for program type ${bound?.type ?? 'none'}`,
        );
        return;
      }
      const context: ProgramContext = {
        runId: run.runId,
        clock: deps.clock,
        output: {
          storedLength: (outputId) => deps.store.outputLength(run.runId, outputId),
          append: async (output, offset, data) => {
            await deps.store.appendOutput(run.runId, output, offset, data);
            await deps.store.committed();
          },
        },
      };
      try {
        program =
          mode === 'start'
            ? driver.start(bound, context)
            : driver.reconnect(bound, run.runState ?? {}, context);
      } catch (err) {
        fail(`${mode === 'start' ? 'start' : 'reconnect'} failed: ${errorMessage(err)}`);
        return;
      }
      deps.running.set(run.runId, program);
      for (const cmd of queued.splice(0)) command(cmd);
      const updates = program.updates;
      for await (const update of updates) {
        if (ended) break;
        if (update.type === 'done') ended = true;
        // A program that is done as soon as it runs reports both in one
        // event, which the run takes in one step.
        const done =
          update.type === 'running' && updates instanceof AsyncQueue
            ? takeDone(updates)
            : undefined;
        // Final outputs are stored with the run's final state, in its turn:
        // the large ones are compressed first, off the event loop.
        const final = update.type === 'done' ? update.outputs : done?.outputs;
        if (final !== undefined) await Promise.all(final.map(precompressOutput));
        if (done) {
          ended = true;
          sendBack({ ...toEvent(update, now()), done } as RunEvent);
        } else {
          sendBack(toEvent(update, now()));
        }
      }
      if (!ended) fail('program ended without a result');
    };

    drive()
      .catch((err: unknown) => {
        // A driver that throws mid-stream: the run errs with the stack as output.
        fail(errorMessage(err), err instanceof Error ? (err.stack ?? err.message) : String(err));
      })
      .finally(() => deps.running.delete(run.runId));

    return () => {
      // The run left starting/running/stopping, or the scheduler is stopping:
      // stop following the program (it keeps running if it has not ended).
      if (!ended) program?.detach();
      ended = true;
    };
  });
}
