import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isFinished, seedFinishedRuns, until } from '../../support/housekeeping.js';
import { TestRuntime } from '../../support/runtime.js';
import { tempDir } from '../../support/temp-dir.js';

const size = (path: string) => statSync(path).size;

describe('vacuum program (apsis-model.md §6.4)', () => {
  it('shrinks the file after an archive while the runtime keeps scheduling', async () => {
    const archivePath = join(tempDir('apsis-archive-'), 'archive.db');
    const t = await TestRuntime.start({
      old: 'program: {type: no-op}\n',
      quick: 'program: {type: no-op}\n',
      archive: `program: {type: archive, age: 1d, path: ${JSON.stringify(archivePath)}, count: 5000, chunk_size: 500}\n`,
      vacuum: 'program: {type: apsis.program.internal.vacuum.VacuumProgram}\n',
    });
    after(() => t.stop());
    // 12 MB to archive, 12 MB that stays (and that VACUUM copies).
    await seedFinishedRuns(t.store, t.now, 1500, { bytes: 8000 });
    await seedFinishedRuns(t.store, t.now, 1500, { bytes: 8000, ageMs: 3_600_000 });
    const archive = await t.submit('archive');
    await until(t, () => isFinished(t, archive), 'the archive run');
    assert.equal(t.run(archive).state, 'success');
    const before = t.runtime.store.databaseFigures();
    assert.ok(before.freelist_count > 1000, `free pages ${before.freelist_count}`);

    const vacuum = await t.submit('vacuum');
    // While VACUUM holds the write lock, the scheduler goes on: a run is
    // created and decided; its writes wait in memory instead of blocking.
    const quick = await t.submit('quick');
    const heldMeanwhile = t.runtime.store.stats().held;
    await until(t, () => isFinished(t, vacuum) && isFinished(t, quick), 'vacuum and quick');

    assert.equal(t.run(vacuum).state, 'success');
    assert.equal(t.run(quick).state, 'success');
    assert.equal(heldMeanwhile, true);
    assert.equal(t.runtime.store.stats().held, false);
    const meta = t.run(vacuum).meta.program as {
      time: number;
      before: { file_bytes: number };
      after: { freelist_count: number };
    };
    assert.equal(typeof meta.time, 'number');
    assert.equal(meta.after.freelist_count, 0);
    assert.ok(size(t.dbPath) < meta.before.file_bytes * 0.7);
    assert.deepEqual(t.log(vacuum).slice(-2), ['running', 'success']);
  });

  it('runs again after a restart that cut it off, instead of erring', async () => {
    const t = await TestRuntime.start({ vacuum: 'program: {type: vacuum}\n' });
    after(() => t.stop());
    const n = t.store.reserveRunNumbers(1);
    t.store.insertRun({
      runId: `r${n}`,
      jobId: 'vacuum',
      args: {},
      state: 'running',
      times: { running: t.now },
      meta: {},
      program: { type: 'vacuum' },
      conds: [],
      actions: [],
      runState: {},
      timestamp: t.now,
      expected: false,
    });
    await t.store.committed();
    await t.restart();
    await until(t, () => isFinished(t, `r${n}`), 'the restored vacuum');
    assert.equal(t.run(`r${n}`).state, 'success');
  });
});
