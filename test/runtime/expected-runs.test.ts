import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ExpectedRuns,
  type ExpectedEntry,
  type ExpectedSlot,
  type ExpectedSlotColumns,
} from '../../src/runtime/expected-runs.js';

const MINUTE_MS = 60_000;
const T0 = Date.UTC(2025, 2, 1);

/** mulberry32: a small seeded PRNG, so failures replay. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function counter(start = 1): (count: number) => number {
  let next = start;
  return (count) => {
    const first = next;
    next += count;
    return first;
  };
}

function compareEntries(a: ExpectedEntry, b: ExpectedEntry): number {
  return (
    a.time - b.time ||
    a.jobIndex - b.jobIndex ||
    a.scheduleIndex - b.scheduleIndex ||
    a.ordinal - b.ordinal ||
    a.runNumber - b.runNumber
  );
}

function toColumns(slots: readonly ExpectedSlot[]): ExpectedSlotColumns {
  // Spare capacity on purpose: only [0, length) is read.
  const n = slots.length;
  const columns: ExpectedSlotColumns = {
    time: new Float64Array(n + 3),
    jobIndex: new Uint32Array(n + 3),
    scheduleIndex: new Uint16Array(n + 3),
    ordinal: new Uint16Array(n + 3),
    length: n,
  };
  slots.forEach((s, i) => {
    columns.time[i] = s.time;
    columns.jobIndex[i] = s.jobIndex;
    columns.scheduleIndex[i] = s.scheduleIndex;
    columns.ordinal[i] = s.ordinal;
  });
  return columns;
}

/** Every minute of `minutes` for each of `jobs` jobs, generated job by job (not time order). */
function minutelyColumns(jobs: number, minutes: number, start = T0): ExpectedSlotColumns {
  const n = jobs * minutes;
  const columns: ExpectedSlotColumns = {
    time: new Float64Array(n),
    jobIndex: new Uint32Array(n),
    scheduleIndex: new Uint16Array(n),
    ordinal: new Uint16Array(n),
    length: n,
  };
  for (let j = 0, i = 0; j < jobs; j++) {
    for (let m = 0; m < minutes; m++, i++) {
      columns.time[i] = start + m * MINUTE_MS;
      columns.jobIndex[i] = j;
    }
  }
  return columns;
}

/** The obvious implementation, to check the real one against. */
class NaiveExpectedRuns {
  entries: ExpectedEntry[] = [];

  add(slots: readonly ExpectedSlot[], allocate: (count: number) => number): void {
    if (slots.length === 0) return;
    const sorted = slots
      .map((slot, i) => ({ slot, i }))
      .sort(
        (a, b) =>
          a.slot.time - b.slot.time ||
          a.slot.jobIndex - b.slot.jobIndex ||
          a.slot.scheduleIndex - b.slot.scheduleIndex ||
          a.slot.ordinal - b.slot.ordinal ||
          a.i - b.i,
      );
    const first = allocate(slots.length);
    sorted.forEach(({ slot }, i) => this.entries.push({ ...slot, runNumber: first + i }));
    this.entries.sort(compareEntries);
  }

  takeDue(until: number): ExpectedEntry[] {
    const due = this.entries.filter((e) => e.time <= until);
    this.entries = this.entries.filter((e) => e.time > until);
    return due;
  }

  nextTime(): number | undefined {
    return this.entries[0]?.time;
  }

  get(runNumber: number): ExpectedEntry | undefined {
    return this.entries.find((e) => e.runNumber === runNumber);
  }

  remove(runNumber: number): ExpectedEntry | undefined {
    const i = this.entries.findIndex((e) => e.runNumber === runNumber);
    return i < 0 ? undefined : this.entries.splice(i, 1)[0];
  }

  removeJob(jobIndex: number): number {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.jobIndex !== jobIndex);
    return before - this.entries.length;
  }

  list(filter: { from?: number; to?: number; jobIndex?: number } = {}): ExpectedEntry[] {
    return this.entries.filter(
      (e) =>
        (filter.from === undefined || e.time >= filter.from) &&
        (filter.to === undefined || e.time < filter.to) &&
        (filter.jobIndex === undefined || e.jobIndex === filter.jobIndex),
    );
  }
}

