import type { Time } from './time.js';

export type TimerHandle = { readonly id: number } | NodeTimerLike;
// Node's setTimeout returns an object; only identity matters to callers.
type NodeTimerLike = object;

/**
 * The one source of time and timers. Production passes `SystemClock`
 * (src/runtime/); tests pass a `ManualClock` and advance it, so days of
 * schedules run in milliseconds. The shape is XState's `Clock` plus `now()`,
 * so the same clock drives actors' delayed transitions.
 */
export interface Clock {
  now(): Time;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

interface ManualTimer {
  readonly id: number;
  at: Time;
  fn: () => void;
}

/**
 * A clock that moves only when told. Timers fire in time order (ties in the
 * order they were set) as `advance` or `set` passes their due time, with
 * `now()` reading the timer's due time while it runs.
 */
export class ManualClock implements Clock {
  private time: Time;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start: Time) {
    this.time = start;
  }

  now(): Time {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.set(timer.id, timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    if ('id' in handle && typeof handle.id === 'number') this.timers.delete(handle.id);
  }

  /** The number of timers not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the next timer is due, if any. */
  nextTimerAt(): Time | undefined {
    let next: Time | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.at < next) next = t.at;
    return next;
  }

  /**
   * Fires only the earliest timer, moving time to when it was due (not
   * backwards): for stepping through work one timer at a time. Returns
   * false when no timer is pending.
   */
  fireNext(): boolean {
    let due: ManualTimer | undefined;
    for (const t of this.timers.values())
      if (due === undefined || t.at < due.at || (t.at === due.at && t.id < due.id)) due = t;
    if (due === undefined) return false;
    this.timers.delete(due.id);
    this.time = Math.max(this.time, due.at);
    due.fn();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    this.set(this.time + ms);
  }

  /** Moves time to `time` (not backwards), firing every timer due on the way. */
  set(time: Time): void {
    for (;;) {
      let due: ManualTimer | undefined;
      for (const t of this.timers.values()) {
        if (
          t.at <= time &&
          (due === undefined || t.at < due.at || (t.at === due.at && t.id < due.id))
        )
          due = t;
      }
      if (due === undefined) break;
      this.timers.delete(due.id);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = Math.max(this.time, time);
  }
}
