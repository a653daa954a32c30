import {
  ACTIVE_STATES,
  instanceKey,
  type Args,
  type RunOutput,
  type State,
} from '../runs/index.js';
import type { RunRecord } from '../store/index.js';
import type { Time } from '../time/index.js';

/**
 * The runs held in memory: every run with a task in flight (waiting,
 * starting, running, stopping), runs scheduled for a later time, and finished
 * runs within `runs.lookback`. Its records are the latest state, ahead of
 * the database while a write is pending, so decisions that must see every
 * run at once (skip_duplicate, max_running) read them here.
 */
export class RunRegistry {
  private readonly runs = new Map<string, RunRecord>();
  private readonly byInstance = new Map<string, Set<string>>();
  private readonly interim = new Map<string, Map<string, RunOutput>>();
  /** Runs whose row exists (or is queued): later writes are updates. */
  private readonly stored = new Set<string>();
  /** Told of every interim output (the runtime publishes it to the run's followers). */
  onInterimOutput: ((runId: string, output: RunOutput) => void) | undefined;

  get(runId: string): RunRecord | undefined {
    return this.runs.get(runId);
  }

  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  get size(): number {
    return this.runs.size;
  }

  /** Records the latest state of a run; returns whether its row already existed. */
  set(run: RunRecord): boolean {
    if (!this.runs.has(run.runId)) {
      const key = instanceKey(run.jobId, run.args);
      let ids = this.byInstance.get(key);
      if (!ids) this.byInstance.set(key, (ids = new Set()));
      ids.add(run.runId);
    }
    this.runs.set(run.runId, run);
    const existed = this.stored.has(run.runId);
    this.stored.add(run.runId);
    return existed;
  }

  /** Marks a run as already stored (restored from the database). */
  markStored(runId: string): void {
    this.stored.add(runId);
  }

  delete(runId: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    this.runs.delete(runId);
    this.stored.delete(runId);
    this.interim.delete(runId);
    const key = instanceKey(run.jobId, run.args);
    const ids = this.byInstance.get(key);
    ids?.delete(runId);
    if (ids?.size === 0) this.byInstance.delete(key);
  }

  /** Runs of `jobId` with exactly `args`, optionally only in `states`. */
  matching(jobId: string, args: Args, states?: ReadonlySet<State>): RunRecord[] {
    const ids = this.byInstance.get(instanceKey(jobId, args));
    if (!ids) return [];
    const out: RunRecord[] = [];
    for (const id of ids) {
      const run = this.runs.get(id);
      if (run && (!states || states.has(run.state))) out.push(run);
    }
    return out;
  }

  all(): IterableIterator<RunRecord> {
    return this.runs.values();
  }

  /** Interim output of a live run (programs report it while running; not stored until final). */
  setInterimOutput(runId: string, output: RunOutput): void {
    let outputs = this.interim.get(runId);
    if (!outputs) this.interim.set(runId, (outputs = new Map()));
    outputs.set(output.outputId, output);
    this.onInterimOutput?.(runId, output);
  }

  interimOutputs(runId: string): ReadonlyMap<string, RunOutput> | undefined {
    return this.interim.get(runId);
  }

  clearInterimOutputs(runId: string): void {
    this.interim.delete(runId);
  }

  /** Forgets finished runs whose last transition is older than `before`; they stay in the database. */
  evictFinished(before: Time): number {
    let evicted = 0;
    for (const run of this.runs.values()) {
      if (!ACTIVE_STATES.has(run.state) && run.state !== 'scheduled' && run.timestamp < before) {
        this.delete(run.runId);
        evicted++;
      }
    }
    return evicted;
  }

  countByState(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const run of this.runs.values()) counts[run.state] = (counts[run.state] ?? 0) + 1;
    return counts;
  }
}
