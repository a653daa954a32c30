import { z } from 'zod';
import { apiPath, createTransport, type Transport } from './http.js';
import type { Connection } from './address.js';
import {
  actorResponseSchema,
  actorsResponseSchema,
  jobSchema,
  jobsSchema,
  liveRuns,
  outputsSchema,
  reloadResultSchema,
  runLogSchema,
  runsResponseSchema,
  versionSchema,
  type ActorDetail,
  type ActorList,
  type Job,
  type ReloadResult,
  type Run,
  type RunLogEntry,
  type State,
} from './schemas.js';
import { BadResponseError } from './errors.js';

const V1 = '/api/v1';
const empty = z.unknown();

export interface RunQuery {
  jobId?: string;
  runIds?: string[];
  state?: State;
  /** An API time: runs whose last transition is at or after it. */
  since?: string;
  args?: Record<string, string>;
}

export interface ScheduleRequest {
  /** `now` or an API time. */
  time: string;
  /** An API time, or a duration added to the schedule time. */
  stopTime?: string;
  count?: number;
}

/** Every operation the `apsis` and `apsisctl` client commands use, one per route. */
export interface ApsisApi {
  readonly transport: Transport;
  getRun(runId: string): Promise<Run>;
  getRunLog(runId: string): Promise<RunLogEntry[]>;
  getRuns(query: RunQuery): Promise<Record<string, Run>>;
  getJob(jobId: string): Promise<Job>;
  getJobs(label?: string): Promise<Job[]>;
  schedule(
    job: { jobId: string; args: Record<string, string> } | { adhoc: object },
    request: ScheduleRequest,
  ): Promise<Run[]>;
  rerun(runId: string): Promise<Run[]>;
  skip(runId: string): Promise<unknown>;
  start(runId: string): Promise<unknown>;
  stop(runId: string): Promise<unknown>;
  signal(runId: string, signal: string): Promise<unknown>;
  mark(runId: string, state: State): Promise<unknown>;
  getOutput(runId: string, outputId: string): Promise<Uint8Array>;
  /** The output's current length, or undefined when the run has no such output. */
  getOutputLength(runId: string, outputId: string): Promise<number | undefined>;
  reloadJobs(dryRun: boolean): Promise<ReloadResult>;
  shutDown(restart: boolean): Promise<unknown>;
  version(): Promise<string>;
  getActors(filter?: { machine?: string; state?: string; limit?: number }): Promise<ActorList>;
  getActor(id: string): Promise<ActorDetail>;
}

export function createApi(connection: Connection, fetchImpl?: typeof fetch): ApsisApi {
  const t = createTransport(connection, fetchImpl);
  const runPath = (runId: string, ...rest: string[]) => apiPath(V1, 'runs', runId, ...rest);

  async function runsOf(
    method: string,
    path: string,
    options: Parameters<Transport['json']>[3] = {},
  ): Promise<Run[]> {
    return Object.values(liveRuns(await t.json(method, path, runsResponseSchema, options)));
  }

  return {
    transport: t,
    async getRun(runId) {
      const runs = liveRuns(await t.json('GET', runPath(runId), runsResponseSchema));
      const run = runs[runId];
      if (run === undefined) {
        throw new BadResponseError(`GET ${runPath(runId)}`, `no run ${runId} in the answer`);
      }
      return run;
    },
    async getRunLog(runId) {
      return (await t.json('GET', runPath(runId, 'log'), runLogSchema)).run_log;
    },
    async getRuns(q) {
      const query: [string, string | undefined][] = [
        ...(q.runIds ?? []).map((id): [string, string] => ['run_id', id]),
        ['job_id', q.jobId],
        ['state', q.state],
        ['since', q.since],
        // Arg filters go as `_NAME`: Apsis and this daemon both strip one leading
        // `_` (spec §2.3), so an arg named like a parameter (`state`, `summary`,
        // `limit`) is not taken for one. Apsis's client prefixed only four names.
        ...Object.entries(q.args ?? {}).map(([name, value]): [string, string] => [
          `_${name}`,
          value,
        ]),
      ];
      return liveRuns(await t.json('GET', apiPath(V1, 'runs'), runsResponseSchema, { query }));
    },
    getJob: (jobId) => t.json('GET', apiPath(V1, 'jobs', jobId), jobSchema),
    getJobs: (label) => t.json('GET', apiPath(V1, 'jobs'), jobsSchema, { query: { label } }),
    schedule(job, request) {
      const spec = 'adhoc' in job ? { job: job.adhoc } : { job_id: job.jobId, args: job.args };
      const times =
        request.stopTime === undefined
          ? { schedule: request.time }
          : { schedule: request.time, stop: request.stopTime };
      return runsOf('POST', apiPath(V1, 'runs'), {
        body: { ...spec, times },
        query: { count: request.count },
      });
    },
    rerun: (runId) => runsOf('POST', runPath(runId, 'rerun'), { body: {} }),
    skip: (runId) => t.json('POST', runPath(runId, 'skip'), empty),
    start: (runId) => t.json('POST', runPath(runId, 'start'), empty),
    // Apsis's client uses PUT for stop and signal (spec §4.4).
    stop: (runId) => t.json('PUT', runPath(runId, 'stop'), empty),
    signal: (runId, signal) => t.json('PUT', runPath(runId, 'signal', signal), empty),
    mark: (runId, state) => t.json('POST', runPath(runId, 'mark', state), empty),
    getOutput: (runId, outputId) => t.bytes('GET', runPath(runId, 'output', outputId)),
    async getOutputLength(runId, outputId) {
      const outputs = await t.json('GET', runPath(runId, 'outputs'), outputsSchema);
      return outputs.find((o) => o.output_id === outputId)?.output_len;
    },
    reloadJobs: (dryRun) =>
      t.json('POST', '/api/control/reload_jobs', reloadResultSchema, {
        body: {},
        query: { dry_run: dryRun ? 'true' : 'false' },
      }),
    shutDown: (restart) =>
      t.json('POST', '/api/control/shut_down', empty, { body: {}, query: { restart } }),
    version: async () => (await t.json('GET', '/api/control/version', versionSchema)).version,
    getActors: (filter = {}) =>
      t.json('GET', apiPath(V1, 'actors'), actorsResponseSchema, { query: filter }),
    getActor: async (id) =>
      (
        await t.json(
          'GET',
          `${apiPath(V1, 'actors')}/${encodeURIComponent(id)}`,
          actorResponseSchema,
        )
      ).actor,
  };
}