describe('ExpectedRuns.add', () => {
  it('numbers a batch consecutively in (time, job, schedule, ordinal) order', () => {
    const runs = new ExpectedRuns();
    const calls: number[] = [];
    runs.add(
      [
        { time: T0 + 2, jobIndex: 0, scheduleIndex: 0, ordinal: 0 },
        { time: T0 + 1, jobIndex: 5, scheduleIndex: 1, ordinal: 0 },
        { time: T0 + 1, jobIndex: 5, scheduleIndex: 0, ordinal: 1 },
        { time: T0 + 1, jobIndex: 5, scheduleIndex: 0, ordinal: 0 },
        { time: T0 + 1, jobIndex: 2, scheduleIndex: 9, ordinal: 9 },
      ],
      (count) => {
        calls.push(count);
        return 100;
      },
    );
    assert.deepEqual(calls, [5]);
    assert.deepEqual(
      [...runs.entries()].map((e) => [
        e.time - T0,
        e.jobIndex,
        e.scheduleIndex,
        e.ordinal,
        e.runNumber,
      ]),
      [
        [1, 2, 9, 9, 100],
        [1, 5, 0, 0, 101],
        [1, 5, 0, 1, 102],
        [1, 5, 1, 0, 103],
        [2, 0, 0, 0, 104],
      ],
    );
  });

  it('numbers a large unordered columnar batch (radix sort) as a stable comparison sort would', () => {
    const random = prng(7);
    const slots: ExpectedSlot[] = [];
    for (let i = 0; i < 20_000; i++) {
      slots.push({
        // A range over 2^32 ms needs three 16-bit time passes; jobs over 2^16 need two.
        time: T0 + Math.floor(random() * 200) * 2 ** 26,
        jobIndex: Math.floor(random() * 4) * 65_536 + Math.floor(random() * 2),
        scheduleIndex: Math.floor(random() * 3),
        ordinal: Math.floor(random() * 2),
      });
    }
    const runs = new ExpectedRuns();
    runs.add(toColumns(slots), counter(1));
    const naive = new NaiveExpectedRuns();
    naive.add(slots, counter(1));
    assert.deepEqual([...runs.entries()], naive.entries);
  });

  it('accepts fractional times in a large batch', () => {
    const random = prng(8);
    const slots = Array.from({ length: 6000 }, () => ({
      time: T0 + random() * 1000,
      jobIndex: Math.floor(random() * 10),
      scheduleIndex: 0,
      ordinal: 0,
    }));
    const runs = new ExpectedRuns();
    runs.add(slots, counter(1));
    const naive = new NaiveExpectedRuns();
    naive.add(slots, counter(1));
    assert.deepEqual([...runs.entries()], naive.entries);
  });

  it('does not call allocate for an empty batch', () => {
    const runs = new ExpectedRuns();
    runs.add([], () => assert.fail('allocate called'));
    assert.equal(runs.size, 0);
  });

  it('rejects fields that do not fit their columns, and a bad allocation', () => {
    const runs = new ExpectedRuns();
    const slot = { time: T0, jobIndex: 0, scheduleIndex: 0, ordinal: 0 };
    assert.throws(() => runs.add([{ ...slot, time: NaN }], counter()), RangeError);
    assert.throws(() => runs.add([{ ...slot, jobIndex: -1 }], counter()), RangeError);
    assert.throws(() => runs.add([{ ...slot, scheduleIndex: 65_536 }], counter()), RangeError);
    assert.throws(() => runs.add([{ ...slot, ordinal: 0.5 }], counter()), RangeError);
    assert.throws(() => runs.add([slot], () => 2 ** 53), RangeError);
    assert.throws(() => runs.add({ ...toColumns([slot]), length: 10 }, counter()), RangeError);
    assert.equal(runs.size, 0);
  });
});

