import type { RunRecord } from '../store/index.js';
import { instanceKey } from '../runs/index.js';

export type TransitionListener = (run: RunRecord) => void;

/**
 * Publishes runs as their writes commit, to everything that reacts to a
 * run's state: conditions waiting on that instance, actions, the API.
 * Listeners of one instance (job id and args) are indexed, so a transition
 * wakes only the conditions that watch it, not every waiting run.
 */
export class TransitionBus {
  constructor(private readonly onError: (err: unknown) => void) {}

  private readonly all = new Set<TransitionListener>();
  private readonly byInstance = new Map<string, Set<() => void>>();

  /** Every committed transition; returns an unsubscribe function. */
  subscribe(listener: TransitionListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  /** Committed transitions of runs of `jobId` with exactly `args`. */
  subscribeInstance(
    jobId: string,
    args: Readonly<Record<string, string>>,
    listener: () => void,
  ): () => void {
    const key = instanceKey(jobId, args);
    let set = this.byInstance.get(key);
    if (!set) this.byInstance.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byInstance.delete(key);
    };
  }

  publish(run: RunRecord): void {
    // Copies: a listener may unsubscribe (or subscribe others) while we call.
    this.call([...(this.byInstance.get(instanceKey(run.jobId, run.args)) ?? [])]);
    this.call([...this.all].map((listener) => () => listener(run)));
  }

  /**
   * Wakes every instance watcher to check again: expected runs changed
   * without a transition (jobs were reloaded), which an `exist` check counts.
   */
  recheckInstances(): void {
    this.call([...this.byInstance.values()].flatMap((set) => [...set]));
  }

  private call(listeners: (() => void)[]): void {
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        // One listener's failure must not keep the transition from the others.
        this.onError(err);
      }
    }
  }

  /** Instances being watched, for stats. */
  get watchedInstances(): number {
    return this.byInstance.size;
  }
}
