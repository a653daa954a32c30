/**
 * The runs the scheduler expects to create from job schedules within the horizon and has not
 * released yet. design.md "Scale rule": 10,000 minutely jobs over a one-day horizon is 14.4 M
 * entries, so entries live in typed-array columns (25 bytes each), sorted by
 * (time, jobIndex, scheduleIndex, ordinal, runNumber); there is no object per entry. Args are
 * not kept: the runtime recomputes them from (job, schedule, time).
 *
 * Layout: entries [head, length) are held, in order. takeDue() releases a prefix by moving
 * head; remove() and removeJob() set a tombstone. Compaction copies live entries down to 0
 * when the dead (released or tombstoned) outnumber the live, or when an append needs room.
 */
import {
  allocateEntryColumns,
  BYTES_PER_ENTRY,
  firstAfter,
  firstAtOrAfterTime,
  moveEntries,
  readEntry,
  writeEntry,
  type EntryColumns,
  type ExpectedEntry,
} from './entry-columns.js';
import { RunNumberIndex } from './run-number-index.js';
import {
  compareSlotKeys,
  slotsToColumns,
  sortSlotOrder,
  type ExpectedSlot,
  type ExpectedSlotColumns,
} from './slot-order.js';

export type { ExpectedEntry } from './entry-columns.js';
export type { ExpectedSlot, ExpectedSlotColumns } from './slot-order.js';

export interface ExpectedRunsFilter {
  /** Inclusive lower bound on time, ms. */
  from?: number;
  /** Exclusive upper bound on time, ms. */
  to?: number;
  jobIndex?: number;
}

const DEFAULT_CAPACITY = 1024;
// Capacity after a reallocation, as a multiple of what is needed. Small, because at 14.4 M
// entries each extra 10% is 36 MB; an in-place compaction (a memmove) makes room instead.
const GROWTH = 1.25;
// An append compacts in place only if that leaves this much headroom; otherwise it grows.
const MIN_HEADROOM = 1.1;

export class ExpectedRuns {
  private readonly minCapacity: number;
  private capacity: number;
  private c: EntryColumns;
  private head = 0;
  private length = 0;
  private deadCount = 0;
  private readonly runIndex = new RunNumberIndex();
  // Bumped whenever entries change position, so entries() can find its place again.
  private epoch = 0;

  constructor(options: { initialCapacity?: number } = {}) {
    this.minCapacity = Math.max(1, Math.ceil(options.initialCapacity ?? DEFAULT_CAPACITY));
    this.capacity = this.minCapacity;
    this.c = allocateEntryColumns(this.capacity);
  }

  get size(): number {
    return this.length - this.head - this.deadCount;
  }

  get byteLength(): number {
    return this.capacity * BYTES_PER_ENTRY + this.runIndex.byteLength;
  }

