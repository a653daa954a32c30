import { InvalidValueError } from '../errors.js';
import type { Statements } from './statements.js';

/** Apsis reserves run ids 64 at a time (apsis-model.md §7.7). */
export const RUN_NUMBER_BLOCK = 64;

/**
 * Hands out run numbers that are never reused, even across a kill -9.
 *
 * The persisted `next_run_number` is kept ahead of every number handed out:
 * when a reservation passes it, a bump is queued in the current batch. Any
 * write that uses a number is queued after its reservation, so it commits in
 * the same transaction as the bump or a later one. A crash that loses the bump
 * therefore also lost every stored use of the numbers; and since nothing is
 * published before it commits (write-ahead), nothing outside saw them either.
 */
export class RunNumberAllocator {
  private next: number;
  private persisted: number;

  constructor(
    start: { next: number; persisted: number },
    private readonly persist: (next: number) => void,
  ) {
    this.next = start.next;
    this.persisted = start.persisted;
  }

  /** The first of `count` consecutive fresh numbers. */
  reserve(count: number): number {
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidValueError(
        `can't reserve ${String(count)} run numbers: need a positive integer`,
      );
    const first = this.next;
    this.next += count;
    if (this.next > this.persisted) {
      // Blocks keep the bump to one write per 64 runs; restarts skip the rest.
      this.persisted = first + Math.max(RUN_NUMBER_BLOCK, count);
      this.persist(this.persisted);
    }
    return first;
  }
}

/**
 * Where numbering resumes: the persisted next number, but never at or below
 * a stored run. The runs table is checked always (its max rowid is one index
 * probe); the run log and outputs only when the row is missing, as Apsis does,
 * since that needs full scans.
 */
export function loadRunNumbers(stmts: Statements): { next: number; persisted: number } {
  const stored = stmts.nextRunNumber.get();
  let floor = (stmts.maxRunRowid.get() ?? 0) + 1;
  if (stored === undefined)
    floor = Math.max(
      floor,
      (stmts.maxLoggedNumber.get() ?? 0) + 1,
      (stmts.maxOutputNumber.get() ?? 0) + 1,
    );
  const next = Math.max(stored ?? 1, floor);
  // `persisted` below `next` when the row lags: the first reservation bumps it.
  return { next, persisted: stored ?? 0 };
}
