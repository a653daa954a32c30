import { resolve } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { parseTime } from '../time/index.js';
import {
  booleanWithDefault,
  durationMs,
  optionalDurationMs,
  pathField,
  section,
  signalName,
  expected,
  portNumber,
} from './fields.js';
import { procstarAgentSection } from './procstar-schema.js';

export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 5000;

/** `schedule.since`: `now`, or an ISO 8601 time with a UTC offset, compiled to epoch ms. */
const since = z
  .string({ error: expected('now or an ISO time such as 2026-04-27T16:00:00Z') })
  .nullish()
  .transform((v, ctx): 'now' | number | null => {
    if (v === null || v === undefined) return null;
    if (v.trim() === 'now') return 'now';
    try {
      return parseTime(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: errorMessage(err), input: v });
      return z.NEVER;
    }
  });

const host = z
  .string({ error: expected('a host name') })
  .min(1, { error: expected('a host name') });
const hosts = z
  .array(host, { error: expected('a list of host names') })
  .min(1, { error: 'expected at least one host' });

/** How a host group picks a host (apsis-model.md §9.4). */
export type HostGroupType = 'single' | 'random' | 'round-robin';

/**
 * A host group: a host alias (string), a random choice (list), or a mapping
 * with `type: round-robin | random` and `hosts`, or `type: single` and `host`.
 * Compiled to `{ type, hosts }`.
 */
const hostGroup = z
  .union(
    [
      host,
      hosts,
      z.discriminatedUnion(
        'type',
        [
          z.object({ type: z.enum(['round-robin', 'random']), hosts }),
          z.object({ type: z.literal('single'), host }),
        ],
        {
          error: (iss) =>
            `unknown host group type: ${JSON.stringify((iss.input as { type?: unknown }).type)}` +
            ' (types: round-robin, random, single)',
        },
      ),
    ],
    {
      error: expected(
        'a host name, a list of host names, {type: round-robin | random, hosts: [...]}' +
          ' or {type: single, host: ...}',
      ),
    },
  )
  .transform((g): { type: HostGroupType; hosts: string[] } => {
    if (typeof g === 'string') return { type: 'single', hosts: [g] };
    if (Array.isArray(g)) return { type: 'random', hosts: g };
    return 'host' in g ? { type: 'single', hosts: [g.host] } : { type: g.type, hosts: g.hosts };
  });

const action = z.record(z.string(), z.unknown(), {
  error: expected('an action: a mapping with a type'),
});

/**
 * The whole config file. Built per load because relative paths resolve
 * against the config file's folder; apart from that it is one fixed schema.
 * Input keys are Apsis's (snake_case, durations as written); the output is the
 * compiled form: camelCase, units in names, absolute paths, defaults filled.
 */
