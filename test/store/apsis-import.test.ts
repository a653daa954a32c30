import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { importApsis, type ApsisImportOptions } from '../../src/store/apsis-import.js';
import {
  createDatabase,
  createRunStore,
  openDatabase,
  type RunRecord,
  type RunStore,
} from '../../src/store/index.js';
import { procstarDriver } from '../../src/programs/index.js';
import { builtinCalendars, ManualClock, parseTime } from '../../src/time/index.js';
import { ApsisDbBuilder, type ApsisRun } from '../support/apsis-db.js';
import { FakeAgent, startTestServer } from '../support/fake-agent.js';
import { jobsFrom, TestRuntime } from '../support/runtime.js';
import { tempDir } from '../support/temp-dir.js';

const T = parseTime('2026-03-01T00:00:00Z');
const MIN = 60_000;
const CLOCK = parseTime('2026-03-02T00:00:00Z');

const LOAD = 'etl/load';
const LOAD_ARGS = { date: '2026-03-01', region: 'eu' };

/** Apsis's bound forms, as `to_jso` writes them (apsis-model.md §4, §5, §6). */
const apsisProcstar = {
  type: 'apsis.program.procstar.agent.BoundProcstarProgram',
  argv: ['/opt/etl/run', '--date', '2026-03-01'],
  group_id: 'batch',
  sudo_user: 'etl',
  resources: { mem_max_gb: 4 },
  stop: { signal: 12, grace_period: 15 },
  timeout: { duration: 3600.0, signal: 'SIGTERM' },
};
const apsisConds = [
  {
    type: 'dependency',
    job_id: 'ref/eu',
    args: { date: '2026-02-28' },
    states: ['failure', 'success'],
    exist: ['running', 'success', 'failure'],
  },
  { type: 'apsis.cond.max_running.BoundMaxRunning', count: 2, job_id: LOAD, args: LOAD_ARGS },
  {
    type: 'apsis.cond.skip_duplicate.BoundSkipDuplicate',
    check_states: ['waiting', 'starting', 'running'],
    target_state: 'skipped',
    instance: [LOAD, LOAD_ARGS],
    run_id: 'r1',
  },
  { type: 'const', value: true, enabled: '{{ region == "eu" }}' },
];
const apsisActions = [
  { type: 'schedule', job_id: 'alert', args: { what: '{{ date }}' }, if: { states: ['failure'] } },
  { type: 'schedule', job_id: 'audit', args: {}, if: { states: null } },
];
const noOp = (duration: string | null = null, success: boolean | null = true) => ({
  type: 'apsis.program.noop.BoundNoOpProgram',
  duration,
  success,
});
const procstarShell = (command: string) => ({
  type: 'apsis.program.procstar.agent.BoundProcstarProgram',
  argv: ['/usr/bin/bash', '-c', command],
  group_id: 'default',
});

/** A procstar agent's result for a process that exited 0 with `length` bytes of output. */
function terminated(length: number) {
  return {
    state: 'terminated',
    errors: [],
    pid: 31337,
    proc_stat: null,
    proc_statm: null,
    cgroup_accounting: null,
    times: {
      start: '2026-03-01T00:00:01.000+00:00',
      now: '2026-03-02T00:00:01.000+00:00',
      stop: '2026-03-02T00:00:01.000+00:00',
      elapsed: 86400,
    },
    status: { status: 0, exit_code: 0, signum: null, signal: null, core_dump: false },
    rusage: null,
    fds: { stdout: { type: 'detached', length, encoding: 'base64' }, stderr: null },
  };
}

const big = Buffer.from('line of output\n'.repeat(3000)); // 45 KB: Apsis stores it br-compressed
const corrupt = Buffer.from('not brotli at all');

