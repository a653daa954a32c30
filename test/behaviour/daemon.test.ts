import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRunStore, openDatabase, type RunRecord } from '../../src/store/index.js';
import { ManualClock } from '../../src/time/index.js';
import { Daemon, sleep } from '../support/daemon.js';
import { tempDir, writeFiles } from '../support/temp-dir.js';

const CONFIG = 'job_dir: jobs\ndatabase: apsis.db\nschedule:\n  horizon: 1h\n';

const JOBS = {
  'jobs/tick.yaml':
    'params: [time]\nschedule: {type: interval, interval: 1s}\nprogram: {type: no-op, duration: 0.3s}\n',
  'jobs/slow.yaml':
    'params: [time]\nschedule: {type: interval, interval: 2s}\nprogram: {type: no-op, duration: 1.5s}\n',
  'jobs/chain.yaml':
    'params: [time]\nschedule: {type: interval, interval: 1s}\nprogram: {type: no-op}\n' +
    'condition: {type: dependency, job_id: tick, args: {time: "{{ time }}"}}\n',
};

function readRuns(dir: string): { runs: RunRecord[]; logs: Map<string, string[]> } {
  const store = createRunStore(openDatabase(join(dir, 'apsis.db')), { clock: new ManualClock(0) });
  const runs = store.queryRuns({});
  const logs = new Map(runs.map((r) => [r.runId, store.runLog(r.runId).map((e) => e.message)]));
  store.close();
  return { runs, logs };
}

/** A small seeded PRNG (mulberry32): kill moments are random but repeatable. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function startDaemon(dir: string): Promise<Daemon> {
  const daemon = new Daemon(['--config', join(dir, 'apsis.yaml')]);
  await daemon.waitFor('ready');
  return daemon;
}

/** Every schedule time of a job, in order; checks none is missing or doubled. */
function assertContiguous(runs: RunRecord[], jobId: string, stepMs: number): number {
  const times = runs.filter((r) => r.jobId === jobId).map((r) => r.times.schedule as number);
  assert.ok(times.length > 0, `no runs of ${jobId}`);
  const sorted = [...times].sort((a, b) => a - b);
  assert.equal(new Set(sorted).size, sorted.length, `${jobId}: a schedule time was created twice`);
  for (let i = 1; i < sorted.length; i++) {
    assert.equal(
      (sorted[i] as number) - (sorted[i - 1] as number),
      stepMs,
      `${jobId}: a run is missing after ${new Date(sorted[i - 1] as number).toISOString()}`,
    );
  }
  return sorted.length;
}

describe('the daemon', () => {
  it('creates its database, runs jobs, and shuts down cleanly on SIGTERM, restorable', async () => {
    const dir = tempDir('apsis-daemon-');
    writeFiles(dir, { 'apsis.yaml': CONFIG, ...JOBS });
    let daemon = await startDaemon(dir);
    await sleep(2500);
    daemon.kill('SIGTERM');
    assert.deepEqual(await daemon.exited, { code: 0, signal: null });
    await daemon.waitFor('stopped');
    daemon = await startDaemon(dir);
    await sleep(1500);
    daemon.kill('SIGTERM');
    assert.equal((await daemon.exited).code, 0);
    const { runs } = readRuns(dir);
    assertContiguous(runs, 'tick', 1000);
    assertContiguous(runs, 'slow', 2000);
    assert.ok(runs.filter((r) => r.jobId === 'tick' && r.state === 'success').length >= 2);
  });

  it('refuses to start when a job is bad, listing every problem', async () => {
    const dir = tempDir('apsis-daemon-');
    writeFiles(dir, {
      'apsis.yaml': CONFIG,
      'jobs/good.yaml': 'program: {type: no-op}\n',
      'jobs/bad.yaml': 'program: {type: shell, command: x}\nconditions: []\n',
    });
    const daemon = new Daemon(['--config', join(dir, 'apsis.yaml')]);
    const { code } = await daemon.exited;
    assert.equal(code, 1);
    assert.match(
      daemon.stderr,
      /bad: .*bad\.yaml:1:\d+: program\.type: unknown program type: shell/,
    );
    assert.match(daemon.stderr, /bad: .*bad\.yaml:2:1: unexpected keys: conditions/);
    assert.match(daemon.stderr, /refusing to start: 2 problems/);
  });

  it('loses nothing and runs nothing twice when killed with SIGKILL at random moments', async () => {
    const dir = tempDir('apsis-chaos-');
    writeFiles(dir, { 'apsis.yaml': CONFIG, ...JOBS });
    const random = prng(20261123);
    for (let round = 0; round < 8; round++) {
      const daemon = await startDaemon(dir);
      await sleep(150 + Math.floor(random() * 1400));
      daemon.kill('SIGKILL');
      assert.equal((await daemon.exited).signal, 'SIGKILL');
    }
    const last = await startDaemon(dir);
    await sleep(2500);
    last.kill('SIGTERM');
    assert.equal((await last.exited).code, 0);

    const { runs, logs } = readRuns(dir);
    // Nothing lost, nothing created twice: every second has exactly one tick.
    const ticks = assertContiguous(runs, 'tick', 1000);
    assertContiguous(runs, 'slow', 2000);
    assertContiguous(runs, 'chain', 1000);
    assert.ok(ticks >= 10, `only ${ticks} ticks`);

    for (const run of runs) {
      const log = logs.get(run.runId) ?? [];
      // Never started twice: one `starting` at most, whatever the restarts.
      assert.ok(
        log.filter((m) => m === 'starting').length <= 1,
        `${run.runId} started twice: ${log.join(' | ')}`,
      );
      // Nothing left half-done: starting, stopping and new end in error on restore.
      assert.ok(
        !['new', 'starting', 'stopping'].includes(run.state) || run === runs.at(-1),
        `${run.runId} left ${run.state}`,
      );
      if (run.state === 'error') {
        assert.ok(
          log.some((m) => m.startsWith('restored ') || m.startsWith('error: ')),
          `${run.runId} in error without a reason: ${log.join(' | ')}`,
        );
      }
    }

    // A chain run never started before the tick it depends on succeeded.
    const tickByTime = new Map(runs.filter((r) => r.jobId === 'tick').map((r) => [r.args.time, r]));
    for (const chain of runs.filter((r) => r.jobId === 'chain' && r.times.starting !== undefined)) {
      const tick = tickByTime.get(chain.args.time);
      assert.ok(
        tick?.times.success !== undefined && tick.times.success <= (chain.times.starting as number),
        `${chain.runId} ran before its tick`,
      );
    }
  });
});
