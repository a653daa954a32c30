import { basename, dirname, extname, join } from 'node:path';
import { z } from 'zod';
import {
  booleanWithDefault,
  optionalDurationMs,
  pathField,
  portNumber,
  positiveNumber,
  section,
  expected,
} from './fields.js';

/** The agent server's defaults when neither the file nor the environment sets them (procstar-protocol.md §1.2). */
export const DEFAULT_AGENT_HOST = '*';
export const DEFAULT_AGENT_PORT = 59789;
export const DEFAULT_SUDO_ARGV: readonly string[] = [
  '/usr/bin/sudo',
  '--preserve-env',
  '--set-home',
];

/** The keys Apsis requires once `procstar.agent.ecs` is present, in its order (procstar-protocol.md §6.1). */
export const ECS_REQUIRED_KEYS = [
  'cluster_name',
  'container_name',
  'default_task_definition',
  'region',
  'aws_account_id',
  'ebs_volume_role',
  'log_group',
  'log_stream_prefix',
  'default_mem_gb',
  'default_vcpu',
  'default_disk_gb',
] as const;

/** The procstar server's default key file: the cert path with its suffix replaced by `.key`. */
function keyPathFor(certPath: string): string {
  return join(dirname(certPath), basename(certPath, extname(certPath)) + '.key');
}

const name = z
  .string({ error: expected('a string') })
  .min(1, { error: expected('a non-empty string') });

// An unquoted account id is a YAML integer and loses its leading zeros; AWS
// account ids are always 12 digits, so pad it back rather than build a wrong ARN.
const accountId = z
  .union(
    [
      z.string().regex(/^\d{12}$/, { error: expected('a 12-digit AWS account id') }),
      z
        .number()
        .int()
        .nonnegative({ error: expected('a 12-digit AWS account id') }),
    ],
    {
      error: expected('a 12-digit AWS account id'),
    },
  )
  .transform((v) => (typeof v === 'number' ? String(v).padStart(12, '0') : v))
  .refine((v) => v.length === 12, { error: expected('a 12-digit AWS account id') });

const ecsShape = {
  cluster_name: name.nullish(),
  container_name: name.nullish(),
  default_task_definition: name.nullish(),
  region: name.nullish(),
  aws_account_id: accountId.nullish(),
  ebs_volume_role: name.nullish(),
  log_group: name.nullish(),
  log_stream_prefix: name.nullish(),
  default_mem_gb: positiveNumber.nullish(),
  default_vcpu: positiveNumber.nullish(),
  default_disk_gb: positiveNumber.nullish(),
  max_mem_gb: positiveNumber.nullish(),
  max_vcpu: positiveNumber.nullish(),
  retain_ebs: booleanWithDefault(false),
};

/**
 * `procstar.agent.ecs`: absent → null (procstar-ecs programs cannot run).
 * When present, every required key must be set; the missing ones are listed
 * in one message, as Apsis does.
 */
const ecsSection = z
  .object(ecsShape, { error: expected('a mapping') })
  .nullish()
  .transform((e, ctx) => {
    if (e === null || e === undefined) return null;
    const missing = ECS_REQUIRED_KEYS.filter((k) => e[k] === null || e[k] === undefined);
    if (missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `missing required keys: ${missing.join(', ')}`,
        input: e,
      });
      return z.NEVER;
    }
    // Every required key was checked just above; the casts only drop `null`.
    return {
      /** ECS cluster tasks are launched in. */
      clusterName: e.cluster_name as string,
      /** Container in the task definition that runs the procstar agent. */
      containerName: e.container_name as string,
      /** Task definition for programs that name none. */
      defaultTaskDefinition: e.default_task_definition as string,
      /** AWS region of the cluster. */
      region: e.region as string,
      /** 12-digit account id, used to build IAM role ARNs. */
      awsAccountId: e.aws_account_id as string,
      /** IAM role name for managing the task's EBS volume. */
      ebsVolumeRole: e.ebs_volume_role as string,
      /** CloudWatch Logs group of task logs (run metadata only). */
      logGroup: e.log_group as string,
      /** Log stream name prefix; the stream is `{prefix}/{task_id}`. */
      logStreamPrefix: e.log_stream_prefix as string,
      /** Memory in GB (1e9 bytes) for programs that set none. */
      defaultMemGb: e.default_mem_gb as number,
      /** vCPUs for programs that set none. */
      defaultVcpu: e.default_vcpu as number,
      /** EBS volume size in GB for programs that set none. */
      defaultDiskGb: e.default_disk_gb as number,
      /** Largest memory a program may ask for, in GB; null = no check. */
      maxMemGb: e.max_mem_gb ?? null,
      /** Largest vCPU count a program may ask for; null = no check. */
      maxVcpu: e.max_vcpu ?? null,
      /** Keep the EBS volume when the task ends. Default false. */
      retainEbs: e.retain_ebs,
    };
  });

