import { errorMessage, InvalidValueError } from '../../errors.js';
import type { BoundProgram } from '../../programs/index.js';
import { formatRunId, isState } from '../../runs/index.js';
import { parseTime, type Time } from '../../time/index.js';
import type { RunRecord } from '../records.js';
import { actionFromApsis, conditionFromApsis, programFromApsis } from './bound-forms.js';

/** A row of Apsis's `runs` table (apsis-model.md §8.2), as SQLite returns it. */
export interface ApsisRunRow {
  rowid: number;
  run_id: unknown;
  timestamp: unknown;
  job_id: unknown;
  args: unknown;
  state: unknown;
  program: unknown;
  times: unknown;
  meta: unknown;
  run_state: unknown;
  conds: unknown;
  actions: unknown;
}

export type RunConversion = { ok: true; run: RunRecord } | { ok: false; problem: string };

/** States in which a program may be live on an agent, so its run state must let it reconnect. */
const LIVE_STATES: ReadonlySet<string> = new Set(['running', 'stopping']);

function fail(message: string): never {
  throw new InvalidValueError(message);
}

function json(column: string, value: unknown): unknown {
  if (value === null) return null;
  if (typeof value !== 'string') fail(`${column}: expected JSON text, got a ${typeof value}`);
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    return fail(`${column}: bad JSON: ${errorMessage(err)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapping(column: string, value: unknown): Record<string, unknown> {
  if (!isRecord(value)) fail(`${column}: expected a JSON object`);
  return value;
}

function list(column: string, value: unknown): unknown[] | null {
  if (value === null) return null;
  if (!Array.isArray(value)) fail(`${column}: expected a JSON list`);
  return value;
}

/** Float seconds since the epoch (apsis-model.md §8.1) as our milliseconds. */
export function secondsToMs(column: string, value: unknown): Time {
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(`${column}: bad time ${JSON.stringify(value)}`);
  return Math.round(value * 1000);
}

function time(key: string, value: unknown): Time {
  if (typeof value !== 'string') fail(`times.${key}: bad time ${JSON.stringify(value)}`);
  try {
    return parseTime(value);
  } catch {
    // parseTime's message names the expected form; the problem line names the value.
    return fail(`times.${key}: bad time ${JSON.stringify(value)}`);
  }
}

function args(value: unknown): Record<string, string> {
  const obj = mapping('args', value);
  for (const [name, arg] of Object.entries(obj))
    if (typeof arg !== 'string')
      fail(`args.${name}: expected a string, got ${JSON.stringify(arg)}`);
  return obj as Record<string, string>;
}

/**
 * A running procstar run reconnects to its agent from `{conn_id, proc_id,
 * start}` (apsis-model.md §6.2; src/programs/procstar.ts); without them the
 * daemon could only fail it, so the row is reported instead.
 */
function checkRunState(program: BoundProgram | null, state: string, runState: unknown): void {
  if (!LIVE_STATES.has(state) || program === null) return;
  if (program.type !== 'procstar' && program.type !== 'procstar-ecs') return;
  if (!isRecord(runState)) fail(`run_state: a ${state} ${program.type} run needs one to reconnect`);
  for (const key of ['conn_id', 'proc_id', 'start'])
    if (typeof runState[key] !== 'string') fail(`run_state.${key}: missing; can't reconnect`);
  try {
    parseTime(runState.start as string);
  } catch {
    fail(`run_state.start: bad time ${JSON.stringify(runState.start)}`);
  }
}

/**
 * One Apsis run as ours, or the first thing wrong with it. Times become
 * milliseconds, the bound forms ours; the run number is the row's, as in
 * Apsis (§7.7). Imported runs are never expected: Apsis stores only runs
 * that left the schedule.
 */
export function runFromApsis(row: ApsisRunRow): RunConversion {
  try {
    const runId = formatRunId(row.rowid);
    if (row.run_id !== runId)
      fail(`run_id: ${JSON.stringify(row.run_id)} is not the id of row ${row.rowid}`);
    if (typeof row.job_id !== 'string') fail('job_id: expected a string');
    if (typeof row.state !== 'string' || !isState(row.state))
      fail(`state: unknown state ${JSON.stringify(row.state)}`);
    const times: Record<string, Time> = {};
    for (const [key, value] of Object.entries(mapping('times', json('times', row.times))))
      times[key] = time(key, value);
    const program = row.program === null ? null : json('program', row.program);
    const boundProgram = program === null ? null : programFromApsis(program);
    const runState = json('run_state', row.run_state);
    if (runState !== null && !isRecord(runState)) fail('run_state: expected a JSON object');
    checkRunState(boundProgram, row.state, runState);
    return {
      ok: true,
      run: {
        runId,
        jobId: row.job_id,
        args: args(json('args', row.args)),
        state: row.state,
        times,
        meta: mapping('meta', json('meta', row.meta)),
        program: boundProgram,
        conds: list('conds', json('conds', row.conds))?.map(conditionFromApsis) ?? null,
        actions: list('actions', json('actions', row.actions))?.map(actionFromApsis) ?? null,
        runState: runState as Record<string, unknown> | null,
        timestamp: secondsToMs('timestamp', row.timestamp),
        expected: false,
      },
    };
  } catch (err) {
    return { ok: false, problem: errorMessage(err) };
  }
}
