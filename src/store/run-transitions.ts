import { isState, type State } from '../runs/index.js';
import type { Time } from '../time/index.js';
import { checkText, checkTime } from './codec.js';
import type { Database } from './database.js';
import { CorruptValueError } from './errors.js';
import type { WriteQueue } from './write-queue.js';

/** One step of a run through its states, as stored (schema v3). */
export interface RunTransition {
  readonly time: Time;
  /** The state before; null when it is not known. */
  readonly from: State | null;
  readonly to: State;
  /** The machine event that caused it (`run.start`, `program.done`); null when not known. */
  readonly event: string | null;
}

/** Rows per multi-row INSERT: a burst of runs writes its transitions in few statements. */
const ROWS_PER_STATEMENT = 32;
const COLUMNS = 5;

type Value = string | number | null;

/**
 * The transition log of runs: one row per transition. Writes ride the run
 * store's batch as one grouped write (like run-log lines), so a transition
 * costs an index entry and a row in a transaction that commits anyway.
 */
export function createTransitionLog(
  db: Database,
  queue: WriteQueue,
  onError: (err: unknown) => void,
) {
  const insert = (rows: number) =>
    db.prepare<[Value[]]>(
      `INSERT INTO run_transition (run_id, time, from_state, to_state, event) VALUES ${Array(rows)
        .fill('(?, ?, ?, ?, ?)')
        .join(', ')}`,
    );
  const insertMany = insert(ROWS_PER_STATEMENT);
  const insertOne = insert(1);
  const select = db.prepare<
    [string],
    { time: number; from_state: string | null; to_state: string; event: string | null }
  >('SELECT time, from_state, to_state, event FROM run_transition WHERE run_id = ? ORDER BY id');

  // Transitions queued in this batch, flat: run id, time, from, to, event, ….
  let pending: Value[] = [];
  const write = () => {
    const rows = pending;
    pending = [];
    const per = ROWS_PER_STATEMENT * COLUMNS;
    let i = 0;
    for (; i + per <= rows.length; i += per) insertMany.run(rows.slice(i, i + per));
    for (; i < rows.length; i += COLUMNS) insertOne.run(rows.slice(i, i + COLUMNS));
  };

  return {
    record(runId: string, time: Time, from: State | null, to: State, event: string | null): void {
      checkText(runId, 'transition: run id');
      checkTime(time, `transition of ${runId}: time`);
      if (pending.length === 0) queue.enqueue('recordTransition', write);
      pending.push(runId, time, from, to, event);
    },

    read(runId: string): RunTransition[] {
      const out: RunTransition[] = [];
      for (const row of select.all(runId)) {
        if (!isState(row.to_state)) {
          // A row we cannot place is left out, and reported: the rest of the path still holds.
          onError(
            new CorruptValueError(
              `transition of ${runId}`,
              'to_state',
              `is not a state: ${row.to_state}`,
            ),
          );
          continue;
        }
        out.push({
          time: row.time,
          from: isState(row.from_state) ? row.from_state : null,
          to: row.to_state,
          event: row.event,
        });
      }
      return out;
    },
  };
}