const RUNS: ApsisRun[] = [
  {
    rowid: 1,
    jobId: LOAD,
    args: LOAD_ARGS,
    state: 'success',
    times: {
      schedule: T,
      scheduled: T - MIN,
      waiting: T,
      starting: T + 1000,
      running: T + 1500,
      success: T + 14_000,
    },
    timestamp: T + 14_000,
    program: apsisProcstar,
    conds: apsisConds,
    actions: apsisActions,
    meta: {
      job: { labels: ['ingest', 'eu'] },
      program: { status: { exit_code: 0 } },
      elapsed: 12.5,
    },
  },
  {
    rowid: 2,
    jobId: 'report',
    state: 'failure',
    times: { schedule: T, running: T + 10, failure: T + 20 },
    timestamp: T + 20,
    program: procstarShell('exit 3'),
    conds: [],
    actions: [],
  },
  {
    rowid: 3,
    jobId: 'report',
    state: 'error',
    times: { schedule: T, running: T, error: T + 5 },
    timestamp: T + 5,
    program: noOp(null, null),
    conds: [],
    actions: [],
  },
  {
    rowid: 4,
    jobId: 'sleep',
    state: 'skipped',
    times: { schedule: T, scheduled: T, skipped: T + MIN },
    timestamp: T + MIN,
    program: noOp('60'),
    conds: [],
    actions: [],
  },
  { rowid: 5, jobId: 'sleep', state: 'new', times: {}, timestamp: T },
  {
    rowid: 6,
    jobId: 'sleep',
    state: 'scheduled',
    times: { schedule: CLOCK + 60 * MIN, scheduled: T },
    timestamp: T,
    program: noOp('3600'),
    conds: [],
    actions: [],
  },
  {
    rowid: 7,
    jobId: 'blocked',
    args: { date: '2026-03-02' },
    state: 'waiting',
    times: { schedule: T, scheduled: T, waiting: T },
    timestamp: T,
    program: noOp(),
    conds: [{ type: 'dependency', job_id: 'report', args: {} }],
    actions: [],
  },
  {
    rowid: 8,
    jobId: 'sleep',
    state: 'starting',
    times: { schedule: T, starting: T },
    timestamp: T,
    program: noOp('3600'),
    conds: [],
    actions: [],
  },
  {
    rowid: 9,
    jobId: LOAD,
    args: { date: '2026-03-02', region: 'us' },
    state: 'running',
    times: { schedule: T, starting: T, running: T + 1000 },
    timestamp: T + 1000,
    program: procstarShell('sleep 3600'),
    conds: [],
    actions: [],
    runState: {
      conn_id: 'conn-7f3a',
      proc_id: '5b1f0c9e-5e0a-4a4e-9d59-1f2f1d0e7a11',
      start: '2026-03-01T00:00:01.00000000+00:00',
    },
  },
  {
    rowid: 10,
    jobId: 'sleep',
    state: 'stopping',
    times: { schedule: T, running: T, stopping: T + MIN },
    timestamp: T + MIN,
    program: noOp('3600'),
    conds: [],
    actions: [],
    runState: { start: '2026-03-01T00:00:00.00000000+00:00', stopping: true },
  },
  {
    rowid: 11,
    jobId: 'sleep',
    state: 'running',
    times: { schedule: CLOCK - 30 * MIN, running: CLOCK - 30 * MIN },
    timestamp: CLOCK - 30 * MIN,
    program: noOp('3600'),
    conds: [],
    actions: [],
    runState: { start: '2026-03-01T23:30:00.00000000+00:00' },
  },
  {
    rowid: 12,
    jobId: 'train',
    state: 'success',
    times: { schedule: T, running: T, success: T + 1 },
    timestamp: T + 1,
    program: {
      type: 'apsis.program.procstar.aws.ecs_agent.BoundProcstarECSProgram',
      argv: ['/usr/bin/bash', '-c', 'python train.py'],
      mem_gb: 8,
      vcpu: 2,
      disk_gb: 100,
      role: 'trainer',
    },
    conds: [],
    actions: [],
  },
  {
    rowid: 13,
    jobId: 'internal/stats',
    state: 'success',
    times: { success: T },
    timestamp: T,
    program: { type: 'apsis.program.internal.stats.StatsProgram', path: null },
  },
  {
    rowid: 14,
    jobId: 'internal/archive',
    state: 'success',
    times: { success: T },
    timestamp: T,
    program: {
      type: 'apsis.program.internal.archive.ArchiveProgram',
      age: '30d',
      path: '/var/lib/apsis/archive.db',
      count: 10000,
      chunk_size: 1000,
    },
  },
  {
    rowid: 15,
    jobId: 'internal/vacuum',
    state: 'success',
    times: { success: T },
    timestamp: T,
    program: { type: 'apsis.program.internal.vacuum.VacuumProgram' },
  },
];

