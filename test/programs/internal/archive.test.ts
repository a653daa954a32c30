import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { archiveDriver } from '../../../src/programs/index.js';
import { createHousekeeping } from '../../../src/runtime/housekeeping.js';
import { ARCHIVED_TABLES } from '../../../src/store/index.js';
import { WorkerPool } from '../../../src/worker-pool/index.js';
import { isFinished, seedFinishedRuns, until } from '../../support/housekeeping.js';
import { TestRuntime } from '../../support/runtime.js';
import { peek } from '../../support/store.js';
import { tempDir } from '../../support/temp-dir.js';
import { testTasks } from '../../support/worker-tasks.js';

function archiveJob(path: string, fields: string): string {
  return `program: {type: apsis.program.internal.archive.ArchiveProgram, age: 1d, path: ${JSON.stringify(path)}, ${fields}}\n`;
}

async function setup(fields: string, extra: Record<string, string> = {}) {
  const archivePath = join(tempDir('apsis-archive-'), 'archive.db');
  const t = await TestRuntime.start({
    old: 'program: {type: no-op}\n',
    archive: archiveJob(archivePath, fields),
    ...extra,
  });
  after(() => t.stop());
  return { t, archivePath };
}

/** Rows of each archived table per run id, in a file. */
function rowsByRun(path: string, runIds: readonly string[]): Record<string, number[]> {
  const db = peek(path);
  return Object.fromEntries(
    ARCHIVED_TABLES.map((table) => [
      table,
      runIds.map(
        (id) =>
          db.prepare(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(id) as number,
      ),
    ]),
  );
}

const ONCE_EACH = (n: number) => ({
  runs: Array(n).fill(1),
  run_log: Array(n).fill(1),
  output: Array(n).fill(2),
  output_chunk: Array(n).fill(2),
  run_transition: Array(n).fill(1),
});
const NONE = (n: number) => Object.fromEntries(ARCHIVED_TABLES.map((t) => [t, Array(n).fill(0)]));

describe('archive program (apsis-model.md §6.4)', () => {
  it('moves eligible runs with their logs, outputs, chunks and transitions, oldest first, in chunks', async () => {
    const { t, archivePath } = await setup('count: 10, chunk_size: 2');
    const old = await seedFinishedRuns(t.store, t.now, 5);
    const recent = await seedFinishedRuns(t.store, t.now, 1, { ageMs: 3_600_000 });
    const runId = await t.submit('archive');
    await until(t, () => isFinished(t, runId), 'the archive run');

    const run = t.run(runId);
    assert.equal(run.state, 'success');
    const meta = run.meta.program as Record<string, unknown>;
    assert.equal(meta['run count'], 5);
    assert.deepEqual(meta.run_ids, [old.slice(0, 2), old.slice(2, 4), old.slice(4)]);
    assert.deepEqual(meta['row counts'], {
      runs: 5,
      run_log: 5,
      output: 10,
      output_chunk: 10,
      run_transition: 5,
    });
    const time = meta.time as Record<string, number>;
    assert.equal(typeof time['get runs'], 'number');
    assert.equal(typeof time['archive runs'], 'number');

    assert.deepEqual(rowsByRun(t.dbPath, old), NONE(5));
    assert.deepEqual(rowsByRun(archivePath, old), ONCE_EACH(5));
    assert.deepEqual(rowsByRun(t.dbPath, recent), ONCE_EACH(1));
    assert.equal(t.store.getRun(old[0] as string), undefined);
  });

  it('fails with the spec’s message when count runs out while eligible runs remain', async () => {
    const { t } = await setup('count: 3, chunk_size: 2');
    const old = await seedFinishedRuns(t.store, t.now, 5);
    const runId = await t.submit('archive');
    await until(t, () => isFinished(t, runId), 'the archive run');
    const run = t.run(runId);
    assert.equal(run.state, 'failure');
    assert.deepEqual(t.log(runId).slice(-1), [
      'failure: archive count 3 exhausted with 2 eligible runs remaining; increase count or archive more frequently',
    ]);
    const meta = run.meta.program as Record<string, unknown>;
    assert.equal(meta['run count'], 3);
    assert.deepEqual(meta.run_ids, [old.slice(0, 2), old.slice(2, 3)]);
  });

  it('succeeds when count is spent exactly and nothing eligible is left', async () => {
    const { t } = await setup('count: 4, chunk_size: 2');
    await seedFinishedRuns(t.store, t.now, 4);
    const runId = await t.submit('archive');
    await until(t, () => isFinished(t, runId), 'the archive run');
    assert.equal(t.run(runId).state, 'success');
  });

  it('deletes ad hoc jobs left without runs, in the database and in memory', async () => {
    const { t } = await setup('count: 10');
    const adHoc = t.runtime.operations.scheduleAdHoc({ program: { type: 'no-op' } });
    await t.settle();
    const adHocJob = t.run(adHoc.runId).jobId;
    assert.equal(t.run(adHoc.runId).state, 'success');
    await t.advance(2 * 86_400_000);
    const runId = await t.submit('archive');
    await until(t, () => isFinished(t, runId), 'the archive run');
    assert.equal(t.run(runId).state, 'success');
    const meta = t.run(runId).meta.program as Record<string, unknown>;
    assert.deepEqual(meta['jobs deleted'], [adHocJob]);
    assert.deepEqual(t.store.jobs(), []);
    assert.equal(t.runtime.jobs.get(adHocJob), undefined);
  });

  it('resumes after a restart between chunks: nothing lost, nothing duplicated, metadata whole', async () => {
    // chunk_sleep waits on the manual clock, so the run stops between chunks.
    const { t, archivePath } = await setup('count: 10, chunk_size: 2, chunk_sleep: 60');
    const old = await seedFinishedRuns(t.store, t.now, 5);
    const runId = await t.submit('archive');
    await until(
      t,
      () => (t.store.getRun(runId)?.runState as { budget?: number } | null)?.budget === 8,
      'the first chunk',
    );
    await t.restart();
    assert.equal(t.run(runId).state, 'running');
    assert.ok(t.log(runId).includes('reconnecting') || t.log(runId).includes('restored'));
    await until(t, () => isFinished(t, runId), 'the resumed run', { advanceMs: 60_000 });

    const run = t.run(runId);
    assert.equal(run.state, 'success');
    const meta = run.meta.program as Record<string, unknown>;
    assert.equal(meta['run count'], 5);
    assert.deepEqual(meta.run_ids, [old.slice(0, 2), old.slice(2, 4), old.slice(4)]);
    assert.deepEqual(rowsByRun(t.dbPath, old), NONE(5));
    assert.deepEqual(rowsByRun(archivePath, old), ONCE_EACH(5));
  });

  it('stops between chunks when the run is stopped, ending in error', async () => {
    const { t } = await setup('count: 10, chunk_size: 2, chunk_sleep: 60');
    await seedFinishedRuns(t.store, t.now, 5);
    const runId = await t.submit('archive');
    await until(
      t,
      () => (t.store.getRun(runId)?.runState as { budget?: number } | null)?.budget === 8,
      'the first chunk',
    );
    await t.runtime.operations.stop(runId);
    await until(t, () => isFinished(t, runId), 'the stopped run');
    assert.equal(t.run(runId).state, 'error');
    assert.ok(t.log(runId).includes('error: program stopped'), t.log(runId).join('\n'));
    assert.equal((t.run(runId).meta.program as Record<string, unknown>)['run count'], 2);
  });

  it('fails the run with a clear message when its worker crashes, and the next task runs', async () => {
    const pool = new WorkerPool();
    after(() => pool.close());
    const archivePath = join(tempDir('apsis-archive-'), 'archive.db');
    let crash = true;
    const t = await TestRuntime.start(
      { archive: archiveJob(archivePath, 'count: 10'), old: 'program: {type: no-op}\n' },
      {
        workers: pool,
        drivers: {
          archive: archiveDriver({
            ...lateHousekeeping(() => t),
            archiveChunk: async (request, signal) => {
              if (!crash) return lateHousekeeping(() => t).archiveChunk(request, signal);
              crash = false;
              return (await pool.run(testTasks.exit, {}, { signal })) as never;
            },
          }),
        },
      },
    );
    after(() => t.stop());
    await seedFinishedRuns(t.store, t.now, 3);
    const crashed = await t.submit('archive');
    await until(t, () => isFinished(t, crashed), 'the crashed run');
    assert.equal(t.run(crashed).state, 'error');
    assert.deepEqual(t.log(crashed).slice(-1), [
      'error: worker task test-exit crashed: worker exited with code: 3',
    ]);
    const next = await t.submit('archive');
    await until(t, () => isFinished(t, next), 'the next run');
    assert.equal(t.run(next).state, 'success');
    assert.equal((t.run(next).meta.program as Record<string, unknown>)['run count'], 3);
    assert.equal(pool.stats().crashed, 1);
  });
});

/** The runtime's own housekeeping, made when first used (the runtime exists by then). */
function lateHousekeeping(runtime: () => TestRuntime) {
  const make = () => {
    const { runtime: r } = runtime();
    return createHousekeeping({
      clock: r.clock,
      store: r.store,
      registry: r.registry,
      jobs: r.jobs,
      stats: r.stats,
      workers: r.workers,
    });
  };
  return {
    archiveChunk: (...args: Parameters<ReturnType<typeof make>['archiveChunk']>) =>
      make().archiveChunk(...args),
    countArchivable: (cutoff: number, signal: AbortSignal) =>
      make().countArchivable(cutoff, signal),
    committed: () => make().committed(),
    forgetJobs: (ids: readonly string[]) => make().forgetJobs(ids),
    shareWriteLock: () => make().shareWriteLock(),
  };
}
