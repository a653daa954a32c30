import type { RunLogEntry, RunRecord } from '../store/index.js';
import { runLabels } from '../runtime/index.js';
import { formatTimeJso, type Time } from '../time/index.js';
import { actionApiJso, boundConditionApiJso, boundProgramApiJso } from './describe.js';

/** A run's times in the API's form (three fractional digits, UTC). */
function timesJso(times: Readonly<Record<string, Time>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, time] of Object.entries(times)) out[name] = formatTimeJso(time);
  return out;
}

/**
 * The run summary (apsis-model.md §7.9): the `run_summary` payload of the
 * summary websocket and the `summary=true` form of run queries.
 */
export function runSummaryJso(run: RunRecord): Record<string, unknown> {
  const jso: Record<string, unknown> = {
    job_id: run.jobId,
    args: run.args,
    run_id: run.runId,
    state: run.state,
    times: timesJso(run.times),
    labels: runLabels(run),
  };
  if (run.expected) jso.expected = true;
  const dependencies = (run.conds ?? []).flatMap((c) =>
    c.type === 'dependency' ? [[c.job_id, c.args]] : [],
  );
  if (dependencies.length > 0) jso.dependencies = dependencies;
  return jso;
}

/** The full run: the summary plus conditions, actions, metadata and program. */
export function runJso(run: RunRecord): Record<string, unknown> {
  return {
    ...runSummaryJso(run),
    conds: (run.conds ?? []).map(boundConditionApiJso),
    actions: (run.actions ?? []).map(actionApiJso),
    meta: runMetaJso(run),
    program: run.program === null ? null : boundProgramApiJso(run.program),
  };
}

const FINISHED_TIMES = ['success', 'failure', 'error', 'skipped'] as const;

/** `meta` with `elapsed`: seconds from running to the end (or to now while it runs). */
export function runMetaJso(run: RunRecord, now?: Time): Record<string, unknown> {
  const start = run.times.running;
  if (start === undefined) return { ...run.meta };
  const end = FINISHED_TIMES.map((s) => run.times[s]).find((t) => t !== undefined) ?? now;
  return end === undefined ? { ...run.meta } : { ...run.meta, elapsed: (end - start) / 1000 };
}

/** `{"when": T, "runs": {id: run}}`, the shape of every run query answer. */
export function runsResponse(
  now: Time,
  runs: Iterable<RunRecord>,
  summary = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const run of runs) out[run.runId] = summary ? runSummaryJso(run) : runJso(run);
  return { when: formatTimeJso(now), runs: out };
}

export function logEntryJso(
  runId: string | undefined,
  entry: RunLogEntry,
): Record<string, unknown> {
  const jso: Record<string, unknown> = {};
  if (runId !== undefined) jso.run_id = runId;
  jso.timestamp = formatTimeJso(entry.timestamp);
  jso.message = entry.message;
  return jso;
}