describe('append and merge paths', () => {
  const slots = (from: number, to: number): ExpectedSlot[] => {
    const out: ExpectedSlot[] = [];
    for (let m = from; m < to; m++) {
      for (let j = 0; j < 7; j++)
        out.push({ time: T0 + m * MINUTE_MS, jobIndex: j, scheduleIndex: 0, ordinal: 0 });
    }
    return out;
  };

  function observe(runs: ExpectedRuns): unknown {
    const all = [...runs.entries()];
    return {
      size: runs.size,
      nextTime: runs.nextTime(),
      all,
      byNumber: all.map((e) => runs.get(e.runNumber)),
      jobThree: [...runs.entries({ jobIndex: 3 })],
      due: runs.takeDue(T0 + 50 * MINUTE_MS),
      rest: [...runs.entries()],
    };
  }

  for (const placeholderNumber of [0, 1e12]) {
    it(`give identical results (placeholder run number ${placeholderNumber})`, () => {
      const appended = new ExpectedRuns({ initialCapacity: 8 });
      const allocA = counter(1);
      for (let m = 0; m < 100; m += 10) appended.add(toColumns(slots(m, m + 10)), allocA);

      // A placeholder that sorts last forces every batch down the merge path.
      const merged = new ExpectedRuns({ initialCapacity: 8 });
      const late = { time: T0 + 1e9, jobIndex: 0, scheduleIndex: 0, ordinal: 0 };
      merged.add([late], () => placeholderNumber);
      const allocB = counter(1);
      for (let m = 0; m < 100; m += 10) merged.add(slots(m, m + 10), allocB);
      assert.ok(merged.remove(placeholderNumber));

      assert.deepEqual(observe(merged), observe(appended));
    });
  }

  it('merges slots earlier than those held and keeps lookups by number right', () => {
    const runs = new ExpectedRuns({ initialCapacity: 4 });
    runs.add(slots(10, 20), counter(1)); // 1..70
    runs.add(slots(0, 10), counter(71)); // 71..140, all earlier
    runs.add(slots(20, 30), counter(141)); // appended after a merge
    const all = [...runs.entries()];
    assert.equal(all.length, 210);
    assert.equal(all[0]!.runNumber, 71);
    assert.equal(all[70]!.runNumber, 1);
    assert.equal(all[140]!.runNumber, 141);
    for (const e of all) assert.deepEqual(runs.get(e.runNumber), e);
    assert.equal(runs.get(0), undefined);
    assert.equal(runs.get(211), undefined);
  });

  it('finds entries by number when an append is numbered just below the greatest held', () => {
    const runs = new ExpectedRuns();
    runs.add(slots(0, 1).slice(0, 5), counter(1)); // 1..5
    runs.add(slots(1, 2).slice(0, 1), () => 10);
    runs.add(slots(2, 3).slice(0, 3), () => 6); // 6..8, below 10
    assert.deepEqual(
      [...runs.entries()].map((e) => e.runNumber),
      [1, 2, 3, 4, 5, 10, 6, 7, 8],
    );
    for (const n of [1, 5, 6, 7, 8, 10]) assert.equal(runs.get(n)?.runNumber, n);
  });

  it('finds entries by number when allocate hands out a number below one held', () => {
    const runs = new ExpectedRuns();
    runs.add(slots(0, 10), counter(1000));
    runs.add(slots(10, 20), counter(1)); // appended, but numbered lower
    for (const e of runs.entries()) assert.deepEqual(runs.get(e.runNumber), e);
    assert.equal(runs.remove(5)?.runNumber, 5);
    assert.equal(runs.get(5), undefined);
    assert.equal(runs.size, 139);
  });
});