const APSIS_AD_HOC_JOB = {
  job_id: 'adhoc-Qx7Lk2mPa9Zr',
  params: [],
  schedule: [],
  program: { type: 'procstar-shell', group_id: 'default', command: 'echo hello' },
  condition: [{ type: 'max_running', count: '1', job_id: null, args: null }],
  action: [{ type: 'schedule', job_id: 'audit', args: {}, if: { states: null } }],
  metadata: { labels: [] },
  ad_hoc: true,
};

/** An Apsis database with a run in every state and of every program type, and a few bad rows. */
function buildApsis(path: string): void {
  const b = new ApsisDbBuilder(path, { clockMs: CLOCK, nextRunId: 129 });
  for (const run of RUNS) b.run(run);
  b.log('r1', T - MIN, 'scheduled: 2026-03-01T00:00:00+00:00')
    .log('r1', T, 'waiting')
    .log('r1', T + 1000, 'starting')
    .log('r1', T + 1500, 'running')
    .log('r1', T + 14_000, 'success')
    .log('r2', T + 20, 'failure: exit code 3')
    .log('r9', T + 1000, 'running');
  b.output('r1', big, { compression: 'br' })
    .output('r1', Buffer.from('{"n": 1}'), {
      outputId: 'summary',
      name: 'summary',
      contentType: 'application/json',
    })
    .output('r2', big, { compression: 'gzip' })
    .output('r2', Buffer.from('x'), { outputId: 'broken', compression: 'br', stored: corrupt })
    .output('r3', Buffer.from('Traceback (most recent call last):\n'), {
      outputId: 'outputs',
      name: 'traceback',
      contentType: 'text/plain',
      compression: 'deflate',
    })
    .output('r4', Buffer.from('twelve bytes'), { length: 99 });
  // Bad rows: each is reported with its run id and skipped, with its log and outputs.
  const good = RUNS[3] as ApsisRun;
  b.run({ ...good, rowid: 20 })
    .run({ ...good, rowid: 21 })
    .run({ ...good, rowid: 22, state: 'paused' })
    .run({ ...good, rowid: 23, program: { type: 'apsis.program.process.BoundProgram', argv: [] } })
    .run({ ...good, rowid: 24, state: 'running', program: procstarShell('x'), runState: null })
    .run({ ...good, rowid: 25, conds: [{ type: 'apsis.cond.test.TestThreadPolledCondition' }] });
  b.db.prepare('UPDATE runs SET times = \'{"schedule": \' WHERE rowid = 20').run();
  b.log('r20', T, 'scheduled: now').output('r20', Buffer.from('gone'));
  b.db
    .prepare("UPDATE runs SET times = ?, meta = '{}' WHERE rowid = 21")
    .run(JSON.stringify({ schedule: 'yesterday' }));
  b.log('r99', T, 'orphan').output('r99', Buffer.from('orphan'));
  b.job(APSIS_AD_HOC_JOB.job_id, APSIS_AD_HOC_JOB).job('adhoc-bad', {
    ...APSIS_AD_HOC_JOB,
    job_id: 'adhoc-bad',
    program: { type: 'apsis.program.process.ShellCommandProgram', command: 'x' },
  });
  b.close();
}

