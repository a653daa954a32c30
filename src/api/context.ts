import type { Job, JobProblem } from '../jobs/index.js';
import type { AgentServer } from '../procstar/index.js';
import type { Logger, Runtime } from '../runtime/index.js';
import type { CalendarResolver, Time } from '../time/index.js';
import type { SummaryHub } from './ws/summary-hub.js';

/** What reloading the jobs directory found: the jobs, or every problem. */
export type LoadedJobs =
  | { readonly ok: true; readonly jobs: ReadonlyMap<string, Job> }
  | { readonly ok: false; readonly problems: readonly JobProblem[] };

/** What the API needs from the daemon; tests build one around a runtime of their own. */
export interface ApiOptions {
  readonly runtime: Runtime;
  readonly calendars: CalendarResolver;
  /** Null when `procstar.agent.enable` is false. */
  readonly agents: AgentServer | null;
  readonly version: string;
  /** When the daemon started (the stats' `start_time`, and where `runs.lookback` counts from). */
  readonly startedAt: Time;
  /** `runs.lookback` in ms: run queries see no older finished runs unless asked with `since`. */
  readonly lookbackMs: number | null;
  /** `api.token`: every route and websocket requires it. Null = open (bind to loopback). */
  readonly token: string | null;
  /** The jobs directory, for reload messages. */
  readonly jobDir: string;
  /** Re-reads the jobs directory. */
  readonly loadJobs: () => Promise<LoadedJobs>;
  /** Stops the daemon cleanly (and starts it again when `restart`), after the reply is sent. */
  readonly shutDown: (restart: boolean) => void;
  /** Resolves once stored runs are restored and scheduling runs (`GET /api/v1/running`). */
  readonly ready: Promise<void>;
  readonly logger: Logger;
}

/** The options plus what the API keeps itself, as route modules see it. */
export interface ApiContext extends ApiOptions {
  readonly summary: SummaryHub;
}
