/**
 * Ordering of expected-run slots by (time, jobIndex, scheduleIndex, ordinal), for batches held
 * as columns. A day's horizon for 10,000 minutely jobs is 14.4 M slots, so the sort works on a
 * Uint32Array of indices, never on objects, and uses an LSD radix sort (a few linear passes)
 * when the times are integers, which scheduled times always are.
 */

/** A batch of slots as parallel columns; entries [0, length) are used, the rest ignored. */
export interface ExpectedSlotColumns {
  time: Float64Array;
  jobIndex: Uint32Array;
  scheduleIndex: Uint16Array;
  ordinal: Uint16Array;
  length: number;
}

export interface ExpectedSlot {
  /** ms since the Unix epoch. */
  time: number;
  /** Index into the runtime's job table (uint32). */
  jobIndex: number;
  /** Which schedule of the job (uint16). */
  scheduleIndex: number;
  /** 0 normally; tells apart two times of one schedule at the same instant (uint16). */
  ordinal: number;
}

// Below this a comparison sort beats the radix sort's fixed 64 Ki-bucket passes.
const RADIX_MIN_LENGTH = 4096;
const DIGIT = 0x10000;

export function compareSlotKeys(
  t1: number,
  j1: number,
  s1: number,
  o1: number,
  t2: number,
  j2: number,
  s2: number,
  o2: number,
): number {
  if (t1 !== t2) return t1 < t2 ? -1 : 1;
  if (j1 !== j2) return j1 - j2;
  if (s1 !== s2) return s1 - s2;
  return o1 - o2;
}

function compareAt(b: ExpectedSlotColumns, x: number, y: number): number {
  return compareSlotKeys(
    b.time[x]!,
    b.jobIndex[x]!,
    b.scheduleIndex[x]!,
    b.ordinal[x]!,
    b.time[y]!,
    b.jobIndex[y]!,
    b.scheduleIndex[y]!,
    b.ordinal[y]!,
  );
}

function checkUint(value: number, max: number, field: string, i: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`slot ${i}: ${field} must be an integer in [0, ${max}], not ${value}`);
  }
}

/** Copies slot objects into columns, checking each field fits its column. */
export function slotsToColumns(slots: readonly ExpectedSlot[]): ExpectedSlotColumns {
  const n = slots.length;
  const columns: ExpectedSlotColumns = {
    time: new Float64Array(n),
    jobIndex: new Uint32Array(n),
    scheduleIndex: new Uint16Array(n),
    ordinal: new Uint16Array(n),
    length: n,
  };
  slots.forEach((slot, i) => {
    checkUint(slot.jobIndex, 0xffffffff, 'jobIndex', i);
    checkUint(slot.scheduleIndex, 0xffff, 'scheduleIndex', i);
    checkUint(slot.ordinal, 0xffff, 'ordinal', i);
    columns.time[i] = slot.time;
    columns.jobIndex[i] = slot.jobIndex;
    columns.scheduleIndex[i] = slot.scheduleIndex;
    columns.ordinal[i] = slot.ordinal;
  });
  return columns;
}

/**
 * Returns the indices [0, b.length) in slot order; ties keep their input order (the sort is
 * stable). Throws a RangeError on a non-finite time or a length longer than the columns.
 */
export function sortSlotOrder(b: ExpectedSlotColumns): Uint32Array {
  const n = b.length;
  const { time, jobIndex, scheduleIndex, ordinal } = b;
  if (
    !Number.isInteger(n) ||
    n < 0 ||
    n > time.length ||
    n > jobIndex.length ||
    n > scheduleIndex.length ||
    n > ordinal.length
  ) {
    throw new RangeError(`slot columns: length ${n} is not within every column`);
  }
  const order = new Uint32Array(n);
  let sorted = true;
  let safeIntegers = true;
  let tMin = Infinity;
  let tMax = -Infinity;
  let jMin = 0xffffffff;
  let jMax = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    const t = time[i]!;
    if (!Number.isFinite(t)) throw new RangeError(`slot ${i}: time must be finite, not ${t}`);
    if (!Number.isSafeInteger(t)) safeIntegers = false;
    if (t < tMin) tMin = t;
    if (t > tMax) tMax = t;
    const j = jobIndex[i]!;
    if (j < jMin) jMin = j;
    if (j > jMax) jMax = j;
    if (sorted && i > 0 && compareAt(b, i - 1, i) > 0) sorted = false;
  }
  if (sorted) return order;
  if (n < RADIX_MIN_LENGTH || !safeIntegers || tMax - tMin > Number.MAX_SAFE_INTEGER) {
    return order.sort((x, y) => compareAt(b, x, y) || x - y);
  }

  // LSD radix sort, 16 bits a pass, least significant key first; a pass whose digit is the
  // same for every slot is skipped, so a typical day (one schedule a job, ordinal 0, a time
  // range under 2^32 ms) costs three passes: time low, time high, job.
  const digits = new Uint16Array(n);
  const counts = new Uint32Array(DIGIT);
  let src = order;
  let dst = new Uint32Array(n);
  const pass = (): void => {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[digits[i]!]!++;
    if (counts[digits[0]!] === n) return;
    let sum = 0;
    for (let d = 0; d < DIGIT; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const s = src[i]!;
      dst[counts[digits[s]!]!++] = s;
    }
    [src, dst] = [dst, src];
  };
  digits.set(ordinal.subarray(0, n));
  pass();
  digits.set(scheduleIndex.subarray(0, n));
  pass();
  for (let shift = 0; shift < 32 && jMax - jMin >= 2 ** shift; shift += 16) {
    for (let i = 0; i < n; i++) digits[i] = (jobIndex[i]! - jMin) >>> shift;
    pass();
  }
  for (let scale = 1; scale <= tMax - tMin; scale *= DIGIT) {
    for (let i = 0; i < n; i++) digits[i] = Math.floor((time[i]! - tMin) / scale) % DIGIT;
    pass();
  }
  return src;
}
