/**
 * Run-store write throughput: each run is inserted, moved through four
 * transitions (an update and a log line each) and given an output, as the
 * scheduler does. Compares group commit (every write of a tick in one
 * transaction) with one transaction per transition, the way Apsis commits.
 *
 *   npx tsc -p . && node dist/bench/store-throughput.js [runs] [runsPerTick]
 *
 * Prints figures; it asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { formatRunId, type State } from '../src/runs/index.js';
import { createRunStore, openDatabase, type RunRecord, type RunStore } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';

const runs = Number(process.argv[2] ?? 50_000);
const runsPerTick = Number(process.argv[3] ?? 500);
const T0 = Date.UTC(2024, 0, 2);
const STEPS: readonly State[] = ['scheduled', 'starting', 'running', 'success'];

function baseRun(n: number): RunRecord {
  return {
    runId: formatRunId(n),
    jobId: `job/${n % 1000}`,
    args: { date: '2024-01-02', shard: String(n % 16) },
    state: 'new',
    times: {},
    meta: { job: { labels: ['bench'] } },
    program: { type: 'no-op', duration: 1, success: true },
    conds: [{ type: 'const', value: true }],
    actions: null,
    runState: null,
    timestamp: T0,
    expected: false,
  };
}

/** Writes one run's whole life, calling `step` after each change; returns the number of writes. */
function writeRun(store: RunStore, n: number, step: () => void): number {
  let run = baseRun(n);
  store.insertRun(run);
  step();
  let writes = 1;
  STEPS.forEach((state, i) => {
    const time = T0 + i;
    run = { ...run, state, timestamp: time, times: { ...run.times, [state]: time } };
    store.updateRun(run);
    store.appendLog(run.runId, time, state);
    step();
    writes += 2;
  });
  store.putOutput(run.runId, {
    outputId: 'output',
    name: 'output',
    contentType: 'text/plain',
    length: 40,
    data: Buffer.from('bench output line, forty bytes long....\n'),
  });
  step();
  return writes + 1;
}

async function measure(label: string, count: number, perTick: number, perChange: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-'));
  const store = createRunStore(openDatabase(join(dir, 'bench.db'), { create: true }), {
    clock: new ManualClock(T0),
  });
  try {
    const first = store.reserveRunNumbers(count);
    const start = performance.now();
    let writes = 0;
    for (let done = 0; done < count; done += perTick) {
      for (let n = first + done; n < first + Math.min(done + perTick, count); n++) {
        writes += writeRun(store, n, perChange ? () => store.flush() : () => {});
      }
      await nextTurn();
    }
    store.flush();
    const seconds = (performance.now() - start) / 1000;
    const { commits } = store.stats();
    console.log(
      `${label.padEnd(34)} ${count} runs, ${writes} writes in ${seconds.toFixed(2)} s: ` +
        `${Math.round(writes / seconds)} rows/s, ${Math.round(count / seconds)} runs/s, ` +
        `${commits} transactions (${Math.round(commits / seconds)}/s)`,
    );
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await measure(`group commit, ${runsPerTick} runs/tick`, runs, runsPerTick, false);
// Apsis commits each transition on its own; fewer runs, or this takes minutes on slow disks.
await measure('one transaction per transition', Math.min(runs, 5000), runsPerTick, true);
