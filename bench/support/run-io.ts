/**
 * What a finished run leaves in the store besides its `runs` row, as the
 * daemon writes it: its run-log lines, its transitions and an output, for
 * the history of bench/support/run-history.ts (`io: true`), which the
 * housekeeping bench archives.
 *
 * - Log lines and transitions are the run machine's (machines/run.ts) for
 *   the run's path: `scheduled: TIME`, `waiting` (jobs with conditions),
 *   `starting`, `running`, then `success`, `failure: exit code 1`, `error: …`
 *   or `skipped`; 4–5 of each per run.
 * - Procstar runs' output is appended as the procstar driver appends what
 *   the agent sends (`appendOutput`: an `output` row marked `chunks` and
 *   `output_chunk` rows): usually one chunk of 200 B – 4 KB of log text; one
 *   run in 250 has a larger output of 3 to 6 chunks of 64 KiB, stored
 *   brotli-compressed as the store compresses chunks of 16 KiB or more.
 * - Other runs get a whole output of a few hundred bytes (`putOutput`), as
 *   an error or a shell program's result is stored. (A real no-op stores
 *   none; the benchmark wants every run to carry one.)
 */
import { formatTime, type Time } from '../../src/time/index.js';
import type { State } from '../../src/runs/index.js';
import type { RunStore } from '../../src/store/index.js';

const PROCSTAR_OUTPUT = {
  outputId: 'output',
  name: 'output',
  contentType: 'application/octet-stream',
};
const LARGE_CHUNK_BYTES = 64 * 1024;
const LARGE_SHARE = 1 / 250;

export interface RunIo {
  readonly runId: string;
  readonly state: State;
  readonly times: Readonly<Record<string, number>>;
  /** A procstar run (its job has a `max_running` condition, so it waits first). */
  readonly procstar: boolean;
}

const LINES = [
  (r: () => number) => `INFO reading partition ${Math.floor(r() * 4096)} of s3://warehouse/events`,
  (r: () => number) =>
    `INFO wrote ${Math.floor(r() * 1e6)} rows to staging.events_${Math.floor(r() * 90)}`,
  (r: () => number) =>
    `DEBUG retry ${Math.floor(r() * 3)} after ${Math.floor(r() * 900)} ms: HTTP 503`,
  (r: () => number) => `INFO checksum ${Math.floor(r() * 2 ** 32).toString(16)} ok`,
  (r: () => number) => `WARN slow query (${(r() * 30).toFixed(2)} s): SELECT count(*) FROM orders`,
];

/** `bytes` of log text (whole lines, at least one), as a pipeline prints it. */
function logText(rand: () => number, start: Time, bytes: number): string {
  const lines: string[] = [];
  let length = 0;
  let t = start;
  while (length < bytes || lines.length === 0) {
    t += Math.floor(rand() * 2000);
    const line = `${new Date(t).toISOString()} ${LINES[Math.floor(rand() * LINES.length)]!(rand)}`;
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Queues the run's log lines, transitions and output in `store`. The
 * output's chunks are compressed off the thread (as the store does); the
 * promise resolves once every write is queued.
 */
export async function writeRunIo(store: RunStore, rand: () => number, run: RunIo): Promise<void> {
  const { runId, state, times } = run;
  const schedule = times.schedule!;
  const scheduled = times.scheduled ?? schedule;
  const end = times[state]!;
  store.appendLog(runId, scheduled, `scheduled: ${formatTime(schedule)}`);
  store.recordTransition(runId, scheduled, 'new', 'scheduled', 'run.schedule');
  if (state === 'skipped') {
    store.appendLog(runId, end, 'skipped');
    store.recordTransition(runId, end, 'scheduled', 'skipped', 'run.skip');
  } else {
    const starting = times.starting!;
    const running = times.running!;
    if (run.procstar) {
      store.appendLog(runId, times.waiting ?? scheduled, 'waiting');
      store.recordTransition(
        runId,
        times.waiting ?? scheduled,
        'scheduled',
        'waiting',
        'run.schedule',
      );
      store.appendLog(runId, starting, 'starting');
      store.recordTransition(runId, starting, 'waiting', 'starting', 'conditions.ready');
    } else {
      store.appendLog(runId, starting, 'starting');
      store.recordTransition(runId, starting, 'scheduled', 'starting', 'run.schedule');
    }
    store.appendLog(runId, running, 'running');
    store.recordTransition(runId, running, 'starting', 'running', 'program.running');
    const message =
      state === 'failure'
        ? 'failure: exit code 1'
        : state === 'error'
          ? 'error: procstar: agent disconnected'
          : state;
    store.appendLog(runId, end, message);
    store.recordTransition(runId, end, 'running', state, 'program.done');
  }

  const start = times.running ?? schedule;
  if (!run.procstar) {
    const text = logText(rand, start, 100 + Math.floor(rand() * 400));
    const data = Buffer.from(text);
    store.putOutput(runId, {
      outputId: 'output',
      name: 'output',
      contentType: 'text/plain',
      length: data.byteLength,
      data,
    });
    return;
  }
  if (state === 'skipped') return;
  // Every random draw before the first await: the same history every time.
  const chunks: Buffer[] = [];
  if (rand() < LARGE_SHARE) {
    const count = 3 + Math.floor(rand() * 4);
    for (let i = 0; i < count; i++)
      chunks.push(
        Buffer.from(logText(rand, start, LARGE_CHUNK_BYTES)).subarray(0, LARGE_CHUNK_BYTES),
      );
  } else {
    chunks.push(Buffer.from(logText(rand, start, 200 + Math.floor(rand() * rand() * 3800))));
  }
  let offset = 0;
  for (const data of chunks) {
    await store.appendOutput(runId, PROCSTAR_OUTPUT, offset, data);
    offset += data.byteLength;
  }
}