  /**
   * Sorts the slots, numbers them in that order from allocate(slots.length) (called once; not
   * at all for an empty batch) and adds them. Appends when they all sort after the entries
   * held, else merges in O(n): so add a whole horizon as one batch, not job by job (that
   * would be O(n) a job). Throws a RangeError on a field out of range or a bad number.
   */
  add(
    slots: readonly ExpectedSlot[] | ExpectedSlotColumns,
    allocate: (count: number) => number,
  ): void {
    const batch = isColumns(slots) ? slots : slotsToColumns(slots);
    const order = sortSlotOrder(batch);
    const k = order.length;
    if (k === 0) return;
    const first = allocate(k);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(first + k - 1)) {
      throw new RangeError(`allocate(${k}) returned ${first}: not a safe integer range`);
    }
    if (this.size === 0) this.clear();
    const last = this.length - 1;
    const s = order[0]!;
    const c = this.c;
    if (
      this.length === 0 ||
      compareSlotKeys(
        c.time[last]!,
        c.job[last]!,
        c.schedule[last]!,
        c.ordinal[last]!,
        batch.time[s]!,
        batch.jobIndex[s]!,
        batch.scheduleIndex[s]!,
        batch.ordinal[s]!,
      ) < 0
    ) {
      this.append(batch, order, first);
    } else {
      this.merge(batch, order, first);
    }
  }

  /** Removes and returns, in order, the live entries with time <= until, at most `limit` of them. */
  takeDue(until: number, limit = Number.POSITIVE_INFINITY): ExpectedEntry[] {
    const due: ExpectedEntry[] = [];
    const { time, dead } = this.c;
    let h = this.head;
    for (; h < this.length && time[h]! <= until && due.length < limit; h++) {
      if (dead[h]) this.deadCount--;
      else due.push(readEntry(this.c, h));
    }
    this.head = h;
    this.compactIfSparse();
    return due;
  }

  /** The earliest live time, or undefined. */
  nextTime(): number | undefined {
    const { time, dead } = this.c;
    while (this.head < this.length && dead[this.head]) {
      this.head++;
      this.deadCount--;
    }
    return this.head < this.length ? time[this.head] : undefined;
  }

  get(runNumber: number): ExpectedEntry | undefined {
    const i = this.indexOfRun(runNumber);
    return i < 0 ? undefined : readEntry(this.c, i);
  }

  /** Removes one entry; returns it, or undefined if no live entry has that number. */
  remove(runNumber: number): ExpectedEntry | undefined {
    const i = this.indexOfRun(runNumber);
    if (i < 0) return undefined;
    const entry = readEntry(this.c, i);
    this.c.dead[i] = 1;
    this.deadCount++;
    this.compactIfSparse();
    return entry;
  }

  /** Removes every live entry of a job; returns how many. */
  removeJob(jobIndex: number): number {
    const dead = this.c.dead;
    const jobs = this.c.job.subarray(0, this.length);
    let removed = 0;
    for (let i = jobs.indexOf(jobIndex, this.head); i >= 0; i = jobs.indexOf(jobIndex, i + 1)) {
      if (!dead[i]) {
        dead[i] = 1;
        removed++;
      }
    }
    this.deadCount += removed;
    this.compactIfSparse();
    return removed;
  }

  /**
   * Yields live entries with from <= time < to, optionally of one job, in order. The store may
   * change between yields (an entry removed or released before it is reached is not yielded;
   * one added after the last yielded is).
   */
  *entries(filter: ExpectedRunsFilter = {}): Generator<ExpectedEntry> {
    const { from, to, jobIndex } = filter;
    let i = from === undefined ? this.head : this.firstAtOrAfterTime(from);
    let last: ExpectedEntry | undefined;
    let epoch = this.epoch;
    let seenLength = -1;
    let end = 0;
    let jobs: Uint32Array | undefined;
    for (;;) {
      if (epoch !== this.epoch) {
        epoch = this.epoch;
        seenLength = -1;
        if (last) i = firstAfter(this.c, this.head, this.length, last);
        else i = from === undefined ? this.head : this.firstAtOrAfterTime(from);
      }
      if (seenLength !== this.length) {
        seenLength = this.length;
        end = to === undefined ? this.length : this.firstAtOrAfterTime(to);
        // TypedArray indexOf is a native scan, about twice as fast as a loop here.
        jobs = jobIndex === undefined ? undefined : this.c.job.subarray(0, end);
      }
      const dead = this.c.dead;
      i = Math.max(i, this.head);
      if (jobs) {
        for (; i < end; i++) {
          i = jobs.indexOf(jobIndex!, i);
          if (i < 0) return;
          if (!dead[i]) break;
        }
      } else {
        while (i < end && dead[i]) i++;
      }
      if (i >= end) return;
      last = readEntry(this.c, i++);
      yield last;
    }
  }

  private clear(): void {
    if (this.length > 0) this.epoch++;
    this.head = this.length = this.deadCount = 0;
    this.runIndex.reset();
  }

  private append(batch: ExpectedSlotColumns, order: Uint32Array, first: number): void {
    const k = order.length;
    if (this.length + k > this.capacity) this.compact(k);
    const base = this.length;
    const c = this.c;
    for (let i = 0; i < k; i++) {
      const s = order[i]!;
      const w = base + i;
      c.time[w] = batch.time[s]!;
      c.job[w] = batch.jobIndex[s]!;
      c.schedule[w] = batch.scheduleIndex[s]!;
      c.ordinal[w] = batch.ordinal[s]!;
      c.run[w] = first + i;
      c.dead[w] = 0;
    }
    this.length += k;
    this.runIndex.appended(c.run, base, this.length, first);
  }

  /** Merges a sorted batch into [head, length) from the back, in place. */
  private merge(batch: ExpectedSlotColumns, order: Uint32Array, first: number): void {
    const k = order.length;
    if (this.length + k > this.capacity) this.compact(k);
    const c = this.c;
    const n = this.length;
    const moved = this.runIndex.canFollowMerge(c.run, n, first) ? new Uint32Array(n + k) : null;
    // From the back: for each new slot, last to first, shift up the old entries that sort
    // after it (by j + 1, the number of new slots still to place before them), then write it.
    let i = n - 1;
    for (let j = k - 1; j >= 0; j--) {
      const s = order[j]!;
      const entry = {
        time: batch.time[s]!,
        jobIndex: batch.jobIndex[s]!,
        scheduleIndex: batch.scheduleIndex[s]!,
        ordinal: batch.ordinal[s]!,
        runNumber: first + j,
      };
      const pos = firstAfter(c, this.head, i + 1, entry);
      moveEntries(c, c, pos, i + 1, pos + j + 1);
      if (moved) for (let x = pos; x <= i; x++) moved[x] = x + j + 1;
      i = pos - 1;
      writeEntry(c, pos + j, entry);
      if (moved) moved[n + j] = pos + j;
    }
    if (moved) for (; i >= 0; i--) moved[i] = i;
    this.runIndex.merged(moved, n, this.capacity);
    this.length = n + k;
    this.epoch++;
  }

  private compactIfSparse(): void {
    if ((this.head + this.deadCount) * 2 > this.length) this.compact(0);
  }

  /**
   * Drops released and tombstoned entries, leaving room for `extra` more. Reallocates when
   * the room is short or the capacity far exceeds the need (so memory follows size), else
   * moves entries down in place.
   */
  private compact(extra: number): void {
    const needed = this.size + extra;
    const roomy = Math.max(this.minCapacity, Math.ceil(needed * GROWTH));
    const short = this.capacity < needed || (extra > 0 && this.capacity < needed * MIN_HEADROOM);
    const capacity = short || this.capacity > 2 * roomy ? roomy : this.capacity;
    const from = this.c;
    const to = capacity === this.capacity ? from : allocateEntryColumns(capacity);
    // Where each held entry lands, for the run-number index; only needed with tombstones,
    // since a released prefix alone shifts every position down by head.
    const landing =
      this.runIndex.needsLanding && this.deadCount > 0
        ? new Int32Array(this.length).fill(-1)
        : null;
    let w = 0;
    for (let i = this.head; i < this.length;) {
      while (i < this.length && from.dead[i]) i++;
      let j = i;
      if (this.deadCount === 0) j = this.length;
      else while (j < this.length && !from.dead[j]) j++;
      if (landing) for (let x = i; x < j; x++) landing[x] = w + x - i;
      moveEntries(from, to, i, j, w);
      w += j - i;
      i = j;
    }
    this.runIndex.compacted(to.run, landing, this.head, this.length, w, capacity);
    this.c = to;
    this.capacity = capacity;
    this.head = this.deadCount = 0;
    this.length = w;
    this.epoch++;
  }

  /** Position of the live entry with this run number, or -1. */
  private indexOfRun(runNumber: number): number {
    const i = this.runIndex.indexOf(this.c.run, this.head, this.length, this.capacity, runNumber);
    return i >= 0 && !this.c.dead[i] ? i : -1;
  }

  private firstAtOrAfterTime(t: number): number {
    return firstAtOrAfterTime(this.c, this.head, this.length, t);
  }
}

function isColumns(
  slots: readonly ExpectedSlot[] | ExpectedSlotColumns,
): slots is ExpectedSlotColumns {
  return !Array.isArray(slots);
}
