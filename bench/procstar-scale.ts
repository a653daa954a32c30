/**
 * Procstar at scale: the daemon side (Runtime, real SQLite file, AgentServer
 * over TLS, procstar driver) runs in this process, so its memory and event
 * loop are the daemon's; `--agents N` real agents (`apsis agent`) run as child
 * processes on the same host and dial it over wss://localhost. Two phases, one
 * after the other, on the same daemon and agents:
 *
 * 1. `--runs N` (1,000) `procstar-shell` runs of `sleep S` (`--sleep`, 5 s), all
 *    due at one instant T: start latency from T to the process start, how
 *    many processes were alive at once, daemon RSS and event-loop lag;
 * 2. `--short N` (2,000) `procstar-shell` runs of `true`, all due at one
 *    instant T: throughput N / (last success − T), as many in flight as the
 *    agents take.
 *
 *   npm run build && node dist/bench/procstar-scale.js [--runs 1000] [--short 2000] [--agents 4] [--sleep 5]
 *
 * The runs are created with `operations.schedule({ jobId, args, time: T })`
 * a few seconds before T (as the API creates runs), and released by the
 * scheduler's alarm. Per run, from the stored record the transition bus
 * publishes once the final write commits:
 * - `times.schedule` = T (due);
 * - `times.starting`: the run actor began the start (sent `ProcStartRequest`);
 * - `meta.program.times.start`: when the agent began starting the process,
 *   just before its spawn (RFC 3339, µs, the agent's clock = this host's);
 * - `times.running`: the daemon had the agent's first result.
 * Loop lag is the 1 ms probe of bench/support/measure.ts (time-weighted p99)
 * plus `monitorEventLoopDelay`. RSS is sampled every 50 ms, and `VmHWM` (the
 * kernel's peak, reset at T − 50 ms) read at the end. Agents' CPU and RSS
 * come from /proc/PID.
 *
 * It prints figures; it asserts nothing (runs not in success are counted and
 * the last log line of the first is shown).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { parseJobFile, type Job } from '../src/jobs/index.js';
import { AgentServer, certificateNames, selfSignedCertificate } from '../src/procstar/index.js';
import { procstarDriver } from '../src/programs/index.js';
import { Runtime, systemClock, type Logger } from '../src/runtime/index.js';
import type { RunRecord, RunStore } from '../src/store/index.js';
import { builtinCalendars, parseTime } from '../src/time/index.js';
import {
  count,
  loopProbe,
  machineLine,
  mb,
  ms,
  openStore,
  option,
  percentile,
  printTable,
  procStatusBytes,
  resetPeakRss,
  settledMemory,
  tempDatabase,
  type LoopFigures,
  type TempDatabase,
} from './support/measure.js';

const TOKEN = 'bench-token';
const GROUP = 'default';
/** Give up on a phase that has not finished this long after its due time. */
const PHASE_TIMEOUT_MS = 150_000;
const AGENT_CONNECT_TIMEOUT_MS = 30_000;
const REPO_ROOT = join(import.meta.dirname, '..', '..');
const APSIS_CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'apsis.js');

const SLEEP_JOB = 'bench/sleep';
const TRUE_JOB = 'bench/true';

function jobFiles(sleepS: number): Map<string, Job> {
  const files: Record<string, string> = {
    [SLEEP_JOB]: `params: [i]\nprogram: {type: procstar-shell, command: "sleep ${sleepS}"}\n`,
    [TRUE_JOB]: 'params: [i]\nprogram: {type: procstar-shell, command: "true"}\n',
  };
  const jobs = new Map<string, Job>();
  for (const [jobId, text] of Object.entries(files)) {
    const parsed = parseJobFile(jobId, `${jobId}.yaml`, text, builtinCalendars);
    if (!parsed.job) throw new Error(parsed.problems.map((p) => p.message).join('; '));
    jobs.set(jobId, parsed.job);
  }
  return jobs;
}

