/** The agent's time sources, injectable for tests. */
export interface AgentClock {
  /** Wall time, µs since the epoch (result times). */
  wallUs(): number;
  /** Monotonic ms (elapsed times). */
  monoMs(): number;
  setTimeout(fn: () => void, ms: number): AgentTimer;
  clearTimeout(timer: AgentTimer): void;
}

export interface AgentTimer {
  unref(): void;
}

export const systemAgentClock: AgentClock = {
  wallUs: () => (performance.timeOrigin + performance.now()) * 1000,
  monoMs: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};
