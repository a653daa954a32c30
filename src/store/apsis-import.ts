import { ArgumentError, errorMessage } from '../errors.js';
import { formatRunId, runNumber } from '../runs/index.js';
import type { CalendarResolver, Time } from '../time/index.js';
import { ApsisDatabase } from './apsis-import/apsis-db.js';
import { BatchWriter } from './apsis-import/batch-writer.js';
import { jobFromApsis } from './apsis-import/job-row.js';
import { outputFromApsis } from './apsis-import/output-row.js';
import { runFromApsis, secondsToMs } from './apsis-import/run-row.js';
import { runToRow } from './codec.js';
import type { Database } from './database.js';
import { prepareStatements } from './statements.js';

export type ImportPhase = 'runs' | 'run log' | 'outputs' | 'jobs';

export interface ImportProgress {
  readonly phase: ImportPhase;
  /** Rows of the phase's Apsis table read so far. */
  readonly done: number;
  readonly total: number;
}

export interface ImportCount {
  imported: number;
  skipped: number;
}

export interface ApsisImportSummary {
  readonly runs: ImportCount;
  readonly logLines: ImportCount;
  readonly outputs: ImportCount;
  readonly jobs: ImportCount;
  /** Problem lines reported, skipped rows and fixed-up ones alike. */
  readonly problems: number;
  /** Apsis's clock, now ours; null when Apsis had none (ours is left as it was). */
  readonly clock: Time | null;
  /** The first run number the daemon will hand out. */
  readonly nextRunNumber: number;
  readonly elapsedMs: number;
}

export interface ApsisImportOptions {
  /** Resolves the calendars of ad hoc jobs' schedules. */
  readonly calendars: CalendarResolver;
  /** Milliseconds, for progress and the elapsed time. */
  readonly now: () => number;
  /** One line per row that is skipped or fixed up: `r12: times.running: bad time "x"`. */
  readonly onProblem?: (line: string) => void;
  /** Called at the start and end of each phase, and at most every `progressMs` between. */
  readonly onProgress?: (progress: ImportProgress) => void;
  readonly progressMs?: number;
  /** Rows per transaction (default 5000). */
  readonly batchRows?: number;
  /** Output bytes per transaction (default 64 MiB): big outputs commit sooner. */
  readonly batchBytes?: number;
  /** How messages name the target database. */
  readonly targetName?: string;
}

/** What happened to the rows of one run number outside the runs table. */
interface Dangling {
  logLines: number;
  outputs: number;
}

/**
 * Copies an Apsis 2.4 database (apsis-model.md §8.2) into ours: runs with
 * their numbers, run logs, outputs, ad hoc jobs, the clock and the next run
 * number. `run_summary` is derived from `runs` and is not read. Apsis is read
 * a row at a time and ours written in transactions of `batchRows`, so memory
 * stays bounded whatever the size. A row that cannot be read is reported
 * through `onProblem` with its run id and skipped; a run skipped takes its log
 * lines and outputs with it. Refuses a target that already has runs: Apsis's
 * run numbers must be kept, and would collide with ours.
 */