/** Warnings and errors of the daemon side go to stderr, counted; the rest is dropped. */
function benchLogger(): Logger & { problems: number } {
  const logger = {
    problems: 0,
    debug: () => undefined,
    info: () => undefined,
    warn: (message: string) => {
      logger.problems++;
      if (logger.problems <= 20) console.error(`daemon warn: ${message}`);
    },
    error: (message: string) => {
      logger.problems++;
      if (logger.problems <= 20) console.error(`daemon error: ${message}`);
    },
  };
  return logger;
}

/** Resolves at wall time `at` (ms). */
function until(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

const CLOCK_TICKS_PER_S = 100;

/** Busy and total CPU ticks of the whole host, all cores (/proc/stat). */
function hostTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    const total = ticks.reduce((a, b) => a + b, 0);
    return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

/** User + system CPU of a process and its waited-for children, in ms (/proc/PID/stat). */
function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14–17, i.e. 11–14 after the name.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return (ticks * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** Sorted copy. */
function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** The most intervals [start, stop) overlapping at any instant. */
function maxOverlap(intervals: readonly (readonly [number, number])[]): number {
  const edges: [number, number][] = [];
  for (const [start, stop] of intervals) edges.push([start, 1], [stop, -1]);
  // Ends before starts at the same instant.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let alive = 0;
  let most = 0;
  for (const [, delta] of edges) {
    alive += delta;
    most = Math.max(most, alive);
  }
  return most;
}

interface ProgramMeta {
  times?: { start?: string; stop?: string | null };
  procstar_conn?: { conn_id?: unknown } | null;
}

interface Distribution {
  p50: number;
  p99: number;
  max: number;
}

function distribution(xs: readonly number[]): Distribution {
  const s = sorted(xs);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN };
}

interface PhaseFigures {
  runs: number;
  scheduleMs: number;
  success: number;
  other: number;
  firstProblem: string;
  starting: Distribution;
  processStart: Distribution;
  running: Distribution;
  /** Due → the last run's final transition published. */
  elapsedMs: number;
  throughput: number;
  maxAlive: number;
  /** Runs per agent: fewest and most. */
  perAgentMin: number;
  perAgentMax: number;
  loop: LoopFigures;
  eldP99: number;
  eldMax: number;
  /** Garbage-collection pauses in the phase: their sum and the longest. */
  gcMs: number;
  gcMaxMs: number;
  rssBefore: number;
  rssPeak: number;
  vmHwm: number;
  rssAfter: number;
  daemonCpuMs: number;
  agentsCpuMs: number;
  agentsRssPeak: number;
  /** Share of the host's CPU (all cores, every process) busy from T to done. */
  hostBusy: number;
}

class Bench {
  private readonly agents: ChildProcess[] = [];
  private server: AgentServer | undefined;
  private runtime: Runtime | undefined;
  private store: RunStore | undefined;
  private readonly logger = benchLogger();
  private readonly db: TempDatabase;

  constructor(
    private readonly agentCount: number,
    private readonly sleepS: number,
  ) {
    this.db = tempDatabase('apsis-bench-procstar-');
  }

  async setup(): Promise<void> {
    const { dir } = this.db;
    const cert = await selfSignedCertificate(
      join(dir, 'agent-server.crt'),
      join(dir, 'agent-server.key'),
      certificateNames('127.0.0.1'),
    );
    const server = new AgentServer({
      host: '127.0.0.1',
      port: 0,
      accessToken: TOKEN,
      cert: cert.cert,
      key: cert.key,
      reconnectTimeoutMs: null,
      clock: systemClock,
      logger: this.logger,
    });
    this.server = server;
    await server.listen();

    this.store = openStore(this.db.path);
    this.runtime = new Runtime({
      clock: systemClock,
      store: this.store,
      jobs: jobFiles(this.sleepS),
      calendars: builtinCalendars,
      horizonMs: 86_400_000,
      logger: this.logger,
      drivers: {
        procstar: procstarDriver({
          agents: server,
          startTimeoutMs: 60_000,
          reconnectTimeoutMs: null,
          updateIntervalMs: null,
          outputIntervalMs: null,
          sudoArgv: ['/usr/bin/sudo', '--preserve-env', '--set-home'],
          memMaxGbDefault: null,
        }),
      },
    });
    await this.runtime.start();

    const env = {
      ...process.env,
      PROCSTAR_AGENT_CERT: cert.certPath,
      PROCSTAR_AGENT_TOKEN: TOKEN,
    };
    for (let i = 0; i < this.agentCount; i++) {
      const agent = spawn(
        process.execPath,
        [
          APSIS_CLI,
          'agent',
          '--server',
          `wss://localhost:${server.port}`,
          '--group-id',
          GROUP,
          '--token',
          TOKEN,
          '--connect-interval-start',
          '0.1',
          // Not the reconnection warnings after the server closes at the end.
          '--log-level',
          'error',
        ],
        { env, stdio: ['ignore', 'ignore', 'inherit'] },
      );
      this.agents.push(agent);
    }
    const deadline = Date.now() + AGENT_CONNECT_TIMEOUT_MS;
    while (this.registeredAgents() < this.agentCount) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${this.registeredAgents()} of ${this.agentCount} agents registered in ${AGENT_CONNECT_TIMEOUT_MS / 1000} s`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private registeredAgents(): number {
    return (this.server?.connectionViews() ?? []).filter(
      (c) => c.group_id === GROUP && c.state === 'registered',
    ).length;
  }

  private agentPids(): number[] {
    return this.agents.map((a) => a.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** `n` runs of `jobId`, all due at one whole second at least `leadMs` ahead; waits until all are done. */
  async phase(jobId: string, n: number, leadMs: number): Promise<PhaseFigures> {
    const runtime = this.runtime!;
    const store = this.store!;
    const due = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
    const scheduleStart = performance.now();
    for (let i = 0; i < n; i++)
      runtime.operations.schedule({ jobId, args: { i: String(i) }, time: due });
    await store.committed();
    const scheduleMs = performance.now() - scheduleStart;
    if (due - Date.now() < 200)
      throw new Error(
        `scheduling ${n} runs took ${scheduleMs.toFixed(0)} ms, past the due time: raise the lead`,
      );
    const memBefore = settledMemory();

    const done = new Map<string, RunRecord>();
    let lastDoneAt = 0;
    let unsubscribe: () => void = () => undefined;
    const finished = new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(
        () => {
          reject(new Error(`${PHASE_TIMEOUT_MS} ms after due: ${done.size} of ${n} runs done`));
        },
        due + PHASE_TIMEOUT_MS - Date.now(),
      );
      unsubscribe = runtime.bus.subscribe((run) => {
        if (run.jobId !== jobId) return;
        if (run.state !== 'success' && run.state !== 'failure' && run.state !== 'error') return;
        done.set(run.runId, run);
        if (done.size === n) {
          lastDoneAt = Date.now();
          clearTimeout(timeout);
          resolve();
        }
      });
    });

    const eld = monitorEventLoopDelay({ resolution: 1 });
    await until(due - 50);
    const hwmReset = resetPeakRss();
    eld.enable();
    let gcMs = 0;
    let gcMaxMs = 0;
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        gcMs += entry.duration;
        gcMaxMs = Math.max(gcMaxMs, entry.duration);
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const rssSamples: number[] = [];
    let agentsRssPeak = 0;
    const rssProbe = setInterval(() => rssSamples.push(process.memoryUsage.rss()), 50);
    const agentProbe = setInterval(() => {
      const sum = this.agentPids().reduce((s, pid) => s + procStatusBytes(pid, 'VmRSS'), 0);
      agentsRssPeak = Math.max(agentsRssPeak, sum);
    }, 200);
    const agentsCpuBefore = this.agentPids().reduce((s, pid) => s + procCpuMs(pid), 0);
    await until(due - 2);
    const loop = loopProbe();
    const cpuBefore = process.cpuUsage();
    const hostBefore = hostTicks();
    try {
      await finished;
    } finally {
      unsubscribe();
      clearInterval(rssProbe);
      clearInterval(agentProbe);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const hostAfter = hostTicks();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const loopFigures = loop.stop();
    eld.disable();
    gcObserver.disconnect();
    const agentsCpuMs =
      this.agentPids().reduce((s, pid) => s + procCpuMs(pid), 0) - agentsCpuBefore;
    const vmHwm = hwmReset ? procStatusBytes('self', 'VmHWM') : Number.NaN;
    await store.committed();

    const runs = [...done.values()];
    const successes = runs.filter((r) => r.state === 'success');
    const problem = runs.find((r) => r.state !== 'success');
    const programOf = (r: RunRecord) => (r.meta.program ?? {}) as ProgramMeta;
    const since = (t: number | undefined) => (t === undefined ? Number.NaN : t - due);
    const intervals: [number, number][] = [];
    const perAgent = new Map<string, number>();
    for (const run of successes) {
      const program = programOf(run);
      const start = program.times?.start;
      const stop = program.times?.stop;
      if (typeof start === 'string' && typeof stop === 'string')
        intervals.push([parseTime(start), parseTime(stop)]);
      const connId = program.procstar_conn?.conn_id;
      if (typeof connId === 'string') perAgent.set(connId, (perAgent.get(connId) ?? 0) + 1);
    }
    const counts = [...perAgent.values()];
    const figures: PhaseFigures = {
      runs: n,
      scheduleMs,
      success: successes.length,
      other: runs.length - successes.length,
      firstProblem: problem
        ? `${problem.runId} ${problem.state}: ${store.runLog(problem.runId).at(-1)?.message ?? ''}`
        : '',
      starting: distribution(successes.map((r) => since(r.times.starting))),
      processStart: distribution(
        successes.map((r) => {
          const start = programOf(r).times?.start;
          return typeof start === 'string' ? parseTime(start) - due : Number.NaN;
        }),
      ),
      running: distribution(successes.map((r) => since(r.times.running))),
      elapsedMs: lastDoneAt - due,
      throughput: n / ((lastDoneAt - due) / 1000),
      maxAlive: maxOverlap(intervals),
      perAgentMin: counts.length === 0 ? 0 : Math.min(...counts),
      perAgentMax: counts.length === 0 ? 0 : Math.max(...counts),
      loop: loopFigures,
      eldP99: eld.percentile(99) / 1e6,
      eldMax: eld.max / 1e6,
      gcMs,
      gcMaxMs,
      rssBefore: memBefore.rss,
      rssPeak: Math.max(memBefore.rss, ...rssSamples),
      vmHwm,
      rssAfter: settledMemory().rss,
      daemonCpuMs: (cpu.user + cpu.system) / 1000,
      agentsCpuMs,
      agentsRssPeak,
      hostBusy: (hostAfter.busy - hostBefore.busy) / (hostAfter.total - hostBefore.total),
    };
    return figures;
  }

  /**
   * Stops the runtime and the server, then the agents (SIGTERM, then SIGKILL
   * after 3 s), and removes the temp dir.
   */
  async close(): Promise<void> {
    try {
      await this.runtime?.stop();
      await this.server?.close();
      this.store?.close();
    } finally {
      await this.stopAgents();
      this.db.remove();
    }
  }

  private async stopAgents(): Promise<void> {
    await Promise.all(
      this.agents.map(
        (agent) =>
          new Promise<void>((resolve) => {
            if (agent.exitCode !== null || agent.signalCode !== null) {
              resolve();
              return;
            }
            const kill = setTimeout(() => agent.kill('SIGKILL'), 3000);
            agent.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            agent.kill('SIGTERM');
          }),
      ),
    );
  }

  /** Kills the agents at once (an interrupted bench). */
  killAgents(): void {
    for (const agent of this.agents) agent.kill('SIGKILL');
  }

  get problems(): number {
    return this.logger.problems;
  }
}

function printFigures(long: PhaseFigures, short: PhaseFigures, sleepS: number): void {
  const dist = (d: Distribution) => `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)}`;
  const both = (f: (p: PhaseFigures) => string): [string, string] => [f(long), f(short)];
  printTable([
    ['figure', `${count(long.runs)} × sleep ${sleepS}`, `${count(short.runs)} × true`],
    ['schedule the runs (before T)', ...both((p) => ms(p.scheduleMs))],
    ['runs in success / other', ...both((p) => `${count(p.success)} / ${count(p.other)}`)],
    ['runs per agent (fewest / most)', ...both((p) => `${p.perAgentMin} / ${p.perAgentMax}`)],
    ['T → starting        p50 / p99 / max', ...both((p) => dist(p.starting))],
    ['T → process start   p50 / p99 / max', ...both((p) => dist(p.processStart))],
    ['T → running (daemon) p50 / p99 / max', ...both((p) => dist(p.running))],
    ["processes alive at once (agents' start/stop times)", ...both((p) => count(p.maxAlive))],
    ['T → last run done', ...both((p) => ms(p.elapsedMs))],
    ['throughput', ...both((p) => `${p.throughput.toFixed(0)} runs/s`)],
    ['loop lag p99, time-weighted (1 ms probe)', ...both((p) => ms(p.loop.timeLagP99))],
    [
      'loop lag per probe tick p99 / max',
      ...both((p) => `${ms(p.loop.tickLagP99)} / ${ms(p.loop.tickLagMax)}`),
    ],
    ['monitorEventLoopDelay p99 / max', ...both((p) => `${ms(p.eldP99)} / ${ms(p.eldMax)}`)],
    ['GC pauses: total / longest', ...both((p) => `${ms(p.gcMs)} / ${ms(p.gcMaxMs)}`)],
    [
      'stalls > 20 ms: count / longest',
      ...both((p) => `${p.loop.stalls} / ${ms(p.loop.longestStallMs)}`),
    ],
    ['daemon RSS before T (after gc)', ...both((p) => mb(p.rssBefore))],
    ['daemon RSS peak (50 ms samples)', ...both((p) => mb(p.rssPeak))],
    ['daemon VmHWM (peak, reset at T − 50 ms)', ...both((p) => mb(p.vmHwm))],
    ['daemon RSS after (after gc)', ...both((p) => mb(p.rssAfter))],
    ['daemon CPU, T → done (all threads)', ...both((p) => ms(p.daemonCpuMs))],
    ['agents CPU, T → done (with children)', ...both((p) => ms(p.agentsCpuMs))],
    ['agents RSS, sum, peak (200 ms samples)', ...both((p) => mb(p.agentsRssPeak))],
    [
      'host CPU busy, T → done (all cores, all processes)',
      ...both((p) => `${(100 * p.hostBusy).toFixed(0)}%`),
    ],
  ]);
  for (const p of [long, short])
    if (p.firstProblem) console.log(`first run not in success: ${p.firstProblem}`);
}

async function main(): Promise<void> {
  const runs = option('runs', 1000);
  const shortRuns = option('short', 2000);
  const agentCount = option('agents', 4);
  const sleepS = option('sleep', 5);
  console.log(`procstar-scale: ${machineLine()}`);
  console.log(
    `command: node dist/bench/procstar-scale.js --runs ${runs} --short ${shortRuns} --agents ${agentCount} --sleep ${sleepS}`,
  );
  const bench = new Bench(agentCount, sleepS);
  const interrupted = () => {
    bench.killAgents();
    bench
      .close()
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const setupStart = performance.now();
    await bench.setup();
    console.log(
      `daemon + ${agentCount} agents registered in ${ms(performance.now() - setupStart)}`,
    );
    const long = await bench.phase(SLEEP_JOB, runs, 3000 + runs * 2);
    // Let the agents settle (deleted processes, GC) before the next burst.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const short = await bench.phase(TRUE_JOB, shortRuns, 3000 + shortRuns * 2);
    console.log(
      `\n${agentCount} agents (child processes) + daemon side in this process, all on this host; T = due instant of each phase`,
    );
    printFigures(long, short, sleepS);
    if (bench.problems > 0) console.log(`daemon warnings and errors logged: ${bench.problems}`);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await bench.close();
  }
}

await main();
