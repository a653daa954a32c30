import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArgumentError } from '../errors.js';
import {
  importApsis,
  type ApsisImportSummary,
  type ImportProgress,
} from '../store/apsis-import.js';
import { createDatabase, openDatabase } from '../store/index.js';
import { formatTime } from '../time/index.js';
import { commandConfig, EXIT, processIo, type Io } from './context.js';

export interface ImportApsisOptions {
  /** Our database; default the config's `database.path`. */
  db?: string;
  config?: string;
  override?: string[];
  /** False with `--no-progress`. */
  progress?: boolean;
}

export interface ImportApsisDeps {
  io: Io;
  /** Whether stderr is a terminal: a bar redrawn in place, else a line every 10%. */
  isTTY: boolean;
  /** Terminal width, for the bar. */
  columns: number | undefined;
  /** Milliseconds; progress rates and the elapsed time. */
  now: () => number;
}

export function processImportDeps(): ImportApsisDeps {
  return {
    io: processIo,
    isTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
    now: () => Date.now(),
  };
}

const number = (n: number) => n.toLocaleString('en-US');

/** `1:02:03`, `2:03`: a duration in seconds as a clock shows it. */
export function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (v: number) => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/** One line: phase, bar, percent, done/total, rate, ETA; at most `width` characters. */
export function progressLine(p: ImportProgress, elapsedMs: number, width: number): string {
  const fraction = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
  const rate = elapsedMs > 0 ? (p.done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? formatClock((p.total - p.done) / rate) : '?';
  // Fixed-width fields, so the bar keeps its length while the numbers grow.
  const total = number(p.total);
  const tail =
    ` ${String(Math.floor(fraction * 100)).padStart(3)}%` +
    `  ${number(p.done).padStart(total.length)}/${total}` +
    `  ${number(Math.round(rate)).padStart(9)}/s  ETA ${eta.padEnd(7)}`;
  const head = p.phase.padEnd(8);
  const barWidth = Math.max(0, Math.min(30, width - head.length - tail.length - 3));
  const filled = Math.round(fraction * barWidth);
  const bar = barWidth > 0 ? ` [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]` : '';
  return `${head}${bar}${tail}`.slice(0, Math.max(0, width)).trimEnd();
}

/**
 * Progress on stderr. On a terminal, one line redrawn in place (problem lines
 * are printed above it); elsewhere (a log file, CI), a line each time a phase
 * passes another tenth, so a long import shows it is alive without flooding.
 */
export function createProgressReporter(deps: ImportApsisDeps, enabled: boolean) {
  const { io } = deps;
  let shown = false;
  let phase: string | undefined;
  let phaseStart = 0;
  let tenth = 0;
  // A terminal that reports no size (0) gets the usual 80 columns.
  const width = deps.columns !== undefined && deps.columns > 0 ? deps.columns : 80;
  const clear = () => {
    if (shown) io.err('\r\x1b[2K');
    shown = false;
  };
  return {
    progress(p: ImportProgress): void {
      if (!enabled) return;
      if (p.phase !== phase) [phase, phaseStart, tenth] = [p.phase, deps.now(), 0];
      if (deps.isTTY) {
        io.err(`\r\x1b[2K${progressLine(p, deps.now() - phaseStart, width - 1)}`);
        shown = true;
        return;
      }
      const reached = p.total === 0 ? 10 : Math.floor((p.done * 10) / p.total);
      if (reached > tenth && p.total > 0) {
        tenth = reached;
        io.err(
          `import-apsis: ${p.phase} ${reached * 10}% (${number(p.done)}/${number(p.total)})\n`,
        );
      }
    },
    problem(line: string): void {
      clear();
      io.err(`${line}\n`);
    },
    done: clear,
  };
}

export function formatSummary(s: ApsisImportSummary, from: string, into: string): string {
  const count = (c: { imported: number; skipped: number }, unit = '') =>
    `${number(c.imported).padStart(12)}${unit}${c.skipped > 0 ? ` (${number(c.skipped)} skipped)` : ''}`;
  const lines = [
    `imported ${from} into ${into} in ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `  runs        ${count(s.runs)}`,
    `  run log     ${count(s.logLines, ' lines')}`,
    `  outputs     ${count(s.outputs)}`,
    `  ad hoc jobs ${count(s.jobs)}`,
    `  clock       ${s.clock === null ? 'not in the Apsis database; unchanged' : formatTime(s.clock)}`,
    `  next run    r${s.nextRunNumber}`,
  ];
  if (s.problems > 0)
    lines.push(`${number(s.problems)} problems, each reported above with its run or job id`);
  return `${lines.join('\n')}\n`;
}

/**
 * `apsisctl import-apsis OLD.db`: copies an Apsis 2.4 database into ours
 * (docs/migrating.md). A target that does not exist is built beside it as
 * `PATH.importing` and renamed into place once complete, so an interrupted
 * import never leaves a half-filled database where the daemon looks. Exits 0
 * when every row came across, 1 when some were skipped (each reported), 2
 * when nothing could be imported.
 */
export async function importApsisCommand(
  apsisPath: string,
  options: ImportApsisOptions,
  deps: ImportApsisDeps,
): Promise<number> {
  const { config, calendars } = commandConfig(deps.io, options);
  const target = options.db ?? config.database.path;
  if (resolve(target) === resolve(apsisPath))
    throw new ArgumentError(
      `${apsisPath} is both the Apsis database and ours; give --db a new path`,
    );
  const fresh = !existsSync(target);
  const work = fresh ? `${target}.importing` : target;
  const removeWork = () => {
    for (const p of [work, `${work}-wal`, `${work}-shm`]) rmSync(p, { force: true });
  };
  // A leftover of an interrupted import: ours to replace.
  if (fresh) removeWork();
  if (fresh) createDatabase(work, deps.now());
  const reporter = createProgressReporter(deps, options.progress !== false);
  const db = openDatabase(work, { busyTimeoutMs: config.database.timeoutMs ?? undefined });
  // Written front to back once: mapping it only adds the whole file to our resident memory.
  db.pragma('mmap_size = 0');
  let summary: ApsisImportSummary;
  try {
    summary = importApsis(apsisPath, db, {
      calendars,
      now: deps.now,
      targetName: target,
      onProblem: (line) => reporter.problem(line),
      onProgress: (p) => reporter.progress(p),
    });
    // Everything into the main file, so the rename moves the whole database.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  } catch (err) {
    reporter.done();
    if (db.open) db.close();
    if (fresh) removeWork();
    throw err;
  }
  reporter.done();
  if (fresh) renameSync(work, target);
  deps.io.out(formatSummary(summary, apsisPath, target));
  const skipped =
    summary.runs.skipped +
    summary.logLines.skipped +
    summary.outputs.skipped +
    summary.jobs.skipped;
  return skipped > 0 ? EXIT.problems : EXIT.ok;
}
