import type { OutputInfo, RunLogEntry, RunRecord, RunStore } from '../store/index.js';

/** What happened to one run, published once it is committed. */
export type RunFeedEvent =
  /** A run was written: a transition, or a metadata update within a state. */
  | { readonly type: 'run'; readonly run: RunRecord }
  | { readonly type: 'log'; readonly runId: string; readonly entry: RunLogEntry }
  /** An output grew or was replaced; `length` is its whole length so far. */
  | { readonly type: 'output'; readonly runId: string; readonly output: OutputInfo };

export type RunFeedListener = (event: RunFeedEvent) => void;

/**
 * Per-run publication of everything a run's followers show (apsis-interfaces.md
 * §3.2, §3.3): its writes, run log lines and output growth. The transition bus
 * serves the scheduler's own reactions; this serves the API's websockets, and
 * costs nothing for a run nobody follows.
 */
export class RunFeed {
  private readonly byRun = new Map<string, Set<RunFeedListener>>();

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Events of one run; returns an unsubscribe function. */
  subscribe(runId: string, listener: RunFeedListener): () => void {
    let set = this.byRun.get(runId);
    if (!set) this.byRun.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byRun.delete(runId);
    };
  }

  isFollowed(runId: string): boolean {
    return this.byRun.has(runId);
  }

  publish(runId: string, event: RunFeedEvent): void {
    const set = this.byRun.get(runId);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (err) {
        // One follower's failure must not keep the event from the others.
        this.onError(err);
      }
    }
  }

  /**
   * The store, with every write of a followed run also published once it is
   * committed. The runtime writes through this, so no write path can forget
   * to publish.
   */
  wrap(store: RunStore): RunStore {
    const after = (runId: string, event: () => RunFeedEvent) => {
      if (this.isFollowed(runId)) store.afterCommit(() => this.publish(runId, event()));
    };
    // Delegates to `store` for everything else, looked up at call time, so the
    // wrapper stays the same store (tests that patch a method on it still work).
    return Object.assign(Object.create(store) as RunStore, {
      insertRun: (run) => {
        store.insertRun(run);
        after(run.runId, () => ({ type: 'run', run }));
      },
      updateRun: (run) => {
        store.updateRun(run);
        after(run.runId, () => ({ type: 'run', run }));
      },
      appendLog: (runId, timestamp, message) => {
        store.appendLog(runId, timestamp, message);
        after(runId, () => ({ type: 'log', runId, entry: { timestamp, message } }));
      },
      putOutput: (runId, output) => {
        store.putOutput(runId, output);
        const { outputId, name, contentType, length } = output;
        after(runId, () => ({
          type: 'output',
          runId,
          output: { outputId, name, contentType, length },
        }));
      },
      appendOutput: async (runId, output, offset, data) => {
        await store.appendOutput(runId, output, offset, data);
        const length = offset + data.byteLength;
        after(runId, () => ({ type: 'output', runId, output: { ...output, length } }));
      },
    } satisfies Partial<RunStore>);
  }
}
