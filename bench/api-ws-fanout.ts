/**
 * The summary websocket under load: `--clients N` (100) subscribers to
 * /api/v1/summary while the daemon makes about `--rate` (250) no-op runs a
 * second, each four or five transitions, for `--seconds` (30).
 *
 *   npm run build && node dist/bench/api-ws-fanout.js [--clients 100] [--rate 250] [--seconds 30]
 *
 * Three processes, so that no one's CPU is counted against another's: the
 * real daemon (`apsisctl serve` from dist/, fresh database, one no-op job);
 * a child holding every websocket client; and this process, which creates
 * the runs through the API (`POST /api/v1/runs?count=K` every 100 ms, as
 * `apsis run` would, K = rate / 10) and collects the figures.
 *
 * Every summary message carries `seq` and the run's `times`; a client
 * takes the lag of a `run_transition` as its receive time minus
 * `run_summary.times[state]`, the instant the runtime recorded the
 * transition (same host, same clock). The hub batches a subscriber's
 * messages for 100 ms, so that is the floor of the median. A client also
 * checks that the sequence numbers it gets are contiguous (nothing lost)
 * and records how its socket closed (1013: dropped as too slow). The
 * daemon's loop lag, CPU and GC come from bench/support/daemon-probe.ts;
 * its RSS is sampled from /proc every 250 ms. It prints figures; it asserts
 * nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { Daemon } from './support/daemon.js';
import { count, machineLine, mb, ms, option, percentile, printTable } from './support/measure.js';

const SCRIPT = fileURLToPath(import.meta.url);
const JOB_ID = 'bench/noop';
const TICK_MS = 100;
/** After the last run is done: long enough for every subscriber's last batch to arrive. */
const SETTLE_MS = 1000;
const DRAIN_TIMEOUT_MS = 120_000;

interface ClientFigures {
  readonly type: 'figures';
  readonly clients: number;
  /** run_transition messages per client: fewest, most. */
  readonly messagesMin: number;
  readonly messagesMax: number;
  readonly frames: number;
  /** Bytes of those frames (message payloads), all clients. */
  readonly bytes: number;
  /** Sequence numbers missing between the first and last a client saw, over all clients. */
  readonly gaps: number;
  /** Highest seq any client saw; lowest last seq of a client. */
  readonly lastSeqMax: number;
  readonly lastSeqMin: number;
  /** Sockets closed by the server while the bench ran, and with 1013. */
  readonly closed: number;
  readonly closed1013: number;
  /** Socket errors seen by the clients. */
  readonly errors: number;
  readonly lagP50: number;
  readonly lagP99: number;
  readonly lagMax: number;
  /** Per client: the worst p99 of any one client. */
  readonly clientP99Max: number;
  /** The client process: CPU in the window (ms) and its own loop delay p99. */
  readonly cpuMs: number;
  readonly eldP99: number;
}

type ToClients = { readonly type: 'start' } | { readonly type: 'stop' };

interface Summary {
  readonly type: string;
  readonly seq: number;
  readonly run_summary?: { readonly state: string; readonly times: Record<string, string> };
}

/** In the child: `--clients` sockets, figures on `stop`. */
async function clients(url: string, n: number): Promise<void> {
  const lags: number[] = [];
  const perClient: number[][] = [];
  let frames = 0;
  let bytes = 0;
  let closed = 0;
  let closed1013 = 0;
  let errors = 0;
  let measuring = false;
  const state = Array.from({ length: n }, () => ({ first: -1, last: -1, gaps: 0, messages: 0 }));
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, c) => {
      const lagsOf: number[] = [];
      perClient.push(lagsOf);
      const ws = new WebSocket(`${url}/api/v1/summary`);
      sockets.push(ws);
      ws.on('message', (data) => {
        const received = Date.now();
        frames++;
        bytes += (data as Buffer).length;
        const s = state[c]!;
        for (const message of JSON.parse(data.toString()) as Summary[]) {
          if (s.last >= 0 && message.seq !== s.last + 1) s.gaps += message.seq - s.last - 1;
          if (s.first < 0) s.first = message.seq;
          s.last = message.seq;
          const run = message.run_summary;
          if (message.type !== 'run_transition' || run === undefined) continue;
          s.messages++;
          const at = run.times[run.state];
          if (!measuring || at === undefined) continue;
          const lag = received - Date.parse(at);
          lags.push(lag);
          lagsOf.push(lag);
        }
      });
      ws.on('error', (err) => {
        errors++;
        if (errors <= 3) console.error(`client ${c}: ${err.message}`);
      });
      ws.on('close', (code) => {
        closed++;
        if (code === 1013) closed1013++;
      });
      return new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('close', (code) => reject(new Error(`client ${c}: closed (${code}) before open`)));
      });
    }),
  );
  const eld = monitorEventLoopDelay({ resolution: 10 });
  let cpu = process.cpuUsage();
  process.on('message', (command: ToClients) => {
    if (command.type === 'start') {
      measuring = true;
      eld.enable();
      cpu = process.cpuUsage();
      return;
    }
    const used = process.cpuUsage(cpu);
    eld.disable();
    const closedNow = closed;
    const closed1013Now = closed1013;
    for (const ws of sockets) ws.terminate();
    lags.sort((a, b) => a - b);
    const p99s = perClient.map((l) =>
      percentile(
        l.sort((a, b) => a - b),
        99,
      ),
    );
    const messages = state.map((s) => s.messages);
    const figures: ClientFigures = {
      type: 'figures',
      clients: n,
      messagesMin: Math.min(...messages),
      messagesMax: Math.max(...messages),
      frames,
      bytes,
      gaps: state.reduce((sum, s) => sum + s.gaps, 0),
      lastSeqMax: Math.max(...state.map((s) => s.last)),
      lastSeqMin: Math.min(...state.map((s) => s.last)),
      closed: closedNow,
      closed1013: closed1013Now,
      errors,
      lagP50: percentile(lags, 50),
      lagP99: percentile(lags, 99),
      lagMax: lags[lags.length - 1] ?? Number.NaN,
      clientP99Max: Math.max(...p99s),
      cpuMs: (used.user + used.system) / 1000,
      eldP99: eld.percentile(99) / 1e6,
    };
    process.send?.(figures, () => process.exit(0));
  });
  process.send?.({ type: 'ready' });
}

