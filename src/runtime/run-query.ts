import { formatRunId, runNumber, type State } from '../runs/index.js';
import type { RunQuery, RunRecord, RunStore } from '../store/index.js';
import type { Time } from '../time/index.js';
import type { JobTable } from './job-table.js';
import type { RunRegistry } from './run-registry.js';
import type { Scheduler } from './scheduler.js';

/** Which runs a query wants; every given filter must hold. */
export interface RunFilter {
  readonly runIds?: readonly string[];
  readonly jobId?: string;
  readonly states?: readonly State[];
  /** Runs that have each of these args (and perhaps others). */
  readonly args?: Readonly<Record<string, string>>;
  /** Runs whose job had all of these labels. */
  readonly labels?: readonly string[];
  /** Last transition at or after this time. */
  readonly since?: Time;
  /** Last transition before this time. */
  readonly until?: Time;
}

export interface RunPageRequest {
  /** Run number of the last run of the previous page: the page starts after it. */
  readonly after?: number;
  readonly descending?: boolean;
  /** At most this many runs; all when absent. */
  readonly limit?: number;
}

export interface RunQueryDeps {
  readonly store: RunStore;
  readonly registry: RunRegistry;
  readonly scheduler: Scheduler;
  readonly jobs: JobTable;
}

/** How many rows a database read takes at a time when a query streams. */
const DB_PAGE = 1000;

/**
 * Run queries across the three places runs live (design.md "Scale rule"):
 * runs in memory (live, scheduled for later, recently finished), expected
 * runs held as compact records, and the database. Results come in run-number
 * order, so a page ends at a run number and the next page starts after it:
 * a keyset cursor that stays stable while runs are created and change state,
 * because numbers are never reused.
 *
 * Memory wins over the database for a run in both: its record may be ahead
 * of its committed row.
 */
export class RunQueries {
  constructor(private readonly deps: RunQueryDeps) {}

  /**
   * The runs matching `filter`, in order, a page of `limit` at a time as the
   * caller pulls them. The database is read `DB_PAGE` rows at a time, so
   * streaming a million runs never holds them all, and the caller can yield
   * to the event loop between pulls.
   */
  *runs(filter: RunFilter, page: RunPageRequest = {}): Generator<RunRecord> {
    const descending = page.descending ?? false;
    const limit = page.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    let memory = this.memoryNumbers(filter, page.after, descending, limit);
    let m = 0;
    let cursor = page.after;
    let rows: RunRecord[] = [];
    let r = 0;
    let dbDone = false;
    let emitted = 0;
    const before = (a: number, b: number) => (descending ? a > b : a < b);
    while (emitted < limit) {
      if (r >= rows.length && !dbDone) {
        rows = this.dbPage(filter, cursor, descending, Math.min(DB_PAGE, limit - emitted + 64));
        r = 0;
        if (rows.length === 0) dbDone = true;
        else cursor = runNumber(rows[rows.length - 1]!.runId);
        continue;
      }
      if (m >= memory.items.length && memory.truncated) {
        // Candidates ran out before the page filled (some did not match): take the next ones.
        memory = this.memoryNumbers(filter, memory.items[m - 1], descending, limit);
        m = 0;
      }
      const row = r < rows.length ? rows[r] : undefined;
      const rowNumber = row ? (runNumber(row.runId) as number) : undefined;
      const memNumber = m < memory.items.length ? memory.items[m] : undefined;
      if (memNumber === undefined && rowNumber === undefined) return;
      if (
        memNumber !== undefined &&
        (rowNumber === undefined || before(memNumber, rowNumber) || memNumber === rowNumber)
      ) {
        m++;
        if (memNumber === rowNumber) r++;
        const run = this.memoryRun(memNumber);
        if (run && this.matches(run, filter)) {
          emitted++;
          yield run;
        }
        continue;
      }
      r++;
      // The registry's record of this run, if any, is newer than the row: memory decided.
      if (row && !this.deps.registry.has(row.runId)) {
        emitted++;
        yield row;
      }
    }
  }