function options(overrides: Partial<ApsisImportOptions> = {}) {
  const problems: string[] = [];
  const opts: ApsisImportOptions = {
    calendars: builtinCalendars,
    now: () => 0,
    onProblem: (line) => problems.push(line),
    ...overrides,
  };
  return { problems, opts };
}

function importFixture(): {
  store: RunStore;
  problems: string[];
  summary: ReturnType<typeof importApsis>;
  dbPath: string;
} {
  const dir = tempDir('apsis-import-');
  const apsisPath = join(dir, 'apsis.db');
  buildApsis(apsisPath);
  const dbPath = join(dir, 'ours.db');
  createDatabase(dbPath, 0);
  const db = openDatabase(dbPath);
  const { problems, opts } = options({ batchRows: 4 });
  const summary = importApsis(apsisPath, db, opts);
  db.close();
  const store = createRunStore(openDatabase(dbPath), { clock: new ManualClock(CLOCK) });
  after(() => store.close());
  return { store, problems, summary, dbPath };
}

const run = (store: RunStore, runId: string): RunRecord => {
  const found = store.getRun(runId);
  assert.ok(found, `${runId} imported`);
  return found;
};

describe('import-apsis: runs', () => {
  const { store, problems, summary } = importFixture();

  it('keeps every good run under its own number, in its state, with times in milliseconds', () => {
    const imported = store.queryRuns({}).map((r) => [r.runId, r.state]);
    assert.deepEqual(imported, [
      ['r1', 'success'],
      ['r2', 'failure'],
      ['r3', 'error'],
      ['r4', 'skipped'],
      ['r5', 'new'],
      ['r6', 'scheduled'],
      ['r7', 'waiting'],
      ['r8', 'starting'],
      ['r9', 'running'],
      ['r10', 'stopping'],
      ['r11', 'running'],
      ['r12', 'success'],
      ['r13', 'success'],
      ['r14', 'success'],
      ['r15', 'success'],
    ]);
    assert.deepEqual(summary.runs, { imported: 15, skipped: 6 });
  });

  it('reads a procstar run whole: bound program, conditions, actions, meta', () => {
    assert.deepEqual(run(store, 'r1'), {
      runId: 'r1',
      jobId: LOAD,
      args: LOAD_ARGS,
      state: 'success',
      times: {
        schedule: T,
        scheduled: T - MIN,
        waiting: T,
        starting: T + 1000,
        running: T + 1500,
        success: T + 14_000,
      },
      meta: {
        job: { labels: ['ingest', 'eu'] },
        program: { status: { exit_code: 0 } },
        elapsed: 12.5,
      },
      program: {
        type: 'procstar',
        argv: ['/opt/etl/run', '--date', '2026-03-01'],
        group_id: 'batch',
        sudo_user: 'etl',
        stop: { signal: 'SIGUSR2', grace_period: 15 },
        timeout: { duration: 3600, signal: 'SIGTERM' },
        resources: { mem_max_gb: 4 },
      },
      conds: [
        {
          type: 'dependency',
          job_id: 'ref/eu',
          args: { date: '2026-02-28' },
          states: ['success', 'failure'],
          exist: ['running', 'success', 'failure'],
        },
        { type: 'max_running', count: 2, job_id: LOAD, args: LOAD_ARGS },
        {
          type: 'skip_duplicate',
          check_states: ['waiting', 'starting', 'running'],
          target_state: 'skipped',
          job_id: LOAD,
          args: LOAD_ARGS,
          run_id: 'r1',
        },
        { type: 'const', value: true },
      ],
      actions: [
        {
          type: 'schedule',
          job_id: 'alert',
          args: { what: '{{ date }}' },
          if: { states: ['failure'] },
        },
        { type: 'schedule', job_id: 'audit', args: {}, if: null },
      ],
      runState: null,
      timestamp: T + 14_000,
      expected: false,
    });
  });

  it('reads every other program type into ours', () => {
    assert.deepEqual(run(store, 'r2').program, {
      type: 'procstar',
      argv: ['/usr/bin/bash', '-c', 'exit 3'],
      group_id: 'default',
      sudo_user: null,
      stop: { signal: 'SIGTERM', grace_period: 60 },
      timeout: null,
      resources: { mem_max_gb: null },
    });
    assert.deepEqual(run(store, 'r3').program, { type: 'no-op', duration: null, success: null });
    assert.deepEqual(run(store, 'r4').program, { type: 'no-op', duration: 60, success: true });
    assert.equal(run(store, 'r5').program, null);
    assert.deepEqual(run(store, 'r12').program, {
      type: 'procstar-ecs',
      argv: ['/usr/bin/bash', '-c', 'python train.py'],
      stop: { signal: 'SIGTERM', grace_period: 60 },
      timeout: null,
      mem_gb: 8,
      vcpu: 2,
      disk_gb: 100,
      role: 'trainer',
      task_definition: null,
    });
    assert.deepEqual(run(store, 'r13').program, { type: 'stats', path: null });
    assert.deepEqual(run(store, 'r14').program, {
      type: 'archive',
      age: 30 * 86_400,
      path: '/var/lib/apsis/archive.db',
      count: 10000,
      chunk_size: 1000,
      chunk_sleep: null,
    });
    assert.deepEqual(run(store, 'r15').program, { type: 'vacuum' });
  });

  it('keeps the run state a running procstar run reconnects with', () => {
    assert.deepEqual(run(store, 'r9').runState, {
      conn_id: 'conn-7f3a',
      proc_id: '5b1f0c9e-5e0a-4a4e-9d59-1f2f1d0e7a11',
      start: '2026-03-01T00:00:01.00000000+00:00',
    });
    assert.deepEqual(run(store, 'r11').runState, { start: '2026-03-01T23:30:00.00000000+00:00' });
  });

  it('reports each malformed run with its id and what is wrong, and skips it', () => {
    const runLines = problems.filter((p) => /^r2\d: /.test(p));
    assert.equal(runLines.length, 6);
    assert.match(runLines[0] as string, /^r20: times: bad JSON: .*; skipped$/);
    assert.equal(runLines[1], 'r21: times.schedule: bad time "yesterday"; skipped');
    assert.equal(runLines[2], 'r22: state: unknown state "paused"; skipped');
    assert.equal(
      runLines[3],
      'r23: program: unknown program type: apsis.program.process.BoundProgram; skipped',
    );
    assert.equal(
      runLines[4],
      'r24: run_state: a running procstar run needs one to reconnect; skipped',
    );
    assert.equal(
      runLines[5],
      'r25: conds[0]: unknown condition type: apsis.cond.test.TestThreadPolledCondition; skipped',
    );
    for (const n of [20, 21, 22, 23, 24, 25]) assert.equal(store.getRun(`r${n}`), undefined);
  });
});

