import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTime, parseTime } from '../../src/time/index.js';
import { TestRuntime } from '../support/runtime.js';

const JOBS = {
  sleep: 'params: [n]\nprogram: {type: no-op, duration: 1h}\n',
  quick: 'params: [n]\nprogram: {type: no-op}\n',
  blocked: 'params: [n]\nprogram: {type: no-op}\ncondition: {type: const, value: false}\n',
};

async function withRuntime(fn: (t: TestRuntime) => Promise<void>): Promise<void> {
  const t = await TestRuntime.start(JOBS);
  try {
    await fn(t);
  } finally {
    await t.stop();
  }
}

const refused = (fn: () => unknown, message: string) =>
  assert.throws(fn, { name: 'OperationRefusedError', message });

describe('schedule', () => {
  it('runs a run scheduled for now at once, logging scheduled: now', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({ jobId: 'quick', args: { n: '1' } });
      await t.settle();
      assert.equal(t.run(run.runId).state, 'success');
      assert.deepEqual(t.log(run.runId), ['scheduled: now', 'starting', 'running', 'success']);
      assert.equal(t.run(run.runId).expected, false);
    }));

  it('keeps a run scheduled for later as a stored record until it is due', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({
        jobId: 'quick',
        args: { n: '1' },
        time: parseTime('2026-03-02T06:00:00Z'),
      });
      await t.settle();
      assert.equal(t.store.getRun(run.runId)?.state, 'scheduled');
      assert.equal(t.runtime.runActors.get(run.runId), undefined);
      await t.advanceTo('2026-03-02T05:59:59Z');
      assert.equal(t.run(run.runId).state, 'scheduled');
      await t.advance(1000);
      assert.equal(t.run(run.runId).state, 'success');
      assert.equal(
        formatTime(t.run(run.runId).times.starting as number),
        '2026-03-02T06:00:00+00:00',
      );
    }));

  it('makes an error run when the args do not match the params', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({ jobId: 'quick', args: { m: '1' } });
      await t.settle();
      assert.equal(t.run(run.runId).state, 'error');
      assert.deepEqual(t.log(run.runId), ['error: missing args (n) for job quick']);
      assert.equal(
        new TextDecoder().decode(t.store.getOutput(run.runId, 'output')?.data),
        'missing args (n) for job quick',
      );
    }));

  it('refuses an unknown job', () =>
    withRuntime(async (t) => {
      assert.throws(() => t.runtime.operations.schedule({ jobId: 'nope' }), {
        name: 'UnknownJobError',
        message: 'unknown job ID: nope',
      });
    }));

  it('never reuses a run id, across restarts', async () => {
    const t = await TestRuntime.start(JOBS);
    const ids = new Set<string>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++)
        ids.add(t.runtime.operations.schedule({ jobId: 'quick', args: { n: String(i) } }).runId);
      await t.settle();
      await t.restart();
    }
    assert.equal(ids.size, 15);
    await t.stop();
  });
});

