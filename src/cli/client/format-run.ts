import {
  daytimeParts,
  formatDate,
  parseTime,
  toLocal,
  type Time,
  type TimeZone,
} from '../../time/index.js';
import type { Described, Run, RunLogEntry, State } from './schemas.js';
import { renderTable, type Paint } from './style.js';

/** What human output needs besides the data: styling, the display zone, the current time. */
export interface Display {
  paint: Paint;
  zone: TimeZone;
  now: Time;
}

const STATE_SYMBOL: Record<State, string> = {
  new: '.',
  scheduled: 'O',
  starting: '›',
  waiting: '|',
  running: '»',
  stopping: '≯',
  success: '+',
  failure: 'X',
  error: '!',
  skipped: '-',
};

/** `[+]`, the symbol coloured by state. */
export function stateSymbol(state: State, paint: Paint): string {
  return `[${paint(`state.${state}`, STATE_SYMBOL[state])}]`;
}

/** Whole seconds as `M:SS`, `H:MM:SS` or `D:HH:MM:SS` (Apsis's `format_duration`). */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600) % 24;
  const d = Math.floor(total / 86_400);
  const two = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}:${two(h)}:${two(m)}:${two(s)}`;
  if (h > 0) return `${h}:${two(m)}:${two(s)}`;
  return `${m}:${two(s)}`;
}

/** `2024-10-22 14:00:01` in the display zone (Apsis's `%D %C@display`). */
export function formatDisplayTime(time: Time | string, zone: TimeZone): string {
  const t = typeof time === 'string' ? parseTime(time) : time;
  const { date, daytime } = toLocal(t, zone);
  const { hour, minute, second } = daytimeParts(daytime);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${formatDate(date)} ${two(hour)}:${two(minute)}:${two(second)}`;
}

function timeOf(run: Run, name: string): Time | undefined {
  const text = run.times[name];
  return text === undefined ? undefined : parseTime(text);
}

/** When a run started running, else when it is scheduled for: the runs table's `start`. */
export function runStart(run: Run): Time | undefined {
  return timeOf(run, 'running') ?? timeOf(run, 'schedule');
}

/** Seconds since running, up to now (running) or the current state's time; undefined if it never ran. */
export function runElapsed(run: Run, now: Time): number | undefined {
  const running = timeOf(run, 'running');
  if (running === undefined) return undefined;
  const end = run.state === 'running' ? now : (timeOf(run, run.state) ?? now);
  return (end - running) / 1000;
}

export function formatArgValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `job_id(a=1, b=2)`, styled. */
export function formatInstance(run: Pick<Run, 'job_id' | 'args'>, paint: Paint): string {
  const args = Object.entries(run.args)
    .map(([k, v]) => `${k}=${paint('arg', formatArgValue(v))}`)
    .join(', ');
  return `${paint('job', run.job_id)}(${args})`;
}

/** An object's fields one per line, `type` first, `str` left out (Apsis's `format_jso`). */
export function formatFields(object: Described, paint: Paint, indent = 0): string[] {
  const width = Math.max(0, 12 - indent);
  const keys = Object.keys(object).filter((k) => k !== 'str');
  keys.sort((a, b) => (a === 'type' ? -1 : b === 'type' ? 1 : 0));
  return keys.map((k) => {
    const value = object[k];
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `${' '.repeat(indent)}${paint('key', k.padEnd(width))}: ${text}`;
  });
}

function header(title: string, paint: Paint): string {
  return `\n${paint('underline', title)}\n`;
}

/** The state line: `[+] at 2024-10-22 14:00:01 elapsed 0:05`. */
function stateLine(run: Run, display: Display): string {
  const { paint, zone } = display;
  const at = (name: string) => {
    const time = run.times[name];
    return time === undefined ? '' : paint('time', formatDisplayTime(time, zone));
  };
  let when: string;
  if (run.state === 'scheduled') when = `for ${at('schedule')}`;
  else if (run.state === 'running') when = `since ${at('running')}`;
  else when = `at ${at(run.state)}`;
  const elapsed = runElapsed(run, display.now);
  if (elapsed !== undefined) when += ` elapsed ${formatDuration(elapsed)}`;
  return `${stateSymbol(run.state, paint)} ${when.trimEnd()}`;
}