describe('import-apsis: run log, outputs, jobs, clock', () => {
  const { store, problems, summary } = importFixture();

  it('copies each run log in order, timestamps in milliseconds', () => {
    assert.deepEqual(store.runLog('r1'), [
      { timestamp: T - MIN, message: 'scheduled: 2026-03-01T00:00:00+00:00' },
      { timestamp: T, message: 'waiting' },
      { timestamp: T + 1000, message: 'starting' },
      { timestamp: T + 1500, message: 'running' },
      { timestamp: T + 14_000, message: 'success' },
    ]);
    assert.deepEqual(store.runLog('r2'), [{ timestamp: T + 20, message: 'failure: exit code 3' }]);
    assert.deepEqual(summary.logLines, { imported: 7, skipped: 2 });
  });

  it('decodes br, gzip and deflate outputs and stores them so our reader gets the bytes', () => {
    assert.deepEqual(store.outputIds('r1'), [
      {
        outputId: 'output',
        name: 'combined stdout & stderr',
        contentType: 'application/octet-stream',
        length: big.byteLength,
      },
      { outputId: 'summary', name: 'summary', contentType: 'application/json', length: 8 },
    ]);
    assert.deepEqual(Buffer.from(run(store, 'r1') && store.getOutput('r1', 'output')!.data), big);
    assert.equal(Buffer.from(store.getOutput('r1', 'summary')!.data).toString(), '{"n": 1}');
    assert.deepEqual(Buffer.from(store.getOutput('r2', 'output')!.data), big);
    const traceback = store.getOutput('r3', 'outputs');
    assert.equal(traceback?.name, 'traceback');
    assert.equal(Buffer.from(traceback!.data).toString(), 'Traceback (most recent call last):\n');
  });

  it('skips an output that does not decompress, keeping its run', () => {
    assert.equal(store.getOutput('r2', 'broken'), undefined);
    assert.ok(
      problems.some((p) => /^r2: output "broken": .*does not decompress as br.*; skipped$/.test(p)),
    );
  });

  it('stores an output with its true length when the length column disagrees, and says so', () => {
    assert.equal(store.outputIds('r4')[0]?.length, 12);
    assert.ok(
      problems.includes(
        'r4: output "output": length column says 99 but it holds 12 bytes; stored as 12',
      ),
    );
    assert.deepEqual(summary.outputs, { imported: 5, skipped: 3 });
  });

  it('reports rows of a run that is not in the runs table, and skips them', () => {
    assert.deepEqual(store.runLog('r99'), []);
    assert.equal(store.getOutput('r99', 'output'), undefined);
    assert.ok(
      problems.includes('r99: not in the runs table; skipped its 1 run log lines and 1 outputs'),
    );
    assert.deepEqual(store.runLog('r20'), []);
  });

  it('imports ad hoc jobs in our form, and reports one whose program no longer exists', () => {
    const jobs = store.jobs();
    assert.deepEqual(
      jobs.map((j) => j.jobId),
      ['adhoc-Qx7Lk2mPa9Zr'],
    );
    const job = jobs[0]?.job as Record<string, any>;
    assert.equal(job.ad_hoc, true);
    assert.equal(job.program.type, 'procstar-shell');
    assert.equal(job.program.command, 'echo hello');
    assert.deepEqual(job.action, [{ type: 'schedule', job_id: 'audit', args: {}, if: null }]);
    assert.ok(
      problems.some((p) => /^job adhoc-bad: program.*; skipped$/.test(p)),
      problems.join('\n'),
    );
    assert.deepEqual(summary.jobs, { imported: 1, skipped: 1 });
  });

  it("takes Apsis's clock, and its next run id when that is past every run", () => {
    assert.equal(store.clockTime(), CLOCK);
    assert.equal(summary.clock, CLOCK);
    assert.equal(summary.nextRunNumber, 129);
    assert.equal(store.reserveRunNumbers(1), 129);
  });
});