/**
 * `procstar.agent.*` (procstar-protocol.md §5.4). The environment fallbacks
 * of `server.*` are applied to the raw mapping by the loader before this
 * schema runs, so values from the environment are checked like file values.
 */
export function procstarAgentSection(baseDir: string) {
  const path = pathField(baseDir);
  return section({
    enable: booleanWithDefault(false),
    server: section({
      host: name.nullish(),
      port: portNumber.nullish(),
      access_token: z
        .string({ error: expected('a string (quote numbers and booleans)') })
        .nullish(),
      tls: section({ cert_path: path.nullish(), key_path: path.nullish() }),
    }),
    connection: section({
      // Absent → 0 (fail at once when no agent is connected); an explicit
      // null is what Apsis passes on as "no timeout", so it waits forever.
      start_timeout: optionalDurationMs().optional(),
      reconnect_timeout: optionalDurationMs(),
    }),
    run: section({
      update_interval: optionalDurationMs(),
      output_interval: optionalDurationMs(),
    }),
    sudo: section({
      argv: z
        .array(z.string({ error: expected('a string (quote numbers and booleans)') }), {
          error: expected('a list of strings'),
        })
        .min(1, 'expected at least the sudo program')
        .nullish(),
    }),
    resource_defaults: section({ mem_max_gb: positiveNumber.nullish() }),
    ecs: ecsSection,
    builtin: section({
      enable: booleanWithDefault(false),
      group_id: name.nullish(),
    }),
  }).transform((a) => ({
    /** Run the agent WebSocket server. Default false. */
    enable: a.enable,
    server: {
      /** Interface to listen on; `*` = all. Default env PROCSTAR_AGENT_HOST (or _HOSTNAME), else `*`. */
      host: a.server.host ?? DEFAULT_AGENT_HOST,
      /** TCP port. Default env PROCSTAR_AGENT_PORT, else 59789. */
      port: a.server.port ?? DEFAULT_AGENT_PORT,
      /** Token agents must present. Default env PROCSTAR_AGENT_TOKEN, else empty. */
      accessToken: a.server.access_token ?? '',
      tls: {
        /** Server certificate (PEM), absolute. Default env PROCSTAR_AGENT_CERT, else null. */
        certPath: a.server.tls.cert_path ?? null,
        /** Its private key, absolute. Default env PROCSTAR_AGENT_KEY, else the cert path with suffix `.key`. */
        keyPath:
          a.server.tls.key_path ??
          (a.server.tls.cert_path ? keyPathFor(a.server.tls.cert_path) : null),
      },
    },
    connection: {
      /** How long a start waits for an agent in its group, in ms. Default 0 (fail at once); null = forever. */
      startTimeoutMs: a.connection.start_timeout === undefined ? 0 : a.connection.start_timeout,
      /** How long a disconnected agent may take to reconnect, in ms. Default null = forever. */
      reconnectTimeoutMs: a.connection.reconnect_timeout,
    },
    run: {
      /** Period of result polling while a run runs, in ms. Default null = only at the end. */
      updateIntervalMs: a.run.update_interval,
      /** Period of output polling while a run runs, in ms. Default null = only at the end. */
      outputIntervalMs: a.run.output_interval,
    },
    sudo: {
      /** Command prefix for programs with `sudo_user`. Default `/usr/bin/sudo --preserve-env --set-home`. */
      argv: a.sudo.argv ?? [...DEFAULT_SUDO_ARGV],
    },
    resourceDefaults: {
      /** Memory limit in GB (1e9 bytes) for programs that set none. Default null = no limit. */
      memMaxGb: a.resource_defaults.mem_max_gb ?? null,
    },
    /** AWS ECS settings for procstar-ecs programs; null when not configured. */
    ecs: a.ecs,
    /**
     * Our own addition: the daemon runs our agent as a child process, connected
     * over loopback, so procstar programs run with no other setup.
     */
    builtin: {
      /** Run the built-in agent. Default false. */
      enable: a.builtin.enable,
      /** Its group. Default `default`. */
      groupId: a.builtin.group_id ?? 'default',
    },
  }));
}
