import type { ExpectedSlotColumns } from './expected-runs.js';

/** Growable columns of expected-run slots, filled by generation before `ExpectedRuns.add`. */
export class SlotColumnsBuilder {
  private columns: ExpectedSlotColumns;

  constructor(capacity = 1024) {
    this.columns = {
      time: new Float64Array(capacity),
      jobIndex: new Uint32Array(capacity),
      scheduleIndex: new Uint16Array(capacity),
      ordinal: new Uint16Array(capacity),
      length: 0,
    };
  }

  get length(): number {
    return this.columns.length;
  }

  push(time: number, jobIndex: number, scheduleIndex: number, ordinal: number): void {
    const c = this.columns;
    if (c.length === c.time.length) this.grow();
    const i = this.columns.length;
    this.columns.time[i] = time;
    this.columns.jobIndex[i] = jobIndex;
    this.columns.scheduleIndex[i] = scheduleIndex;
    this.columns.ordinal[i] = ordinal;
    this.columns.length = i + 1;
  }

  build(): ExpectedSlotColumns {
    return this.columns;
  }

  private grow(): void {
    const c = this.columns;
    const size = c.time.length * 2;
    const time = new Float64Array(size);
    time.set(c.time);
    const jobIndex = new Uint32Array(size);
    jobIndex.set(c.jobIndex);
    const scheduleIndex = new Uint16Array(size);
    scheduleIndex.set(c.scheduleIndex);
    const ordinal = new Uint16Array(size);
    ordinal.set(c.ordinal);
    this.columns = { time, jobIndex, scheduleIndex, ordinal, length: c.length };
  }
}