function startClients(url: string, n: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [SCRIPT, '--child', '--url', url.replace(/^http/, 'ws'), '--clients', String(n)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`clients exited (${code}) before ready`)));
  });
}

function clientFigures(child: ChildProcess): Promise<ClientFigures> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message as ClientFigures));
    child.send({ type: 'stop' } satisfies ToClients);
  });
}

interface Load {
  readonly posts: number;
  readonly runs: number;
  readonly postP50: number;
  readonly postP99: number;
  readonly failed: number;
}

/** `POST /api/v1/runs?count=K` every 100 ms for `seconds`, on a fixed schedule (a slow reply does not delay the next). */
async function driveLoad(url: string, perTick: number, seconds: number): Promise<Load> {
  const start = performance.now();
  const times: number[] = [];
  const pending: Promise<void>[] = [];
  let runs = 0;
  let failed = 0;
  for (let k = 0; k < (seconds * 1000) / TICK_MS; k++) {
    const due = start + k * TICK_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    const sent = performance.now();
    pending.push(
      fetch(`${url}/api/v1/runs?count=${perTick}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: JOB_ID }),
      })
        .then(async (res) => {
          const body = (await res.json()) as { runs?: Record<string, unknown> };
          times.push(performance.now() - sent);
          if (res.ok) runs += Object.keys(body.runs ?? {}).length;
          else failed++;
        })
        .catch(() => {
          failed++;
        }),
    );
  }
  await Promise.all(pending);
  times.sort((a, b) => a - b);
  return {
    posts: times.length,
    runs,
    postP50: percentile(times, 50),
    postP99: percentile(times, 99),
    failed,
  };
}

/** Waits until no run of the bench job is unfinished, then for the last batches to go out. */
async function drained(url: string): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  const query = `${url}/api/v1/runs?job_id=${JOB_ID}&state=new,scheduled,waiting,starting,running,stopping&limit=1&summary=true`;
  for (;;) {
    const body = (await (await fetch(query)).json()) as { runs: Record<string, unknown> };
    if (Object.keys(body.runs).length === 0) break;
    if (Date.now() > deadline) throw new Error('runs still unfinished two minutes after the load');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

async function main(): Promise<void> {
  const n = option('clients', 100);
  if (process.argv.includes('--child')) {
    const i = process.argv.indexOf('--url');
    await clients(process.argv[i + 1]!, n);
    return;
  }
  const rate = option('rate', 250);
  const seconds = option('seconds', 30);
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  console.log(`api-ws-fanout: ${machineLine()}`);
  console.log(
    `command: node dist/bench/api-ws-fanout.js --clients ${n} --rate ${rate} --seconds ${seconds}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-ws-'));
  const jobDir = join(dir, 'jobs');
  mkdirSync(join(jobDir, 'bench'), { recursive: true });
  writeFileSync(join(jobDir, `${JOB_ID}.yaml`), 'program: {type: no-op, duration: 0}\n');
  let daemon: Daemon | undefined;
  let child: ChildProcess | undefined;
  const interrupted = () => {
    daemon?.kill();
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    daemon = await Daemon.start({ dir, jobDir, dbPath: join(dir, 'apsis.db') });
    const url = daemon.url;
    const rssReady = daemon.rss();
    child = await startClients(url, n);
    const statsUrl = `${url}/api/v1/stats`;
    type Stats = { summary_publisher: { num_subs: number; latest_seq: number } };
    const before = ((await (await fetch(statsUrl)).json()) as Stats).summary_publisher;
    const subs = before.num_subs;
    console.log(`daemon ready in ${ms(daemon.readyMs)}, RSS ${mb(rssReady)}; ${subs} subscribers`);

    let rssPeak = 0;
    const d = daemon;
    const rssProbe = setInterval(() => (rssPeak = Math.max(rssPeak, d.rss())), 250);
    child.send({ type: 'start' } satisfies ToClients);
    daemon.mark();
    const loadStart = performance.now();
    const load = await driveLoad(url, perTick, seconds);
    const loadMs = performance.now() - loadStart;
    await drained(url);
    const doneMs = performance.now() - loadStart;
    const daemonFigures = await daemon.read();
    clearInterval(rssProbe);
    const stats = (await (await fetch(statsUrl)).json()) as Stats;
    const figures = await clientFigures(child);
    // Sequence numbers start at the daemon's start time × 1000 (so they grow across restarts).
    const published = stats.summary_publisher.latest_seq - before.latest_seq;

    console.log(
      `\n${n} subscribers in one child process; daemon in another; runs created by this process`,
    );
    printTable([
      ['figure', 'value'],
      [
        'runs created (POST count=' + perTick + ' every 100 ms)',
        `${count(load.runs)} in ${(loadMs / 1000).toFixed(1)} s (${(load.runs / (loadMs / 1000)).toFixed(0)}/s)`,
      ],
      [
        'POST latency p50 / p99; failed',
        `${ms(load.postP50)} / ${ms(load.postP99)}; ${load.failed}`,
      ],
      [
        'summary messages published (seq)',
        `${count(published)} = ${(published / Math.max(1, load.runs)).toFixed(2)} per run, ${(published / (doneMs / 1000)).toFixed(0)}/s`,
      ],
      [
        'run_transition messages per client (fewest / most)',
        `${count(figures.messagesMin)} / ${count(figures.messagesMax)}`,
      ],
      [
        'last message received, by seq (lowest client / highest)',
        `${count(figures.lastSeqMin - before.latest_seq)} / ${count(figures.lastSeqMax - before.latest_seq)} of ${count(published)}`,
      ],
      ['seq gaps (lost messages), all clients', count(figures.gaps)],
      [
        'sockets closed by the server / with 1013; socket errors',
        `${figures.closed} / ${figures.closed1013}; ${figures.errors}`,
      ],
      [
        'frames received per client: count / bytes / messages per frame',
        `${count(figures.frames / n)} / ${mb(figures.bytes / n)} / ${(figures.messagesMax / (figures.frames / n)).toFixed(0)}`,
      ],
      [
        'delivery lag p50 / p99 / max',
        `${ms(figures.lagP50)} / ${ms(figures.lagP99)} / ${ms(figures.lagMax)}`,
      ],
      ['worst client p99', ms(figures.clientP99Max)],
      [
        'daemon loop lag p99: time-weighted / per tick / monitorEventLoopDelay',
        `${ms(daemonFigures.loop.timeLagP99)} / ${ms(daemonFigures.loop.tickLagP99)} / ${ms(daemonFigures.eldP99)}`,
      ],
      [
        'daemon stalls > 20 ms: count / longest',
        `${daemonFigures.loop.stalls} / ${ms(daemonFigures.loop.longestStallMs)}`,
      ],
      [
        'daemon GC pauses: total / longest',
        `${ms(daemonFigures.gcMs)} / ${ms(daemonFigures.gcMaxMs)}`,
      ],
      [
        'daemon CPU (load + drain)',
        `${ms(daemonFigures.cpuMs)} = ${((100 * daemonFigures.cpuMs) / doneMs).toFixed(0)}% of a core`,
      ],
      [
        'client process CPU; its loop delay p99',
        `${((100 * figures.cpuMs) / doneMs).toFixed(0)}% of a core; ${ms(figures.eldP99)}`,
      ],
      [
        'daemon RSS ready / peak (250 ms samples) / end',
        `${mb(rssReady)} / ${mb(rssPeak)} / ${mb(daemon.rss())}`,
      ],
      [
        'daemon heapUsed / RSS at the end, after full GC',
        `${mb(daemonFigures.settledHeapUsed)} / ${mb(daemonFigures.settledRss)}`,
      ],
    ]);
  } finally {
    process.off('SIGINT', interrupted);
    child?.kill();
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