describe('start and skip', () => {
  it('starts a waiting run at once, skipping its remaining conditions', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({ jobId: 'blocked', args: { n: '1' } });
      await t.settle();
      assert.equal(t.run(run.runId).state, 'waiting');
      t.runtime.operations.start(run.runId);
      await t.settle();
      assert.equal(t.run(run.runId).state, 'success');
      assert.ok(t.log(run.runId).includes('waiting run started by override'));
    }));

  it('skips a scheduled and a waiting run', () =>
    withRuntime(async (t) => {
      const later = t.runtime.operations.schedule({
        jobId: 'quick',
        args: { n: '1' },
        time: t.now + 3_600_000,
      });
      const waiting = t.runtime.operations.schedule({ jobId: 'blocked', args: { n: '1' } });
      await t.settle();
      t.runtime.operations.skip(later.runId);
      t.runtime.operations.skip(waiting.runId);
      await t.settle();
      assert.equal(t.run(later.runId).state, 'skipped');
      assert.equal(t.run(waiting.runId).state, 'skipped');
      await t.advance(2 * 3_600_000);
      assert.equal(t.run(later.runId).state, 'skipped');
    }));

  it('refuses to start or skip a running or finished run, in Apsis words', () =>
    withRuntime(async (t) => {
      const running = t.runtime.operations.schedule({ jobId: 'sleep', args: { n: '1' } });
      const done = t.runtime.operations.schedule({ jobId: 'quick', args: { n: '1' } });
      await t.settle();
      refused(
        () => t.runtime.operations.skip(running.runId),
        `can't skip ${running.runId} in state running`,
      );
      refused(
        () => t.runtime.operations.start(done.runId),
        `can't start ${done.runId} in state success`,
      );
    }));

  it('reports an unknown or malformed run id as not found', () =>
    withRuntime(async (t) => {
      assert.throws(() => t.runtime.operations.skip('r999999'), { name: 'RunNotFoundError' });
      assert.throws(() => t.runtime.operations.getRun('x12'), {
        name: 'RunNotFoundError',
        message: 'unknown run ID: x12',
      });
    }));
});

describe('stop and signal', () => {
  it('stops a running run: stopping, then the program ends it', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({ jobId: 'sleep', args: { n: '1' } });
      await t.settle();
      t.runtime.operations.stop(run.runId);
      await t.settle();
      const stopped = t.run(run.runId);
      assert.equal(stopped.state, 'error');
      assert.deepEqual(t.log(run.runId).slice(-2), ['stopping', 'error: program stopped']);
    }));

  it('refuses to stop a run that is not running', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({ jobId: 'blocked', args: { n: '1' } });
      await t.settle();
      refused(
        () => t.runtime.operations.stop(run.runId),
        `can't stop run ${run.runId}: run is waiting`,
      );
    }));

  it('fails to signal a no-op program, logging the attempt and the failure', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({ jobId: 'sleep', args: { n: '1' } });
      await t.settle();
      await assert.rejects(t.runtime.operations.signal(run.runId, 'USR1'), {
        name: 'OperationFailedError',
        message: 'sending SIGUSR1 failed',
      });
      await t.settle();
      assert.deepEqual(t.log(run.runId).slice(-2), [
        'sending SIGUSR1',
        'sending SIGUSR1 failed: no-op programs cannot be signalled',
      ]);
      assert.equal(t.run(run.runId).state, 'running');
    }));

  it('refuses a signal to a run that is not running', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({ jobId: 'blocked', args: { n: '1' } });
      await t.settle();
      await assert.rejects(t.runtime.operations.signal(run.runId, 15), {
        name: 'OperationRefusedError',
        message: 'invalid run state for signal: waiting',
      });
      await assert.rejects(t.runtime.operations.signal(run.runId, 'SIGNOPE'), {
        message: 'not a signal: SIGNOPE',
      });
    }));
});

describe('mark and rerun', () => {
  it('marks a finished run as another finished state', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.schedule({ jobId: 'quick', args: { n: '1' } });
      await t.settle();
      t.runtime.operations.mark(run.runId, 'failure');
      await t.settle();
      assert.equal(t.run(run.runId).state, 'failure');
      assert.equal(t.store.getRun(run.runId)?.state, 'failure');
      assert.equal(t.log(run.runId).at(-1), 'marked as failure');
    }));

  it('refuses marks Apsis refuses, with its messages', () =>
    withRuntime(async (t) => {
      const done = t.runtime.operations.schedule({ jobId: 'quick', args: { n: '1' } });
      const waiting = t.runtime.operations.schedule({ jobId: 'blocked', args: { n: '1' } });
      await t.settle();
      refused(
        () => t.runtime.operations.mark(done.runId, 'running'),
        `can't mark ${done.runId} to state running`,
      );
      refused(
        () => t.runtime.operations.mark(waiting.runId, 'success'),
        `can't mark ${waiting.runId} in state waiting`,
      );
      refused(
        () => t.runtime.operations.mark(done.runId, 'success'),
        `run ${done.runId} already in state success`,
      );
    }));

  it('reruns a run with the same args, bound now, logging where it came from', () =>
    withRuntime(async (t) => {
      const first = t.runtime.operations.schedule({
        jobId: 'quick',
        args: { n: '7' },
        stopTime: t.now + 60_000,
      });
      await t.settle();
      const rerun = t.runtime.operations.rerun(first.runId);
      await t.settle();
      assert.notEqual(rerun.runId, first.runId);
      assert.deepEqual(t.run(rerun.runId).args, { n: '7' });
      assert.equal(t.run(rerun.runId).state, 'success');
      assert.equal(t.run(rerun.runId).times.stop, first.times.stop);
      assert.ok(t.log(rerun.runId).includes(`scheduled as rerun of ${first.runId}`));
    }));
});

