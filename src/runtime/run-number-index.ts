/**
 * Finds an expected run's position from its run number in O(log n), for ExpectedRuns.
 *
 * On the common path (a horizon extended by appends, numbers from one counter) run numbers
 * rise with position, so a binary search of the run column needs no extra memory. A merge
 * (jobs reloaded) breaks that; then `byRun` holds positions [0, length) sorted by run number,
 * 4 bytes an entry, kept up to date in O(n) by merges and compactions and dropped by the
 * first compaction that finds the numbers rising again. If allocate() ever hands out a number
 * below one held, the order goes stale and is rebuilt by a sort on the next lookup.
 */

type Mode = 'ascending' | 'permutation' | 'stale';

export class RunNumberIndex {
  private mode: Mode = 'ascending';
  private byRun: Uint32Array | null = null;

  get byteLength(): number {
    return this.byRun?.byteLength ?? 0;
  }

  /** Nothing is held any more. */
  reset(): void {
    this.mode = 'ascending';
    this.byRun = null;
  }

  /** Positions [base, length) were appended, numbered first, first + 1, … in order. */
  appended(run: Float64Array, base: number, length: number, first: number): void {
    if (this.mode === 'stale') return;
    if (base > 0 && !(first > this.maxRunNumber(run, base))) return this.setStale();
    if (this.byRun) for (let p = base; p < length; p++) this.byRun[p] = p;
  }

  /**
   * Before a merge of a batch numbered from `first` into positions [0, n): whether the
   * index can follow it, given where each position goes (see merged()).
   */
  canFollowMerge(run: Float64Array, n: number, first: number): boolean {
    return this.mode !== 'stale' && (n === 0 || first > this.maxRunNumber(run, n));
  }

  /**
   * After a merge: `moved` maps old positions [0, n) and then the new entries, in number
   * order, [n, n + k) to their positions; null when canFollowMerge() said no.
   */
  merged(moved: Uint32Array | null, n: number, capacity: number): void {
    if (!moved) return this.setStale();
    const byRun = new Uint32Array(capacity);
    const old = this.byRun;
    for (let x = 0; x < n; x++) byRun[x] = moved[old ? old[x]! : x]!;
    byRun.set(moved.subarray(n), n);
    this.byRun = byRun;
    this.mode = 'permutation';
  }

  /** Whether compact() must say where each entry lands (else: every position minus head). */
  get needsLanding(): boolean {
    return this.byRun !== null;
  }

  /**
   * After a compaction of positions [0, oldLength): `landing[p]` is p's new position or -1;
   * without it, held positions moved down by `shift` and the ones below it were dropped.
   */
  compacted(
    run: Float64Array,
    landing: Int32Array | null,
    shift: number,
    oldLength: number,
    newLength: number,
    capacity: number,
  ): void {
    if (this.byRun) {
      const byRun = this.byRun.length === capacity ? this.byRun : new Uint32Array(capacity);
      let kept = 0;
      for (let x = 0; x < oldLength; x++) {
        const p = this.byRun[x]!;
        const q = landing ? landing[p]! : p - shift;
        if (q >= 0) byRun[kept++] = q;
      }
      this.byRun = byRun;
    }
    if (this.mode !== 'ascending' && ascending(run, newLength)) this.reset();
  }

  /** The position in [head, length) holding this run number, or -1. */
  indexOf(
    run: Float64Array,
    head: number,
    length: number,
    capacity: number,
    runNumber: number,
  ): number {
    if (this.mode === 'stale') this.rebuild(run, length, capacity);
    const byRun = this.byRun;
    let lo = byRun ? 0 : head;
    let hi = length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (run[byRun ? byRun[mid]! : mid]! < runNumber) lo = mid + 1;
      else hi = mid;
    }
    const p = byRun ? (lo < length ? byRun[lo]! : -1) : lo;
    return p >= head && p < length && run[p] === runNumber ? p : -1;
  }

  private rebuild(run: Float64Array, length: number, capacity: number): void {
    const byRun = new Uint32Array(capacity);
    for (let p = 0; p < length; p++) byRun[p] = p;
    byRun.subarray(0, length).sort((a, b) => run[a]! - run[b]!);
    this.byRun = byRun;
    this.mode = 'permutation';
  }

  private maxRunNumber(run: Float64Array, length: number): number {
    if (this.mode === 'ascending') return run[length - 1]!;
    return this.byRun ? run[this.byRun[length - 1]!]! : NaN;
  }

  private setStale(): void {
    this.mode = 'stale';
    this.byRun = null;
  }
}

function ascending(run: Float64Array, length: number): boolean {
  for (let p = 1; p < length; p++) if (!(run[p - 1]! < run[p]!)) return false;
  return true;
}
