import type { Time } from '../time/index.js';

interface Due {
  time: Time;
  runNumber: number;
}

function before(a: Due, b: Due): boolean {
  return a.time < b.time || (a.time === b.time && a.runNumber < b.runNumber);
}

/**
 * Runs stored as scheduled for a later time (API runs, reruns, restored
 * runs), by due time. Cancelled entries are dropped lazily when they reach
 * the top, so unscheduling is O(1).
 */
export class DueQueue {
  private readonly heap: Due[] = [];
  private readonly live = new Map<number, Time>();

  get size(): number {
    return this.live.size;
  }

  has(runNumber: number): boolean {
    return this.live.has(runNumber);
  }

  add(runNumber: number, time: Time): void {
    this.live.set(runNumber, time);
    this.heap.push({ time, runNumber });
    this.up(this.heap.length - 1);
  }

  remove(runNumber: number): boolean {
    return this.live.delete(runNumber);
  }

  /** The next entry, without removing it. */
  peek(): Due | undefined {
    this.dropCancelled();
    return this.heap[0];
  }

  nextTime(): Time | undefined {
    this.dropCancelled();
    return this.heap[0]?.time;
  }

  /** Removes and returns, in due order, every entry due at or before `until`. */
  takeDue(until: Time, limit = Number.POSITIVE_INFINITY): Due[] {
    const out: Due[] = [];
    while (out.length < limit) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.time > until) return out;
      this.pop();
      this.live.delete(top.runNumber);
      out.push(top);
    }
    return out;
  }

  private dropCancelled(): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || this.live.get(top.runNumber) === top.time) return;
      this.pop();
    }
  }

  private pop(): void {
    const last = this.heap.pop() as Due;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && before(this.heap[l] as Due, this.heap[m] as Due)) m = l;
      if (r < this.heap.length && before(this.heap[r] as Due, this.heap[m] as Due)) m = r;
      if (m === i) return;
      [this.heap[i], this.heap[m]] = [this.heap[m] as Due, this.heap[i] as Due];
      i = m;
    }
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(this.heap[i] as Due, this.heap[parent] as Due)) return;
      [this.heap[i], this.heap[parent]] = [this.heap[parent] as Due, this.heap[i] as Due];
      i = parent;
    }
  }
}