describe('import-apsis: guards and numbering', () => {
  it('continues numbering after the highest run when next_run_id lags behind it', () => {
    const dir = tempDir('apsis-import-');
    const apsisPath = join(dir, 'apsis.db');
    const b = new ApsisDbBuilder(apsisPath, { clockMs: CLOCK, nextRunId: 5 });
    b.run({ ...(RUNS[3] as ApsisRun), rowid: 700 }).log('r900', T, 'orphan');
    b.close();
    const db = openDatabase(join(dir, 'ours.db'), { create: true });
    const summary = importApsis(apsisPath, db, options().opts);
    assert.equal(summary.nextRunNumber, 901);
    db.close();
  });

  it('refuses a target that has runs, naming the fix, and writes nothing', () => {
    const { dbPath } = importFixture();
    const apsisPath = join(tempDir('apsis-import-'), 'apsis.db');
    new ApsisDbBuilder(apsisPath, { clockMs: T }).close();
    const db = openDatabase(dbPath);
    assert.throws(
      () => importApsis(apsisPath, db, { ...options().opts, targetName: dbPath }),
      (err: Error & { code?: string }) =>
        err.code === 'bad_argument' &&
        err.message ===
          `${dbPath} already has 15 runs; import-apsis fills an empty database only (give a new path: it is created)`,
    );
    db.close();
    const store = createRunStore(openDatabase(dbPath), { clock: new ManualClock(0) });
    assert.equal(store.countRuns(), 15);
    assert.equal(store.clockTime(), CLOCK);
    store.close();
  });

  it('refuses a file that is not an Apsis database', () => {
    const dir = tempDir('apsis-import-');
    const ours = join(dir, 'ours.db');
    createDatabase(ours, 0);
    const db = openDatabase(join(dir, 'target.db'), { create: true });
    assert.throws(
      () => importApsis(ours, db, options().opts),
      /is an apsis-ts database, not an Apsis one/,
    );
    assert.throws(
      () => importApsis(join(dir, 'none.db'), db, options().opts),
      /no Apsis database at/,
    );
    db.close();
  });

  it('reports progress per phase, ending each at its total', () => {
    const dir = tempDir('apsis-import-');
    const apsisPath = join(dir, 'apsis.db');
    buildApsis(apsisPath);
    const db = openDatabase(join(dir, 'ours.db'), { create: true });
    const seen: string[] = [];
    importApsis(apsisPath, db, {
      ...options().opts,
      onProgress: (p) => seen.push(`${p.phase} ${p.done}/${p.total}`),
    });
    db.close();
    assert.deepEqual(seen, [
      'runs 0/21',
      'runs 21/21',
      'run log 0/9',
      'run log 9/9',
      'outputs 0/8',
      'outputs 8/8',
      'jobs 0/2',
      'jobs 2/2',
    ]);
  });

  it('imports a large output through our encoding in bounded batches', () => {
    const dir = tempDir('apsis-import-');
    const apsisPath = join(dir, 'apsis.db');
    const noise = randomBytes(300_000);
    const b = new ApsisDbBuilder(apsisPath, { clockMs: CLOCK });
    for (let n = 1; n <= 3; n++)
      b.run({ ...(RUNS[3] as ApsisRun), rowid: n }).output(`r${n}`, noise);
    b.close();
    const db = openDatabase(join(dir, 'ours.db'), { create: true });
    const summary = importApsis(apsisPath, db, { ...options().opts, batchBytes: 100_000 });
    db.close();
    const store = createRunStore(openDatabase(join(dir, 'ours.db')), { clock: new ManualClock(0) });
    assert.deepEqual(summary.outputs, { imported: 3, skipped: 0 });
    assert.deepEqual(Buffer.from(store.getOutput('r3', 'output')!.data), noise);
    store.close();
  });
});

