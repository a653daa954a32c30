import type { RunStore } from '../../src/store/index.js';
import { textOutput } from '../../src/runs/index.js';
import type { TestRuntime } from './runtime.js';

/** Waits in real time (worker threads do), settling the runtime between looks. */
export async function until(
  t: TestRuntime,
  done: () => boolean,
  what: string,
  options: { timeoutMs?: number; advanceMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    await t.settle();
    if (done()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // A chunk_sleep waits on the manual clock.
    if (options.advanceMs !== undefined) await t.advance(options.advanceMs);
  }
}

/** Whether a run has reached a final state. */
export function isFinished(t: TestRuntime, runId: string): boolean {
  return ['success', 'failure', 'error', 'skipped'].includes(t.run(runId).state);
}

/**
 * Stores finished runs of job `jobId` with a log line, a whole output, a
 * chunked output and a transition each, last changed `ageMs` ago (older
 * first: the first id is the oldest). Returns their ids.
 */
export async function seedFinishedRuns(
  store: RunStore,
  now: number,
  count: number,
  options: { jobId?: string; ageMs?: number; bytes?: number } = {},
): Promise<string[]> {
  const { jobId = 'old', ageMs = 2 * 86_400_000, bytes = 0 } = options;
  const first = store.reserveRunNumbers(count);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const runId = `r${first + i}`;
    const timestamp = now - ageMs - (count - i) * 1000;
    store.insertRun({
      runId,
      jobId,
      args: {},
      state: 'success',
      times: { running: timestamp - 1000, success: timestamp },
      meta: bytes > 0 ? { padding: 'x'.repeat(bytes) } : {},
      program: { type: 'no-op', duration: null, success: true },
      conds: [],
      actions: [],
      runState: null,
      timestamp,
      expected: false,
    });
    store.appendLog(runId, timestamp, `log of ${runId}`);
    store.recordTransition(runId, timestamp, 'running', 'success', 'program.done');
    store.putOutput(runId, textOutput('output', 'output', `output of ${runId}`));
    const info = { outputId: 'stream', name: 'stream', contentType: 'text/plain' };
    await store.appendOutput(runId, info, 0, Buffer.from('abc'));
    await store.appendOutput(runId, info, 3, Buffer.from('def'));
    ids.push(runId);
  }
  await store.committed();
  return ids;
}