describe('ad hoc jobs', () => {
  it('runs an inline job under a fresh adhoc- id, stored with the run', () =>
    withRuntime(async (t) => {
      const run = t.runtime.operations.scheduleAdHoc(
        { params: ['n'], program: { type: 'no-op' } },
        { args: { n: '1' } },
      );
      await t.settle();
      assert.match(run.jobId, /^adhoc-[A-Za-z]{12}$/);
      assert.equal(t.run(run.runId).state, 'success');
      const [stored] = t.store.jobs();
      assert.equal(stored?.jobId, run.jobId);
      assert.equal((stored?.job as { ad_hoc: boolean }).ad_hoc, true);
    }));

  it('keeps ad hoc jobs across a restart', async () => {
    const t = await TestRuntime.start(JOBS);
    const run = t.runtime.operations.scheduleAdHoc(
      { program: { type: 'no-op' } },
      { time: t.now + 3_600_000 },
    );
    await t.settle();
    await t.restart();
    await t.advance(3_600_000);
    assert.equal(t.run(run.runId).state, 'success');
    await t.stop();
  });

  it('refuses an invalid inline job, listing every problem', () =>
    withRuntime(async (t) => {
      assert.throws(
        () => t.runtime.operations.scheduleAdHoc({ program: { type: 'shell' }, conditions: [] }),
        {
          name: 'InvalidJobError',
          message:
            /invalid job: program\.type: unknown program type: shell .*; unexpected keys: conditions/,
        },
      );
      assert.deepEqual(t.store.jobs(), []);
    }));
});

describe('supervision', () => {
  it('ends a run whose actor crashes in error, with the message in its log and output, and carries on', async () => {
    const { noOpDriver } = await import('../../src/programs/index.js');
    const t = await TestRuntime.start(JOBS, {
      drivers: {
        'no-op': {
          start: (program, context) => {
            if (program.duration !== 7) return noOpDriver.start(program, context);
            // Metadata that cannot be stored: persisting the transition throws.
            const updates = (async function* () {
              yield { type: 'running' as const, runState: {}, meta: { bad: 1n } };
            })();
            return {
              updates,
              stop: async () => undefined,
              signal: async () => undefined,
              detach: () => undefined,
            };
          },
          reconnect: noOpDriver.reconnect,
        },
      },
    });
    const { jobsFrom } = await import('../support/runtime.js');
    t.runtime.replaceJobs(jobsFrom({ ...JOBS, crashy: 'program: {type: no-op, duration: 7s}\n' }));
    const crashed = t.runtime.operations.schedule({ jobId: 'crashy' });
    await t.settle();
    const after = t.runtime.operations.schedule({ jobId: 'quick', args: { n: '2' } });
    await t.settle();
    assert.equal(t.run(crashed.runId).state, 'error');
    const message = t.log(crashed.runId).at(-1) ?? '';
    assert.match(message, /^error: .*BigInt/);
    assert.match(
      new TextDecoder().decode(t.store.getOutput(crashed.runId, 'output')?.data),
      /BigInt/,
    );
    assert.equal(t.run(after.runId).state, 'success');
    await t.stop();
  });
});