describe('import-apsis: the daemon on an imported database', () => {
  const JOBS = {
    sleep: 'program: {type: no-op, duration: 1h}\n',
    blocked:
      'params: [date]\nprogram: {type: no-op}\ncondition: {type: dependency, job_id: report, args: {}}\n',
    report: 'program: {type: no-op}\n',
    train: 'program: {type: no-op}\n',
    [LOAD]: 'params: [date, region]\nprogram: {type: no-op}\n',
    'internal/stats': 'program: {type: stats}\n',
    'internal/archive': 'program: {type: archive, age: 30d, path: /tmp/a.db, count: 1}\n',
    'internal/vacuum': 'program: {type: vacuum}\n',
  };

  it('restores imported runs by state: scheduled runs when due, waiting waits, in-flight ones end', async () => {
    const t = new TestRuntime(jobsFrom(JOBS), {}, '2026-03-02T00:00:00Z');
    const apsisPath = join(t.dir, 'old.db');
    buildApsis(apsisPath);
    const db = openDatabase(t.dbPath);
    importApsis(apsisPath, db, options().opts);
    db.close();
    await t.open();
    // Scheduled for 01:00: queued, not started.
    assert.equal(t.run('r6').state, 'scheduled');
    assert.equal(t.run('r7').state, 'waiting');
    assert.equal(t.run('r8').state, 'error');
    assert.equal(t.run('r10').state, 'error');
    assert.equal(t.run('r11').state, 'running');
    assert.equal(t.run('r5').state, 'error');
    assert.deepEqual(t.log('r7'), ['restored', 'waiting until: dependency report() is success']);
    assert.deepEqual(t.log('r8'), ['restored starting: might have started']);
    assert.deepEqual(t.log('r10'), ['restored stopping: might have stopped']);
    await t.advanceTo('2026-03-02T00:30:01Z');
    // The no-op that started at 23:30 ran its hour across the switch.
    assert.equal(t.run('r11').state, 'success');
    assert.equal(t.run('r6').state, 'scheduled');
    await t.advanceTo('2026-03-02T01:00:01Z');
    assert.equal(t.run('r6').state, 'running');
    assert.equal(t.run('r7').state, 'waiting');
    assert.deepEqual(t.log('r6').slice(0, 2), ['restored', 'starting']);
    // New runs continue after Apsis's numbers; the ad hoc job is there to run.
    assert.equal(t.runtime.operations.schedule({ jobId: 'report' }).runId, 'r129');
    const adHoc = t.runtime.operations.schedule({ jobId: APSIS_AD_HOC_JOB.job_id });
    assert.equal(adHoc.runId, 'r130');
    await t.stop();
  });

  it('reconnects a running procstar run to its agent by the conn and proc ids Apsis stored', async () => {
    const { server, url } = await startTestServer();
    const procId = '5b1f0c9e-5e0a-4a4e-9d59-1f2f1d0e7a11';
    const agent = await FakeAgent.register(url, { connId: 'conn-7f3a', procIds: [procId] });
    const t = new TestRuntime(
      jobsFrom(JOBS),
      {
        drivers: {
          procstar: procstarDriver({
            agents: server,
            startTimeoutMs: 0,
            reconnectTimeoutMs: null,
            updateIntervalMs: null,
            outputIntervalMs: null,
            sudoArgv: ['/usr/bin/sudo'],
            memMaxGbDefault: null,
            outputChunkBytes: 1 << 20,
          }),
        },
      },
      '2026-03-02T00:00:00Z',
    );
    const apsisPath = join(t.dir, 'old.db');
    buildApsis(apsisPath);
    const db = openDatabase(t.dbPath);
    importApsis(apsisPath, db, options().opts);
    db.close();
    await t.open();
    assert.equal((await agent.nextOf('ProcResultRequest')).proc_id, procId);
    agent.send({ type: 'ProcResult', proc_id: procId, res: terminated(5) });
    const data = Buffer.from('done\n');
    for (;;) {
      const next = await agent.nextOfAny(['ProcFdDataRequest', 'ProcDeleteRequest']);
      if (next.type === 'ProcDeleteRequest') {
        agent.send({ type: 'ProcDelete', proc_id: procId });
        break;
      }
      agent.send({
        type: 'ProcFdData',
        proc_id: procId,
        fd: 'stdout',
        start: 0,
        stop: 5,
        encoding: null,
        data,
      });
    }
    const deadline = Date.now() + 5000;
    while (t.run('r9').state === 'running' && Date.now() < deadline) {
      await t.settle();
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(t.run('r9').state, 'success');
    assert.ok(t.log('r9').includes('reconnected to agent conn-7f3a'), t.log('r9').join('\n'));
    assert.equal(Buffer.from(t.store.getOutput('r9', 'output')!.data).toString(), 'done\n');
    await t.stop();
  });
});
