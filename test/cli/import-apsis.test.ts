import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createProgressReporter,
  formatClock,
  progressLine,
  type ImportApsisDeps,
} from '../../src/cli/import-apsis.js';
import { createRunStore, openDatabase } from '../../src/store/index.js';
import { ManualClock, parseTime } from '../../src/time/index.js';
import { ApsisDbBuilder, type ApsisRun } from '../support/apsis-db.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

const T = parseTime('2026-03-01T00:00:00Z');

const run = (rowid: number, state = 'success'): ApsisRun => ({
  rowid,
  jobId: 'report',
  args: { date: '2026-03-01' },
  state,
  times: { schedule: T, running: T + 1000, [state]: T + 2000 },
  timestamp: T + 2000,
  program: {
    type: 'apsis.program.procstar.agent.BoundProcstarProgram',
    argv: ['/usr/bin/bash', '-c', 'echo hi'],
    group_id: 'default',
  },
  conds: [],
  actions: [],
});

/** A small Apsis database: three runs with logs and an output, and `bad` malformed runs. */
function apsisDb(dir: string, bad = 0): string {
  const path = join(dir, 'apsis.db');
  const b = new ApsisDbBuilder(path, { clockMs: T + 3_600_000, nextRunId: 65 });
  for (let n = 1; n <= 3; n++)
    b.run(run(n))
      .log(`r${n}`, T + 1000, 'running')
      .log(`r${n}`, T + 2000, 'success');
  b.output('r1', Buffer.from('hi\n'));
  for (let i = 0; i < bad; i++) b.run({ ...run(4 + i), state: 'paused' });
  b.close();
  return path;
}

function openStore(path: string) {
  return createRunStore(openDatabase(path), { clock: new ManualClock(0) });
}

describe('apsisctl import-apsis', () => {
  it('creates our database from an Apsis one and prints a summary', async () => {
    const dir = tempDir();
    const old = apsisDb(dir);
    const ours = join(dir, 'ours.db');
    const result = await runCli('apsisctl', ['import-apsis', old, '--db', ours]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(
        `^imported ${old} into ${ours} in \\d+\\.\\d s\n` +
          '  runs                   3\n' +
          '  run log                6 lines\n' +
          '  outputs                1\n' +
          '  ad hoc jobs            0\n' +
          '  clock       2026-03-01T01:00:00\\+00:00\n' +
          '  next run    r65\n$',
      ),
    );
    // Not a terminal: a line per tenth of each phase, no bar.
    assert.match(result.stderr, /^import-apsis: runs 100% \(3\/3\)$/m);
    assert.doesNotMatch(result.stderr, /\r/);
    assert.ok(!existsSync(`${ours}.importing`));
    const store = openStore(ours);
    assert.deepEqual(
      store.queryRuns({}).map((r) => [r.runId, r.state]),
      [
        ['r1', 'success'],
        ['r2', 'success'],
        ['r3', 'success'],
      ],
    );
    assert.equal(store.runLog('r3').length, 2);
    assert.equal(Buffer.from(store.getOutput('r1', 'output')!.data).toString(), 'hi\n');
    assert.equal(store.reserveRunNumbers(1), 65);
    store.close();
  });

  it('reports each skipped run with its id, and exits 1 with the rest imported', async () => {
    const dir = tempDir();
    const old = apsisDb(dir, 2);
    const ours = join(dir, 'ours.db');
    const result = await runCli('apsisctl', ['import-apsis', old, '--db', ours, '--no-progress']);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'r4: state: unknown state "paused"; skipped\nr5: state: unknown state "paused"; skipped\n',
    );
    assert.match(result.stdout, /^ {2}runs {19}3 \(2 skipped\)$/m);
    assert.match(result.stdout, /^2 problems, each reported above with its run or job id$/m);
    const store = openStore(ours);
    assert.equal(store.countRuns(), 3);
    store.close();
  });

  it("imports into the config's database when no --db is given", async () => {
    const dir = tempDir();
    const old = apsisDb(dir);
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'database: ours.db\n');
    const result = await runCli('apsisctl', ['import-apsis', old, '--config', config]);
    assert.equal(result.code, 0, result.stderr);
    const store = openStore(join(dir, 'ours.db'));
    assert.equal(store.countRuns(), 3);
    store.close();
  });

  it('refuses a database that already has runs, and leaves it as it was', async () => {
    const dir = tempDir();
    const old = apsisDb(dir);
    const ours = join(dir, 'ours.db');
    await runCli('apsisctl', ['import-apsis', old, '--db', ours]);
    const again = await runCli('apsisctl', ['import-apsis', old, '--db', ours]);
    assert.equal(again.code, 2);
    assert.equal(
      again.stderr,
      `apsisctl: error: ${ours} already has 3 runs; import-apsis fills an empty database only (give a new path: it is created)\n`,
    );
    const store = openStore(ours);
    assert.equal(store.countRuns(), 3);
    store.close();
  });

  it('fills an empty database made by apsisctl create', async () => {
    const dir = tempDir();
    const old = apsisDb(dir);
    const ours = join(dir, 'ours.db');
    assert.equal((await runCli('apsisctl', ['create', ours])).code, 0);
    const result = await runCli('apsisctl', ['import-apsis', old, '--db', ours]);
    assert.equal(result.code, 0, result.stderr);
    const store = openStore(ours);
    assert.equal(store.countRuns(), 3);
    assert.equal(store.clockTime(), T + 3_600_000);
    store.close();
  });

  it('fails without creating anything when the Apsis database is missing or not Apsis', async () => {
    const dir = tempDir();
    const ours = join(dir, 'ours.db');
    const missing = await runCli('apsisctl', ['import-apsis', join(dir, 'nope.db'), '--db', ours]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `apsisctl: error: no Apsis database at ${join(dir, 'nope.db')}\n`);
    assert.ok(!existsSync(ours));
    assert.ok(!existsSync(`${ours}.importing`));
    await runCli('apsisctl', ['create', join(dir, 'mine.db')]);
    const mine = await runCli('apsisctl', ['import-apsis', join(dir, 'mine.db'), '--db', ours]);
    assert.equal(mine.code, 2);
    assert.match(mine.stderr, /is an apsis-ts database, not an Apsis one/);
    assert.ok(!existsSync(ours));
  });
});