  private dbPage(
    filter: RunFilter,
    cursor: number | undefined,
    descending: boolean,
    limit: number,
  ): RunRecord[] {
    const numbers = filter.runIds?.map(runNumber).filter((n): n is number => n !== undefined);
    if (numbers !== undefined && numbers.length === 0) return [];
    const query: RunQuery = {
      jobId: filter.jobId,
      states: filter.states,
      argsInclude: filter.args,
      labels: filter.labels,
      minTimestamp: filter.since,
      maxTimestamp: filter.until,
      runNumbers: numbers,
      descending,
      limit,
      ...(cursor === undefined
        ? {}
        : descending
          ? { beforeNumber: cursor }
          : { afterNumber: cursor }),
    };
    return this.deps.store.queryRuns(query);
  }

  /**
   * Numbers of the in-memory and expected runs that may match, sorted,
   * beyond `after`. Expected runs are checked by job and state here and by
   * args and times once materialized; with a limit only the first `limit`
   * candidates are kept, which bounds the memory a page costs.
   */
  private memoryNumbers(
    filter: RunFilter,
    after: number | undefined,
    descending: boolean,
    limit: number,
  ): { items: number[]; truncated: boolean } {
    const beyond = (n: number) => after === undefined || (descending ? n < after : n > after);
    const keep = new NumberSelection(descending, limit);
    const wanted = filter.runIds
      ? new Set(filter.runIds.map(runNumber).filter((n): n is number => n !== undefined))
      : undefined;
    for (const run of this.deps.registry.all()) {
      const n = runNumber(run.runId);
      if (n === undefined || !beyond(n) || (wanted && !wanted.has(n))) continue;
      if (this.matches(run, filter)) keep.offer(n);
    }
    if (filter.states === undefined || filter.states.includes('scheduled')) {
      const jobIndex =
        filter.jobId === undefined ? undefined : this.deps.jobs.indexOf(filter.jobId);
      if (filter.jobId === undefined || jobIndex !== undefined) {
        if (wanted) {
          for (const n of wanted)
            if (beyond(n) && this.deps.scheduler.expected.get(n)) keep.offer(n);
        } else {
          const entries = this.deps.scheduler.expected.entries(
            jobIndex === undefined ? {} : { jobIndex },
          );
          for (const entry of entries) if (beyond(entry.runNumber)) keep.offer(entry.runNumber);
        }
      }
    }
    return { items: keep.sorted(), truncated: keep.truncated };
  }

  private memoryRun(n: number): RunRecord | undefined {
    const runId = formatRunId(n);
    return this.deps.registry.get(runId) ?? this.deps.scheduler.expectedRun(runId)?.run;
  }

  private matches(run: RunRecord, f: RunFilter): boolean {
    if (f.jobId !== undefined && run.jobId !== f.jobId) return false;
    if (f.states !== undefined && !f.states.includes(run.state)) return false;
    if (f.since !== undefined && run.timestamp < f.since) return false;
    if (f.until !== undefined && run.timestamp >= f.until) return false;
    if (f.args !== undefined)
      for (const [name, value] of Object.entries(f.args))
        if (run.args[name] !== value) return false;
    if (f.labels !== undefined) {
      const labels = runLabels(run);
      if (!f.labels.every((l) => labels.includes(l))) return false;
    }
    return true;
  }
}

/** A run's labels: its job's labels when it was created (apsis-model.md §7.9). */
export function runLabels(run: RunRecord): readonly string[] {
  const job = run.meta.job as { labels?: unknown } | undefined;
  return Array.isArray(job?.labels) ? (job.labels as string[]) : [];
}

/**
 * The first `limit` numbers offered, in ascending (or descending) order.
 * Numbers mostly arrive in order, so an insertion into a sorted array is
 * nearly always an append or an early rejection.
 */
class NumberSelection {
  private readonly items: number[] = [];
  /** Whether a number was dropped for the limit. */
  truncated = false;

  constructor(
    private readonly descending: boolean,
    private readonly limit: number,
  ) {}

  offer(n: number): void {
    const items = this.items;
    const before = (a: number, b: number) => (this.descending ? a > b : a < b);
    const last = items[items.length - 1];
    if (items.length >= this.limit && last !== undefined && !before(n, last)) {
      this.truncated = true;
      return;
    }
    if (last === undefined || before(last, n)) items.push(n);
    else {
      let lo = 0;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(items[mid]!, n)) lo = mid + 1;
        else hi = mid;
      }
      if (items[lo] === n) return;
      items.splice(lo, 0, n);
    }
    if (items.length > this.limit) {
      items.pop();
      this.truncated = true;
    }
  }

  sorted(): number[] {
    return this.items;
  }
}