export interface RunDetails {
  /** 0: Apsis's short form; 1 or more: fields, log and history sections. */
  verbosity?: number;
  runLog?: RunLogEntry[];
  similarRuns?: Record<string, Run>;
}

/**
 * A run as Apsis's `print_run` shows it: the instance, the program, the
 * conditions, the state line, then a blank line. Verbose adds the run log
 * and other runs of the same instance.
 */
export function formatRun(run: Run, display: Display, details: RunDetails = {}): string {
  const { paint } = display;
  const verbose = (details.verbosity ?? 0) > 0;
  let out = `${paint('bold', `run ${paint('run', run.run_id)}`)} ${formatInstance(run, paint)}\n`;
  const program = run.program;
  if (program) {
    if (verbose) out += header('Program', paint) + formatFields(program, paint).join('\n') + '\n';
    else out += `${program.type ?? 'program'}: ${paint('bold', program.str ?? '')}\n`;
  }
  if (verbose) out += header('Conditions', paint);
  const conds = run.conds ?? [];
  if (conds.length === 0) out += 'none\n';
  for (const cond of conds) {
    out += verbose
      ? `•${formatFields(cond, paint, 2).join('\n').slice(1)}\n`
      : `- ${cond.str ?? JSON.stringify(cond)}\n`;
  }
  if (verbose) out += header('State', paint);
  out += `${stateLine(run, display)}\n`;
  if (details.runLog !== undefined) {
    out += header('Log', paint) + formatRunLog(details.runLog, display);
  }
  if (verbose && details.similarRuns && Object.keys(details.similarRuns).length > 0) {
    out += header('Run History', paint) + formatRunsTable(details.similarRuns, display, false);
  }
  return `${out}\n`;
}

/** A run log: time and message per line. */
export function formatRunLog(entries: readonly RunLogEntry[], display: Display): string {
  const rows = entries.map((e) => [
    display.paint('time', formatDisplayTime(e.timestamp, display.zone)),
    e.message,
  ]);
  return renderTable([{ header: 'time' }, { header: 'message' }], rows, { header: false });
}

/**
 * Apsis's runs table: `run_id ste start elapsed job_id`, then the args as
 * `k=v` in an unheaded column; sorted by start; `No runs.` when empty.
 */
export function formatRunsTable(
  runs: Record<string, Run>,
  display: Display,
  withArgs = true,
): string {
  const { paint, zone, now } = display;
  const list = Object.values(runs);
  if (list.length === 0) return `${paint('error', 'No runs.')}\n`;
  const keyed = list.map((run) => ({ run, start: runStart(run) }));
  keyed.sort(
    (a, b) =>
      (a.start ?? -Infinity) - (b.start ?? -Infinity) || runNumber(a.run) - runNumber(b.run),
  );
  const rows = keyed.map(({ run, start }) => {
    const elapsed = runElapsed(run, now);
    const row = [
      paint('run', run.run_id),
      stateSymbol(run.state, paint),
      start === undefined ? '' : paint('time', formatDisplayTime(start, zone)),
      elapsed === undefined ? '' : formatDuration(elapsed),
      paint('job', run.job_id),
    ];
    if (withArgs) {
      row.push(
        Object.entries(run.args)
          .map(([k, v]) => `${k}=${formatArgValue(v)}`)
          .join(' '),
      );
    }
    return row;
  });
  return renderTable(
    [
      { header: 'run_id' },
      { header: 'ste' },
      { header: 'start' },
      { header: 'elapsed', align: 'right' },
      { header: 'job_id' },
    ],
    rows,
    { paint },
  );
}

function runNumber(run: Run): number {
  const n = Number(run.run_id.replace(/^r/, ''));
  return Number.isFinite(n) ? n : 0;
}
