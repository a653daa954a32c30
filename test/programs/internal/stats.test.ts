import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isFinished, until } from '../../support/housekeeping.js';
import { TestRuntime } from '../../support/runtime.js';
import { tempDir } from '../../support/temp-dir.js';

describe('stats program (apsis-model.md §6.4, §10)', () => {
  it('outputs the stats as JSON, appends a line per run to path, and succeeds', async () => {
    const path = join(tempDir('apsis-stats-'), 'stats.jsonl');
    const t = await TestRuntime.start({
      stats: `program: {type: apsis.program.internal.stats.StatsProgram, path: ${JSON.stringify(path)}}\n`,
    });
    after(() => t.stop());
    const first = await t.submit('stats');
    await until(t, () => isFinished(t, first), 'the first run');
    const second = await t.submit('stats');
    await until(t, () => isFinished(t, second), 'the second run');
    assert.equal(t.run(first).state, 'success');

    const output = t.store.getOutput(first, 'output');
    assert.equal(output?.contentType, 'application/json');
    const stats = JSON.parse(Buffer.from(output?.data ?? []).toString()) as Record<
      string,
      Record<string, unknown>
    >;
    for (const key of ['start_time', 'time', 'async', 'tasks', 'run_store', 'sqlite', 'workers'])
      assert.ok(key in stats, key);
    for (const key of ['latency_p50', 'latency_p90', 'latency_p99', 'latency_max'])
      assert.equal(typeof stats.async?.[key], 'number', key);
    assert.equal(stats.sqlite?.page_size, 8192);
    assert.equal(stats.workers?.max_threads, 1);
    assert.equal(stats.actors?.runs, 1, 'the stats run itself');

    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    assert.deepEqual(Object.keys(JSON.parse(lines[0] as string)), Object.keys(stats));
  });

  it('errs with the reason when path cannot be written', async () => {
    const t = await TestRuntime.start({
      stats: 'program: {type: stats, path: /nonexistent/dir/stats.jsonl}\n',
    });
    after(() => t.stop());
    const runId = await t.submit('stats');
    await until(t, () => isFinished(t, runId), 'the run');
    assert.equal(t.run(runId).state, 'error');
    assert.match(t.log(runId).at(-1) ?? '', /^error: ENOENT: no such file or directory/);
  });

  it('survives a restart that cut it off: the restored run reads the stats again', async () => {
    const t = await TestRuntime.start({ stats: 'program: {type: stats}\n' });
    after(() => t.stop());
    const n = t.store.reserveRunNumbers(1);
    t.store.insertRun({
      runId: `r${n}`,
      jobId: 'stats',
      args: {},
      state: 'running',
      times: { running: t.now },
      meta: {},
      program: { type: 'stats', path: null },
      conds: [],
      actions: [],
      runState: {},
      timestamp: t.now,
      expected: false,
    });
    await t.store.committed();
    await t.restart();
    await until(t, () => isFinished(t, `r${n}`), 'the restored run');
    assert.equal(t.run(`r${n}`).state, 'success');
    assert.ok(t.store.getOutput(`r${n}`, 'output'));
  });
});