describe('ExpectedRuns.takeDue and nextTime', () => {
  it('returns exactly the due entries, in order, and never twice', () => {
    const runs = new ExpectedRuns();
    runs.add(toColumns(minutelyColumnsSlots(3, 5)), counter(1));
    assert.equal(runs.nextTime(), T0);
    const first = runs.takeDue(T0 + MINUTE_MS);
    assert.deepEqual(
      first.map((e) => [e.time - T0, e.jobIndex]),
      [
        [0, 0],
        [0, 1],
        [0, 2],
        [MINUTE_MS, 0],
        [MINUTE_MS, 1],
        [MINUTE_MS, 2],
      ],
    );
    assert.deepEqual(runs.takeDue(T0 + MINUTE_MS), []);
    assert.equal(runs.nextTime(), T0 + 2 * MINUTE_MS);
    assert.equal(runs.get(first[0]!.runNumber), undefined);
    assert.equal(runs.remove(first[0]!.runNumber), undefined);
    assert.equal(runs.takeDue(T0 + 10 * MINUTE_MS).length, 9);
    assert.equal(runs.nextTime(), undefined);
    assert.equal(runs.size, 0);
  });

  it('skips removed entries in nextTime and takeDue', () => {
    const runs = new ExpectedRuns();
    runs.add(minutelyColumnsSlots(2, 3), counter(1)); // 1..6 in time order
    runs.remove(1);
    runs.remove(2);
    assert.equal(runs.nextTime(), T0 + MINUTE_MS);
    runs.removeJob(0);
    assert.equal(runs.nextTime(), T0 + MINUTE_MS);
    assert.deepEqual(
      runs.takeDue(T0 + 2 * MINUTE_MS).map((e) => e.runNumber),
      [4, 6],
    );
    assert.equal(runs.nextTime(), undefined);
  });
});

function minutelyColumnsSlots(jobs: number, minutes: number): ExpectedSlot[] {
  const c = minutelyColumns(jobs, minutes);
  return Array.from({ length: c.length }, (_, i) => ({
    time: c.time[i]!,
    jobIndex: c.jobIndex[i]!,
    scheduleIndex: 0,
    ordinal: 0,
  }));
}

describe('ExpectedRuns.get, remove and removeJob', () => {
  it('gets and removes by run number', () => {
    const runs = new ExpectedRuns();
    runs.add(minutelyColumns(4, 10), counter(1));
    const e = runs.get(7);
    assert.deepEqual(e, {
      time: T0 + MINUTE_MS,
      jobIndex: 2,
      scheduleIndex: 0,
      ordinal: 0,
      runNumber: 7,
    });
    assert.deepEqual(runs.remove(7), e);
    assert.equal(runs.get(7), undefined);
    assert.equal(runs.remove(7), undefined);
    assert.equal(runs.size, 39);
    assert.ok(![...runs.entries()].some((x) => x.runNumber === 7));
  });

  it('removes every entry of one job and reports how many', () => {
    const runs = new ExpectedRuns();
    runs.add(minutelyColumns(4, 10), counter(1));
    assert.equal(runs.takeDue(T0).length, 4);
    assert.equal(runs.removeJob(1), 9);
    assert.equal(runs.removeJob(1), 0);
    assert.equal(runs.size, 27);
    assert.ok([...runs.entries()].every((e) => e.jobIndex !== 1));
  });
});

