import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../../support/cli.js';
import { Daemon } from '../../support/daemon.js';
import { tempDir, writeFiles } from '../../support/temp-dir.js';
import { freePort } from '../../support/net.js';

/**
 * `apsis` and `apsisctl` client commands against the real daemon: one
 * daemon (API token, built-in procstar agent) shared by every test here.
 */

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

const TOKEN = 's3cret';
// Made at the top level: `after` hooks registered inside `before` run when it ends.
const dir = tempDir('apsis-client-');
let daemon: Daemon | undefined;
let apiPort: number;

after(() => {
  daemon?.kill('SIGKILL');
  const pidFile = join(dir, 'builtin-agent.json');
  if (existsSync(pidFile)) {
    killQuietly((JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid);
  }
});

before(async () => {
  writeFiles(dir, {
    'apsis.yaml': `job_dir: jobs
database: apsis.db
api: {token: ${TOKEN}}
procstar:
  agent:
    enable: true
    server: {host: 127.0.0.1, port: ${await freePort()}, access_token: t0ken}
    connection: {start_timeout: 20s}
    builtin: {enable: true}
    run: {update_interval: 0.2s, output_interval: 0.2s}
`,
    'jobs/greet.yaml': 'params: [a]\nprogram: {type: no-op}\nmetadata: {labels: [demo]}\n',
    'jobs/later.yaml': 'program: {type: no-op}\n',
    'jobs/talk.yaml':
      'program:\n  type: procstar-shell\n  command: for i in 1 2 3 4 5; do echo "line $i"; sleep 0.3; done\n',
  });
  apiPort = await freePort();
  daemon = new Daemon(['--config', join(dir, 'apsis.yaml'), '--port', String(apiPort)]);
  await daemon.waitFor('ready', 30_000);
});

/** `apsis ARGS` against the test daemon (APSIS_HOST, APSIS_TOKEN), no colour. */
function apsis(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli('apsis', args, {
    env: { APSIS_HOST: `127.0.0.1:${apiPort}`, APSIS_TOKEN: TOKEN, NO_COLOR: '1', ...env },
  });
}

function apsisctl(args: string[]): Promise<CliResult> {
  return runCli('apsisctl', ['--port', String(apiPort), '--token', TOKEN, ...args], {
    env: { NO_COLOR: '1', APSIS_HOST: '' },
  });
}

function ok(result: CliResult): string {
  assert.equal(result.code, 0, `exit ${result.code}; stderr: ${result.stderr}`);
  return result.stdout;
}

function runIdOf(printed: string): string {
  const id = /^run (r\d+) /m.exec(printed)?.[1];
  assert.ok(id, `no run in: ${printed}`);
  return id;
}

// A test fails, not hangs, if the daemon or a stream never ends.
const LIMIT = { timeout: 60_000 };

describe('apsis against the daemon', LIMIT, () => {
  it('schedule now prints the new run; watch exits 0 once it succeeds; run and runs show it', async () => {
    const printed = ok(await apsis(['schedule', 'now', 'greet', 'a=1']));
    assert.match(printed, /^run r\d+ greet\(a=1\)\n\S+: no-op\nnone\n\[.\] at \d{4}-\d\d-\d\d /);
    const runId = runIdOf(printed);

    const watched = await apsis(['watch', runId]);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /: success\n$/);

    assert.match(
      ok(await apsis(['run', runId])),
      new RegExp(`^run ${runId} greet\\(a=1\\)\\n[^]*\\[\\+\\] at `),
    );
    const json = JSON.parse(ok(await apsis(['run', runId, '--json']))) as { state: string };
    assert.equal(json.state, 'success');

    // No --job: Apsis required one; every run is listed.
    const table = ok(await apsis(['runs']));
    assert.match(table, /^run_id +ste +start +elapsed +job_id\n━+\n/);
    assert.match(table, new RegExp(`^${runId} +\\[\\+\\] .* greet +a=1$`, 'm'));
    const byArgs = JSON.parse(
      ok(await apsis(['runs', '-j', 'greet', '-s', 'succ', 'a=1', '--json'])),
    );
    assert.deepEqual(Object.keys(byArgs), [runId]);
    assert.equal(ok(await apsis(['runs', '-j', 'greet', 'a=2'])), 'No runs.\n\n');

    const log = ok(await apsis(['log', runId]));
    assert.match(log, /scheduled: now\n[^]*success\n$/);
  });

  it('skip takes a scheduled run to skipped, silently', async () => {
    const runId = runIdOf(ok(await apsis(['schedule', '+1h', 'later'])));
    assert.equal(ok(await apsis(['skip', runId])), '');
    const run = JSON.parse(ok(await apsis(['run', runId, '--format', 'json']))) as {
      state: string;
    };
    assert.equal(run.state, 'skipped');
  });

  it('mark and run report API errors on one line with the status, and exit 1', async () => {
    const runId = runIdOf(ok(await apsis(['schedule', '+1h', 'later'])));
    const mark = await apsis(['mark', 'success', runId]);
    assert.equal(mark.code, 1);
    assert.match(mark.stderr, new RegExp(`^Error: .*${runId}.* \\[API status: 4\\d\\d\\]\\n$`));
    assert.equal(mark.stdout, '');

    const missing = await apsis(['run', 'r999999']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: .*r999999.* \[API status: 404\]\n$/);

    const badState = await apsis(['mark', 'running', runId]);
    assert.equal(badState.code, 2);
  });

  it("output -f streams a running procstar-shell job's output until it ends", async () => {
    const runId = runIdOf(ok(await apsis(['schedule', 'now', 'talk'])));
    const followed = ok(await apsis(['output', '-f', runId]));
    assert.equal(followed, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    // The stream ends when the run does: it has finished by now.
    const run = JSON.parse(ok(await apsis(['run', runId, '--json']))) as { state: string };
    assert.equal(run.state, 'success');
    assert.equal(ok(await apsis(['output', runId])), followed);
  });

  it('says once, without a stack, that an unreachable daemon cannot be reached', async () => {
    const port = await freePort();
    const result = await apsis(['runs'], { APSIS_HOST: `127.0.0.1:${port}` });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `apsis: error: cannot reach the daemon at http://127.0.0.1:${port}: connection refused` +
        ' (is it running? set --host/--port or APSIS_HOST)\n',
    );
  });

  it('reports a wrong or missing token as a 401 with how to give it', async () => {
    for (const env of [{ APSIS_TOKEN: 'wrong' }, { APSIS_TOKEN: '' }]) {
      const result = await apsis(['jobs'], env);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^Error: .*token.* \[API status: 401\]\nGive the API token with --token or APSIS_TOKEN\.\n$/,
      );
    }
    const watch = await apsis(['watch', 'r1'], { APSIS_TOKEN: 'wrong' });
    assert.equal(watch.code, 1);
    assert.match(watch.stderr, /\[API status: 401\]/);
  });

  it('jobs lists jobs with params and labels; job shows one', async () => {
    assert.match(
      ok(await apsis(['jobs'])),
      /^job_id +params +labels\n━+\ngreet +\(a\) +demo\nlater +\(\)\n/,
    );
    assert.match(ok(await apsis(['jobs', '--label', 'demo', '--json'])), /"job_id": "greet"/);
    assert.match(ok(await apsis(['job', 'greet'])), /^job greet\(a\)\nlabels: demo\n/);
  });

  it("actors lists the daemon's actors; actor shows one with its snapshot", async () => {
    assert.match(
      ok(await apsis(['actors', '--machine', 'scheduler'])),
      /^id +machine +state +status +parent +children +started_at\n━+\nscheduler +scheduler /,
    );
    const actor = ok(await apsis(['actor', 'scheduler']));
    assert.match(actor, /^actor scheduler\nmachine +: scheduler\n[^]*\nSnapshot\n/);
    const missing = await apsis(['actor', 'nobody']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: .*nobody.* \[API status: 404\]\n$/);
  });
});

