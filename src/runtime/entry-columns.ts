/**
 * Expected-run entries stored as parallel typed arrays (structure of arrays): 25 bytes an
 * entry and no object per entry, which is what lets ExpectedRuns hold 14.4 M of them
 * (design.md "Scale rule"). Positions are sorted by (time, jobIndex, scheduleIndex, ordinal,
 * runNumber); the searches here rely on it.
 */
import { compareSlotKeys, type ExpectedSlot } from './slot-order.js';

export interface ExpectedEntry extends ExpectedSlot {
  /** The run id is `r${runNumber}`; a safe integer. */
  runNumber: number;
}

export interface EntryColumns {
  time: Float64Array;
  job: Uint32Array;
  schedule: Uint16Array;
  ordinal: Uint16Array;
  run: Float64Array;
  /** 1 for a tombstone: an entry removed but not yet compacted away. */
  dead: Uint8Array;
}

export const BYTES_PER_ENTRY = 8 + 4 + 2 + 2 + 8 + 1;

export function allocateEntryColumns(capacity: number): EntryColumns {
  return {
    time: new Float64Array(capacity),
    job: new Uint32Array(capacity),
    schedule: new Uint16Array(capacity),
    ordinal: new Uint16Array(capacity),
    run: new Float64Array(capacity),
    dead: new Uint8Array(capacity),
  };
}

/** Copies positions [start, end) to target; within one set of columns, overlap is fine. */
export function moveEntries(
  from: EntryColumns,
  to: EntryColumns,
  start: number,
  end: number,
  target: number,
): void {
  if (from === to) {
    if (start === target || start === end) return;
    from.time.copyWithin(target, start, end);
    from.job.copyWithin(target, start, end);
    from.schedule.copyWithin(target, start, end);
    from.ordinal.copyWithin(target, start, end);
    from.run.copyWithin(target, start, end);
    from.dead.copyWithin(target, start, end);
  } else {
    to.time.set(from.time.subarray(start, end), target);
    to.job.set(from.job.subarray(start, end), target);
    to.schedule.set(from.schedule.subarray(start, end), target);
    to.ordinal.set(from.ordinal.subarray(start, end), target);
    to.run.set(from.run.subarray(start, end), target);
    to.dead.set(from.dead.subarray(start, end), target);
  }
}

export function readEntry(c: EntryColumns, i: number): ExpectedEntry {
  return {
    time: c.time[i]!,
    jobIndex: c.job[i]!,
    scheduleIndex: c.schedule[i]!,
    ordinal: c.ordinal[i]!,
    runNumber: c.run[i]!,
  };
}

/** Writes a live entry at position i. */
export function writeEntry(c: EntryColumns, i: number, e: ExpectedEntry): void {
  c.time[i] = e.time;
  c.job[i] = e.jobIndex;
  c.schedule[i] = e.scheduleIndex;
  c.ordinal[i] = e.ordinal;
  c.run[i] = e.runNumber;
  c.dead[i] = 0;
}

/** The first position in [lo, hi) ordered after e. */
export function firstAfter(c: EntryColumns, lo: number, hi: number, e: ExpectedEntry): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp =
      compareSlotKeys(
        c.time[mid]!,
        c.job[mid]!,
        c.schedule[mid]!,
        c.ordinal[mid]!,
        e.time,
        e.jobIndex,
        e.scheduleIndex,
        e.ordinal,
      ) || c.run[mid]! - e.runNumber;
    if (cmp <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position in [lo, hi) with time >= t. */
export function firstAtOrAfterTime(c: EntryColumns, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
