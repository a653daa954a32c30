import { stringify } from 'yaml';
import type { TimeZone } from '../../time/index.js';
import { formatDisplayTime } from './format-run.js';
import type { Actor, ActorDetail, Job, ReloadResult } from './schemas.js';
import { renderTable, type Paint } from './style.js';

/** Apsis's jobs table: `job_id`, `params` as `(a, b)`, `labels`; sorted by id. */
export function formatJobsTable(jobs: readonly Job[], paint: Paint): string {
  const rows = [...jobs]
    .sort((a, b) => (a.job_id < b.job_id ? -1 : a.job_id > b.job_id ? 1 : 0))
    .map((job) => [
      paint('job', job.job_id),
      `(${job.params.map((p) => paint('param', p)).join(', ')})`,
      (job.metadata.labels ?? []).join(' '),
    ]);
  if (rows.length === 0) return 'No jobs.\n';
  return renderTable([{ header: 'job_id' }, { header: 'params' }, { header: 'labels' }], rows, {
    paint,
  });
}

function section(title: string, lines: readonly string[], paint: Paint): string {
  if (lines.length === 0) return '';
  return `${paint('underline', title)}\n${lines.map((l) => `- ${l}\n`).join('')}\n`;
}

/**
 * A job for people: id and params, description, schedules, program,
 * conditions and actions by their display strings. (Apsis dumps the job as
 * YAML; `--format yaml` still does.)
 */
export function formatJob(job: Job, paint: Paint): string {
  const params = job.params.map((p) => paint('param', p)).join(', ');
  let out = `${paint('bold', `job ${paint('job', job.job_id)}`)}(${params})${job.ad_hoc ? ' (ad hoc)' : ''}\n`;
  const labels = job.metadata.labels ?? [];
  if (labels.length > 0) out += `${paint('key', 'labels')}: ${labels.join(' ')}\n`;
  const description = job.metadata.description;
  if (typeof description === 'string' && description.trim() !== '') {
    out += `\n${description.trim()}\n`;
  }
  out += '\n';
  const str = (o: { str?: string | undefined }) => o.str ?? JSON.stringify(o);
  out += section('Schedules', job.schedule.map(str), paint);
  if (job.program) out += section('Program', [str(job.program)], paint);
  out += section('Conditions', job.condition.map(str), paint);
  out += section('Actions', job.action.map(str), paint);
  return out;
}

/** Any value in one table cell: strings as they are, lists joined, the rest as JSON. */
export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(formatCell).join(' ');
  return JSON.stringify(value);
}

const ACTOR_FIELDS = ['id', 'machine', 'state', 'status', 'parent', 'children', 'started_at'];
const API_TIME_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$/;

/** A cell, with API times (`started_at`, an event's `time`) shown in the display zone. */
function actorCell(value: unknown, zone: TimeZone): string {
  return typeof value === 'string' && API_TIME_RE.test(value)
    ? formatDisplayTime(value, zone)
    : formatCell(value);
}

/** The actors list: one row per actor, a column per field; `children` as a count when a list. */
export function formatActorsTable(actors: readonly Actor[], paint: Paint, zone: TimeZone): string {
  if (actors.length === 0) return 'No actors.\n';
  const rows = actors.map((actor) =>
    ACTOR_FIELDS.map((field) => {
      const value = actor[field];
      return field === 'children' && Array.isArray(value)
        ? String(value.length)
        : actorCell(value, zone);
    }),
  );
  return renderTable(
    ACTOR_FIELDS.map((header) => ({ header })),
    rows,
    { paint },
  );
}

/** One actor: its fields, its snapshot as YAML, its recent events as a table. */
export function formatActor(actor: ActorDetail, paint: Paint, zone: TimeZone): string {
  let out = `${paint('bold', `actor ${actor.id}`)}\n`;
  for (const field of ACTOR_FIELDS.slice(1)) {
    out += `${paint('key', field.padEnd(12))}: ${actorCell(actor[field], zone)}\n`;
  }
  for (const [key, value] of Object.entries(actor)) {
    if (ACTOR_FIELDS.includes(key) || key === 'snapshot' || key === 'events') continue;
    out += `${paint('key', key.padEnd(12))}: ${formatCell(value)}\n`;
  }
  if (actor.snapshot !== undefined) {
    out += `\n${paint('underline', 'Snapshot')}\n${stringify(actor.snapshot).trimEnd()}\n`;
  }
  const events = actor.events ?? [];
  if (events.length > 0) {
    const columns = [...new Set(events.flatMap((e) => Object.keys(e)))];
    const rows = events.map((e) => columns.map((c) => actorCell(e[c], zone)));
    out += `\n${paint('underline', 'Events')}\n`;
    out += renderTable(
      columns.map((header) => ({ header })),
      rows,
      { paint },
    );
  }
  return out;
}

/** `apsisctl reload-jobs`: removed, added, changed sections, or `no changes`. */
export function formatReload(result: ReloadResult, paint: Paint): string {
  let out = '';
  for (const name of ['removed', 'added', 'changed'] as const) {
    out += section(
      `Jobs ${name}`,
      result[name].map((id) => paint('job', id)),
      paint,
    );
  }
  if (out === '') return 'no changes\n';
  if (result.dry_run) out += `${paint('warning', 'Dry run; no changes made.')}\n`;
  return out;
}