describe('import-apsis progress', () => {
  function terminal(isTTY: boolean) {
    let err = '';
    let now = 0;
    const deps: ImportApsisDeps = {
      io: { out: () => undefined, err: (t) => void (err += t) },
      isTTY,
      columns: 100,
      now: () => now,
    };
    return {
      deps,
      tick: (ms: number) => void (now += ms),
      get err() {
        return err;
      },
    };
  }

  it('draws one line with the bar, count, rate and time left', () => {
    assert.equal(
      progressLine({ phase: 'runs', done: 250_000, total: 1_000_000 }, 5000, 99),
      'runs     [########----------------------]  25%    250,000/1,000,000     50,000/s  ETA 0:15',
    );
    assert.equal(formatClock(3725), '1:02:05');
    assert.equal(progressLine({ phase: 'runs', done: 5, total: 10 }, 0, 20).length, 20);
  });

  it('redraws the line in place on a terminal, and prints problems above it', () => {
    const t = terminal(true);
    const reporter = createProgressReporter(t.deps, true);
    reporter.progress({ phase: 'runs', done: 0, total: 4 });
    t.tick(1000);
    reporter.progress({ phase: 'runs', done: 2, total: 4 });
    reporter.problem('r3: state: unknown state "paused"; skipped');
    reporter.done();
    const frames = t.err.split('\r\x1b[2K');
    assert.match(frames[1] as string, /^runs +\[-+\] +0% {2}0\/4/);
    assert.match(frames[2] as string, /^runs +\[#{15}-{15}\] +50% {2}2\/4 +2\/s {2}ETA 0:01$/);
    assert.equal(frames[3], 'r3: state: unknown state "paused"; skipped\n');
  });

  it('prints a line per tenth of a phase when not on a terminal', () => {
    const t = terminal(false);
    const reporter = createProgressReporter(t.deps, true);
    for (let done = 0; done <= 100; done += 5)
      reporter.progress({ phase: 'run log', done, total: 100 });
    assert.equal(t.err.split('\n').length - 1, 10);
    assert.match(t.err, /^import-apsis: run log 10% \(10\/100\)\n/);
    assert.match(t.err, /import-apsis: run log 100% \(100\/100\)\n$/);
  });
});
