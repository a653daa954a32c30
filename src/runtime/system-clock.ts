import type { Clock, TimerHandle } from '../time/index.js';

// setTimeout's delay is a signed 32-bit number of ms (about 24.8 days);
// longer delays are chained.
const MAX_DELAY_MS = 2 ** 31 - 1;

interface ChainedTimer {
  current: ReturnType<typeof setTimeout>;
  unrefed: boolean;
  /** Lets the process exit while this timer is pending (housekeeping timers). */
  unref(): void;
}

/** The real clock: wall time and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const due = Date.now() + ms;
    const timer: ChainedTimer = {
      current: undefined as unknown as ReturnType<typeof setTimeout>,
      unrefed: false,
      unref() {
        this.unrefed = true;
        this.current.unref();
      },
    };
    const arm = (delay: number) => {
      const handle = setTimeout(
        () => {
          const left = due - Date.now();
          if (left > 0) timer.current = arm(left);
          else fn();
        },
        Math.min(Math.max(0, delay), MAX_DELAY_MS),
      );
      if (timer.unrefed) handle.unref();
      return handle;
    };
    timer.current = arm(ms);
    return timer;
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout((handle as ChainedTimer).current);
  },
};