describe('apsisctl against the daemon', LIMIT, () => {
  it('version prints the address actually used, from --port', async () => {
    const out = ok(await apsisctl(['version']));
    assert.match(
      out,
      new RegExp(
        `^server address: localhost:${apiPort}\\nserver version: \\S+\\nclient version: \\S+\\n$`,
      ),
    );
  });

  it('reload-jobs reports added jobs, dry run first, and job errors with exit 1', async () => {
    assert.equal(ok(await apsisctl(['reload-jobs', '--dry-run'])), 'no changes\n');
    writeFiles(dir, { 'jobs/fresh.yaml': 'program: {type: no-op}\n' });
    assert.equal(
      ok(await apsisctl(['reload-jobs', '--dry-run'])),
      'Jobs added\n- fresh\n\nDry run; no changes made.\n',
    );
    assert.equal(ok(await apsisctl(['reload-jobs', '--quiet'])), '');
    assert.match(ok(await apsis(['jobs'])), /^fresh /m);

    writeFiles(dir, { 'jobs/broken.yaml': 'params: [a]\n' });
    const broken = await apsisctl(['reload-jobs']);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      /^Error: errors loading jobs in .* \[API status: 400\]\n- broken\n {2}\S/,
    );
  });

  it('shut-down stops the daemon cleanly', async () => {
    ok(await apsisctl(['shut-down']));
    assert.equal((await daemon?.exited)?.code, 0);
  });
});