export function createConfigSchema(baseDir: string) {
  const path = pathField(baseDir);
  // `database` may also be just the path, as in old Apsis configs.
  const database = z.object(
    { path: path.nullish(), timeout: optionalDurationMs() },
    { error: expected('a path or a mapping with path and timeout') },
  );
  return z
    .object(
      {
        job_dir: path.nullish(),
        database: z
          .preprocess<unknown, typeof database, string | z.input<typeof database> | null>(
            (v) => (typeof v === 'string' ? { path: v } : (v ?? {})),
            database,
          )
          .prefault(null),
        calendar_dir: path.nullish(),
        action: z
          .union([action, z.array(action)], {
            error: expected('an action mapping or a list of them'),
          })
          .nullish(),
        runs: section({ lookback: optionalDurationMs() }),
        schedule: section({
          since,
          horizon: durationMs(86400),
          max_age: optionalDurationMs(),
        }),
        waiting: section({ max_time: optionalDurationMs() }),
        program: section({
          timeout: section({ duration: optionalDurationMs(), signal: signalName.nullish() }),
        }),
        host_groups: z
          .record(z.string(), hostGroup, { error: expected('a mapping of group names') })
          .nullish(),
        // Python's garbage collector has no counterpart in Node; the keys are
        // checked so an Apsis config loads unchanged, then dropped.
        python: section({
          gc: section({
            enabled: booleanWithDefault(true),
            threshold: z
              .array(
                z
                  .number()
                  .int()
                  .nonnegative({ error: expected('a non-negative integer') }),
                {
                  error: expected('1 to 3 integers'),
                },
              )
              .min(1, { error: expected('1 to 3 integers') })
              .max(3, { error: expected('1 to 3 integers') })
              .nullish(),
          }),
        }),
        procstar: section({ agent: procstarAgentSection(baseDir) }),
        // Ours: Apsis takes the HTTP address from the command line only (a FIXME there).
        api: section({
          host: host.nullish(),
          port: portNumber.nullish(),
          // An empty token could never be sent (a Bearer token has at least one character).
          token: z
            .string({ error: expected('a non-empty token') })
            .min(1, { error: 'expected a non-empty token (leave api.token unset for none)' })
            .nullish(),
          token_env: z.string({ error: expected('an environment variable name') }).nullish(),
        }),
        // Read only by extensions (the sample email action); passed through.
        smtp: z.record(z.string(), z.unknown(), { error: expected('a mapping') }).nullish(),
      },
      { error: expected('a mapping') },
    )
    .transform((c) => ({
      /** Folder of job files, absolute. Default `jobs` beside the config file. */
      jobDir: c.job_dir ?? resolve(baseDir, 'jobs'),
      database: {
        /** SQLite file, absolute. Default `apsis.db` beside the config file. */
        path: c.database.path ?? resolve(baseDir, 'apsis.db'),
        /** SQLite busy timeout in ms. Default null = the store's own. */
        timeoutMs: c.database.timeout,
      },
      /** Folder of `NAME.cal` calendar files, absolute. Default env ORA_CALENDARS, else null. */
      calendarDir: c.calendar_dir ?? null,
      /** Actions applied to every run, as written (one or a list); parsed by the action module. */
      globalActions: (c.action === null || c.action === undefined
        ? []
        : Array.isArray(c.action)
          ? c.action
          : [c.action]) as unknown[],
      runs: {
        /** Finished runs older than this stay in the database only, in ms. Default null = all. */
        lookbackMs: c.runs.lookback,
      },
      schedule: {
        /** Where scheduling starts on startup: `now`, epoch ms, or null = the stored clock (§2.9). */
        since: c.schedule.since,
        /** How far ahead runs are scheduled, in ms. Default 86 400 000 (one day). */
        horizonMs: c.schedule.horizon,
        /** Refuse to create runs whose time is older than this, in ms. Default null = no limit. */
        maxAgeMs: c.schedule.max_age,
      },
      waiting: {
        /** Longest a run may wait before it becomes an error, in ms. Default null = no limit. */
        maxTimeMs: c.waiting.max_time,
      },
      program: {
        timeout: {
          /** Global program timeout in ms. Default null = none. */
          durationMs: c.program.timeout.duration,
          /** Signal sent on timeout, as a full name. Default `SIGTERM`. */
          signal: c.program.timeout.signal ?? 'SIGTERM',
        },
      },
      /** Host groups by name. Default none. Vestigial in Apsis (§9.4). */
      hostGroups: c.host_groups ?? {},
      procstar: { agent: c.procstar.agent },
      api: {
        /** Interface the HTTP API listens on. Default `127.0.0.1`; `--host` wins. */
        host: c.api.host ?? DEFAULT_API_HOST,
        /** TCP port of the HTTP API. Default 5000; `--port` wins. */
        port: c.api.port ?? DEFAULT_API_PORT,
        /**
         * Token every request and websocket must carry (`Authorization: Bearer …`).
         * Default: the variable named by `api.token_env`, else env APSIS_API_TOKEN, else none.
         */
        token: c.api.token ?? null,
      },
      /** SMTP settings for extensions, as written; null when absent. */
      smtp: c.smtp ?? null,
    }));
}

export type ConfigSchema = ReturnType<typeof createConfigSchema>;

/** What the operator writes (after aliases: `jobs` → `job_dir`, `runs_lookback` → `runs.lookback`). */
export type ConfigInput = z.input<ConfigSchema>;

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The compiled, frozen config. */
export type Config = DeepReadonly<z.output<ConfigSchema>>;
