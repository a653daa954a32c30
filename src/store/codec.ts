import type { ActionSpec } from '../actions/index.js';
import type { BoundCondition } from '../conditions/index.js';
import type { BoundProgram } from '../programs/index.js';
import { canonicalArgs, formatRunId, isState, runNumber, type Args } from '../runs/index.js';
import { InvalidValueError } from '../errors.js';
import type { Time } from '../time/index.js';
import { CorruptValueError } from './errors.js';
import type { RunRecord } from './records.js';

/** A `runs` row as SQLite returns it. */
export interface RunRow {
  rowid: number;
  run_id: string;
  job_id: string;
  args: string;
  state: string;
  timestamp: number;
  times: string;
  meta: string;
  program: string | null;
  conds: string | null;
  actions: string | null;
  run_state: string | null;
  expected: number;
}

/** The SELECT list matching `RunRow`. */
export const RUN_COLUMNS =
  'rowid, run_id, job_id, args, state, timestamp, times, meta, program, conds, actions, run_state, expected';

/**
 * A run as bind parameters. Encoding happens when the write is queued, not
 * when it is committed, so a value JSON cannot hold fails the caller's own
 * call instead of the whole batch of other runs' writes.
 */
export function runToRow(run: RunRecord): RunRow {
  const rowid = runNumber(run.runId);
  if (rowid === undefined)
    throw new InvalidValueError(`not a run id: ${JSON.stringify(run.runId)}`);
  if (!isState(run.state))
    throw new InvalidValueError(`run ${run.runId}: not a state: ${String(run.state)}`);
  checkText(run.jobId, `run ${run.runId}: job id`);
  checkTime(run.timestamp, `run ${run.runId}: timestamp`);
  return {
    rowid,
    run_id: formatRunId(rowid),
    job_id: run.jobId,
    args: canonicalArgs(run.args),
    state: run.state,
    timestamp: run.timestamp,
    times: JSON.stringify(run.times),
    meta: JSON.stringify(run.meta),
    program: jsonOrNull(run.program),
    conds: jsonOrNull(run.conds),
    actions: jsonOrNull(run.actions),
    run_state: run.runState === null ? null : JSON.stringify(run.runState),
    expected: run.expected ? 1 : 0,
  };
}

/**
 * Refuses, at queue time, a value SQLite would reject or store wrongly: a
 * write that fails at commit time takes its whole batch down with it.
 */
export function checkTime(time: unknown, what: string): void {
  if (typeof time !== 'number' || !Number.isFinite(time))
    throw new InvalidValueError(`${what} is not a time: ${String(time)}`);
}

export function checkText(text: unknown, what: string): void {
  if (typeof text !== 'string')
    throw new InvalidValueError(`${what} is not a string: ${String(text)}`);
}

// A run's program, conditions and actions are shared, unchanged, by every
// record of the run, so each object is encoded once, not on every transition.
const encoded = new WeakMap<object, string>();

function jsonOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return JSON.stringify(value);
  let text = encoded.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    encoded.set(value, text);
  }
  return text;
}

/** Receives each value a reader could not decode; the reader carries on. */
export type CorruptionReporter = (err: CorruptValueError) => void;

/**
 * A row as a run. A column that does not decode is reported and read as null
 * (as empty for the columns a run cannot lack), so one damaged row never
 * breaks a query over others (design.md, "Errors and bad input"). Only an
 * unknown state drops the row: a run whose state is unknown cannot be
 * scheduled, restored or shown truthfully.
 */
export function rowToRun(row: RunRow, report: CorruptionReporter): RunRecord | undefined {
  const what = `run ${row.run_id}`;
  if (!isState(row.state)) {
    report(
      new CorruptValueError(
        what,
        'state',
        `holds unknown state ${JSON.stringify(row.state)}; run skipped`,
      ),
    );
    return undefined;
  }
  const decode = new ColumnDecoder(what, report);
  return {
    runId: row.run_id,
    jobId: row.job_id,
    args: decode.object('args', row.args, isArgs) ?? {},
    state: row.state,
    times: decode.object('times', row.times, isTimes) ?? {},
    meta: decode.object('meta', row.meta, isRecord) ?? {},
    program: decode.object('program', row.program, isProgram),
    conds: decode.object('conds', row.conds, isArrayOf<BoundCondition>),
    actions: decode.object('actions', row.actions, isArrayOf<ActionSpec>),
    runState: decode.object('run_state', row.run_state, isRecord),
    timestamp: row.timestamp,
    expected: row.expected !== 0,
  };
}

/** Parses JSON columns, reporting (not throwing) what does not parse or has the wrong shape. */
export class ColumnDecoder {
  constructor(
    private readonly what: string,
    private readonly report: CorruptionReporter,
  ) {}

  object<T>(column: string, text: string | null, guard: (v: unknown) => v is T): T | null {
    if (text === null) return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.report(
        new CorruptValueError(this.what, column, 'is not valid JSON; read as empty', {
          cause: err,
        }),
      );
      return null;
    }
    if (guard(value)) return value;
    this.report(
      new CorruptValueError(this.what, column, 'holds JSON of the wrong shape; read as empty'),
    );
    return null;
  }
}

// The guards check the outer shape only: rows are ours, written from typed
// records, so deep validation would cost every restore for no protection.
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isArgs(v: unknown): v is Args {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isTimes(v: unknown): v is Record<string, Time> {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'number');
}

function isProgram(v: unknown): v is BoundProgram {
  return isRecord(v) && typeof v.type === 'string';
}

function isArrayOf<T>(v: unknown): v is T[] {
  return Array.isArray(v) && v.every(isRecord);
}