export function importApsis(
  apsisPath: string,
  target: Database,
  options: ApsisImportOptions,
): ApsisImportSummary {
  const started = options.now();
  const stmts = prepareStatements(target);
  const existing = stmts.countRuns.get() ?? 0;
  if (existing > 0)
    throw new ArgumentError(
      `${options.targetName ?? 'the target database'} already has ${existing} runs;` +
        ' import-apsis fills an empty database only (give a new path: it is created)',
    );
  const apsis = ApsisDatabase.open(apsisPath);
  const writer = new BatchWriter(target, options.batchRows ?? 5000, options.batchBytes ?? 64 << 20);
  let problems = 0;
  const problem = (line: string) => {
    problems++;
    options.onProblem?.(line);
  };
  let lastProgress = -Infinity;
  let lastPhase: ImportPhase | undefined;
  const progress = (phase: ImportPhase, done: number, total: number, force = false) => {
    if (!options.onProgress) return;
    const now = options.now();
    if (!force && phase === lastPhase && now - lastProgress < (options.progressMs ?? 200)) return;
    lastProgress = now;
    lastPhase = phase;
    options.onProgress({ phase, done, total });
  };
  const count = (): ImportCount => ({ imported: 0, skipped: 0 });
  const runs = count();
  const logLines = count();
  const outputs = count();
  const jobs = count();
  // Numbers of runs skipped as malformed: their log and outputs go with them.
  const skippedRuns = new Set<number>();
  const dangling = new Map<number, Dangling>();
  let maxNumber = 0;

  const isStored = (() => {
    const probe = target.prepare<[number], number>('SELECT 1 FROM runs WHERE rowid = ?').pluck();
    // Log lines and outputs of one run are mostly adjacent: one probe serves them.
    let last = 0;
    let lastStored = false;
    return (n: number) => {
      if (n !== last) [last, lastStored] = [n, probe.get(n) !== undefined];
      return lastStored;
    };
  })();

  /** The run a log or output row belongs to, or undefined (counted and reported) when it is not imported. */
  const owner = (rawRunId: unknown, what: string, kind: keyof Dangling): number | undefined => {
    const n = typeof rawRunId === 'string' ? runNumber(rawRunId) : undefined;
    if (n === undefined) {
      problem(`${what} of run id ${JSON.stringify(rawRunId)}: not a run id; skipped`);
      return undefined;
    }
    maxNumber = Math.max(maxNumber, n);
    if (isStored(n)) return n;
    if (!skippedRuns.has(n)) {
      const d = dangling.get(n) ?? { logLines: 0, outputs: 0 };
      d[kind]++;
      dangling.set(n, d);
    }
    return undefined;
  };

  try {
    const runTotal = apsis.count('runs');
    let done = 0;
    for (const row of apsis.runs()) {
      progress('runs', done++, runTotal);
      maxNumber = Math.max(maxNumber, row.rowid);
      const result = runFromApsis(row);
      if (!result.ok) {
        skippedRuns.add(row.rowid);
        runs.skipped++;
        problem(`${formatRunId(row.rowid)}: ${result.problem}; skipped`);
        continue;
      }
      writer.write(() => stmts.insertRun.run(runToRow(result.run)));
      runs.imported++;
    }
    progress('runs', done, runTotal, true);

    const logTotal = apsis.count('run_history');
    done = 0;
    for (const row of apsis.logLines()) {
      progress('run log', done++, logTotal);
      const n = owner(row.run_id, 'run log line', 'logLines');
      if (n === undefined) {
        logLines.skipped++;
        continue;
      }
      if (typeof row.message !== 'string') {
        logLines.skipped++;
        problem(`${formatRunId(n)}: run log: message is not text; line skipped`);
        continue;
      }
      let timestamp: Time;
      try {
        timestamp = secondsToMs('timestamp', row.timestamp);
      } catch (err) {
        logLines.skipped++;
        problem(`${formatRunId(n)}: run log: ${errorMessage(err)}; line skipped`);
        continue;
      }
      writer.write(() => stmts.appendLog.run(formatRunId(n), timestamp, row.message as string));
      logLines.imported++;
    }
    progress('run log', done, logTotal, true);

    const outputTotal = apsis.count('output');
    done = 0;
    for (const row of apsis.outputs()) {
      progress('outputs', done++, outputTotal);
      const n = owner(row.run_id, 'output', 'outputs');
      if (n === undefined) {
        outputs.skipped++;
        continue;
      }
      const runId = formatRunId(n);
      const result = outputFromApsis(row);
      if (!result.ok) {
        outputs.skipped++;
        problem(`${runId}: ${result.problem}; skipped`);
        continue;
      }
      const { output, compression, data, warning } = result;
      if (warning !== undefined) problem(`${runId}: ${warning}`);
      writer.write(
        () =>
          stmts.putOutput.run(
            runId,
            output.outputId,
            output.name,
            output.contentType,
            output.length,
            compression,
            data,
          ),
        data.byteLength,
      );
      outputs.imported++;
    }
    progress('outputs', done, outputTotal, true);

    for (const [n, d] of [...dangling].sort(([a], [b]) => a - b)) {
      const parts = [
        d.logLines > 0 ? `${d.logLines} run log lines` : '',
        d.outputs > 0 ? `${d.outputs} outputs` : '',
      ].filter(Boolean);
      problem(`${formatRunId(n)}: not in the runs table; skipped its ${parts.join(' and ')}`);
    }

    const jobTotal = apsis.count('jobs');
    done = 0;
    for (const row of apsis.jobs()) {
      progress('jobs', done++, jobTotal);
      const result = jobFromApsis(row, options.calendars);
      if (!result.ok) {
        jobs.skipped++;
        problem(`${result.problem}; skipped`);
        continue;
      }
      writer.write(() => stmts.putJob.run(result.jobId, result.json));
      jobs.imported++;
    }
    progress('jobs', done, jobTotal, true);

    let clock: Time | null = null;
    const apsisClock = apsis.clock();
    if (apsisClock === undefined) problem('clock: Apsis has none; ours is left as it was');
    else
      try {
        clock = secondsToMs('clock', apsisClock);
        const time = clock;
        writer.write(() => stmts.setClock.run(time));
      } catch (err) {
        problem(`${errorMessage(err)}; ours is left as it was`);
      }

    // Never at or below a number Apsis used anywhere, even in a skipped row.
    const apsisNext = apsis.nextRunId();
    const next = Math.max(
      typeof apsisNext === 'number' && Number.isSafeInteger(apsisNext) ? apsisNext : 1,
      maxNumber + 1,
      stmts.nextRunNumber.get() ?? 1,
    );
    writer.write(() => stmts.setNextRunNumber.run(next));
    writer.commit();

    return {
      runs,
      logLines,
      outputs,
      jobs,
      problems,
      clock,
      nextRunNumber: next,
      elapsedMs: options.now() - started,
    };
  } finally {
    writer.rollback();
    apsis.close();
  }
}