describe('ExpectedRuns.entries', () => {
  const runs = new ExpectedRuns();
  runs.add(minutelyColumns(3, 10), counter(1));

  it('filters by time range, from inclusive and to exclusive, and by job', () => {
    const times = (filter: Parameters<ExpectedRuns['entries']>[0]): number[][] =>
      [...runs.entries(filter)].map((e) => [(e.time - T0) / MINUTE_MS, e.jobIndex]);
    assert.equal(times({}).length, 30);
    assert.deepEqual(times({ from: T0 + 8 * MINUTE_MS }), [
      [8, 0],
      [8, 1],
      [8, 2],
      [9, 0],
      [9, 1],
      [9, 2],
    ]);
    assert.deepEqual(times({ to: T0 + MINUTE_MS }), [
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
    assert.deepEqual(times({ from: T0 + 2 * MINUTE_MS, to: T0 + 5 * MINUTE_MS, jobIndex: 1 }), [
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    assert.deepEqual(times({ jobIndex: 9 }), []);
    assert.deepEqual(times({ from: T0 + 5 * MINUTE_MS, to: T0 + 5 * MINUTE_MS }), []);
  });

  it('keeps its place while entries are removed and compacted under it', () => {
    const local = new ExpectedRuns({ initialCapacity: 4 });
    local.add(minutelyColumns(3, 100), counter(1));
    const seen: number[] = [];
    for (const e of local.entries()) {
      seen.push(e.runNumber);
      local.remove(e.runNumber);
      local.remove(e.runNumber + 1); // the next one is never yielded
      if (e.runNumber === 151) local.add(minutelyColumns(1, 1, T0 + 1e7), counter(1000));
    }
    assert.deepEqual(seen, [...Array.from({ length: 150 }, (_, i) => 1 + 2 * i), 1000]);
    assert.equal(local.size, 0);
  });

  it('yields each remaining entry once when a compaction moves them mid-iteration', () => {
    const local = new ExpectedRuns({ initialCapacity: 4 });
    local.add(minutelyColumns(3, 100), counter(1)); // number n is job (n - 1) % 3
    const seen: number[] = [];
    for (const e of local.entries()) {
      seen.push(e.runNumber);
      if (e.runNumber === 10) {
        local.removeJob(1);
        local.removeJob(2); // two thirds dead: compacts
      }
    }
    const later = Array.from({ length: 290 }, (_, i) => 11 + i).filter((n) => (n - 1) % 3 === 0);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...later]);
  });

  it('skips entries released by takeDue mid-iteration', () => {
    const local = new ExpectedRuns();
    local.add(minutelyColumns(3, 100), counter(1));
    const seen: number[] = [];
    for (const e of local.entries()) {
      seen.push(e.runNumber);
      if (e.runNumber === 5) assert.equal(local.takeDue(T0 + 49 * MINUTE_MS).length, 150);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5, ...Array.from({ length: 150 }, (_, i) => 151 + i)]);
  });
});

describe('compaction', () => {
  it('keeps every live entry and shrinks byteLength once most are gone', () => {
    const runs = new ExpectedRuns({ initialCapacity: 16 });
    runs.add(minutelyColumns(100, 100), counter(1));
    const full = runs.byteLength;
    const live = [...runs.entries()].filter(
      (e) => e.jobIndex % 10 === 3 && e.time >= T0 + 50 * MINUTE_MS,
    );
    runs.takeDue(T0 + 49 * MINUTE_MS);
    for (let j = 0; j < 100; j++) if (j % 10 !== 3) runs.removeJob(j);
    assert.ok(runs.byteLength < full / 10, `${runs.byteLength} not well under ${full}`);
    assert.equal(runs.size, live.length);
    assert.deepEqual([...runs.entries()], live);
    for (const e of live) assert.deepEqual(runs.get(e.runNumber), e);
  });

  it('holds 1.44 M entries (1,000 minutely jobs for a day) in under 60 MB of typed arrays', () => {
    const runs = new ExpectedRuns();
    runs.add(minutelyColumns(1000, 1440), counter(1));
    assert.equal(runs.size, 1_440_000);
    assert.ok(runs.byteLength < 60e6, `byteLength ${runs.byteLength}`);
    // A day of steady state (take a minute, append a minute) stays within the bound too.
    for (let m = 0; m < 1440; m += 60) {
      runs.takeDue(T0 + (m + 59) * MINUTE_MS);
      runs.add(minutelyColumns(1000, 60, T0 + (1440 + m) * MINUTE_MS), counter(2e6 + m * 1000));
      assert.ok(runs.byteLength < 60e6, `byteLength ${runs.byteLength} at minute ${m}`);
    }
    assert.equal(runs.size, 1_440_000);
    assert.equal(runs.nextTime(), T0 + 1440 * MINUTE_MS);
  });
});

describe('against a naive reference', () => {
  it('matches a plain array over thousands of random operations', () => {
    const random = prng(20250301);
    const int = (n: number): number => Math.floor(random() * n);
    const runs = new ExpectedRuns({ initialCapacity: 2 });
    const naive = new NaiveExpectedRuns();
    // Two counters: switching between them hands out numbers below ones held.
    let low = 1;
    let high = 1e9;
    let now = T0;
    let horizon = T0;
    const numbers: number[] = [];
    let taken = 0;
    let largest = 0;

    // Half the time a live entry's number; else any number ever handed out (most released).
    const someNumber = (): number =>
      random() < 0.5 && naive.entries.length > 0
        ? naive.entries[int(naive.entries.length)]!.runNumber
        : (numbers[int(numbers.length)] ?? 0);

    const randomSlots = (): ExpectedSlot[] => {
      const n = random() < 0.01 ? 4096 + int(1000) : int(40);
      const appendOnly = random() < 0.6;
      const fractional = random() < 0.1;
      const slots: ExpectedSlot[] = [];
      for (let i = 0; i < n; i++) {
        let time = appendOnly ? horizon + int(60) * 1000 : now - 5000 + int(horizon - now + 10_000);
        if (fractional) time += random();
        slots.push({
          time,
          jobIndex: int(12),
          scheduleIndex: int(3),
          ordinal: int(4) < 3 ? 0 : int(3),
        });
      }
      return slots;
    };

    for (let op = 0; op < 4000; op++) {
      const r = random();
      if (r < 0.25) {
        const slots = randomSlots();
        const columnar = random() < 0.5;
        const useHigh = random() < 0.1;
        const allocate = (count: number): number => {
          const first = useHigh ? high : low;
          if (useHigh) high += count;
          else low += count;
          for (let i = 0; i < count; i++) numbers.push(first + i);
          return first;
        };
        let firstA = 0;
        runs.add(columnar ? toColumns(slots) : slots, (count) => (firstA = allocate(count)));
        naive.add(slots, () => firstA);
        for (const s of slots) horizon = Math.max(horizon, Math.ceil(s.time));
      } else if (r < 0.4) {
        now += int(120_000);
        const due = runs.takeDue(now);
        assert.deepEqual(due, naive.takeDue(now), `takeDue at op ${op}`);
        taken += due.length;
      } else if (r < 0.65) {
        const n = someNumber();
        assert.deepEqual(runs.remove(n), naive.remove(n), `remove ${n} at op ${op}`);
      } else if (r < 0.7) {
        const j = int(14);
        assert.equal(runs.removeJob(j), naive.removeJob(j), `removeJob ${j} at op ${op}`);
      } else if (r < 0.85) {
        const n = someNumber();
        assert.deepEqual(runs.get(n), naive.get(n), `get ${n} at op ${op}`);
      } else {
        const filter: { from?: number; to?: number; jobIndex?: number } = {};
        if (random() < 0.5) filter.from = now + int(horizon - now + 1);
        if (random() < 0.5) filter.to = now + int(horizon - now + 1);
        if (random() < 0.5) filter.jobIndex = int(12);
        assert.deepEqual([...runs.entries(filter)], naive.list(filter), `entries at op ${op}`);
      }
      assert.equal(runs.size, naive.entries.length, `size at op ${op}`);
      largest = Math.max(largest, runs.size);
      if (op % 100 === 99) {
        for (const e of naive.entries) assert.deepEqual(runs.get(e.runNumber), e, `op ${op}`);
      }
      assert.equal(runs.nextTime(), naive.nextTime(), `nextTime at op ${op}`);
      assert.ok(runs.byteLength <= Math.max(4096, runs.size * 25 * 8), `byteLength at op ${op}`);
    }
    assert.deepEqual([...runs.entries()], naive.entries);
    // The run exercised what it is meant to: releases, and a store that grew and shrank.
    assert.ok(taken > 10_000 && largest > 5000, `taken ${taken}, largest ${largest}`);
  });
});
