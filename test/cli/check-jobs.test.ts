import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { repoRoot, tempDir, writeFiles } from '../support/temp-dir.js';

describe('apsisctl check-jobs', () => {
  it('passes every shipped example job', async () => {
    const result = await runCli('apsisctl', [
      'check-jobs',
      'examples/jobs',
      '--config',
      'examples/config.yaml',
    ]);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^\d+ jobs OK\n$/);
    assert.equal(result.code, 0);
  });

  it('lists every problem of the broken fixtures with its location, and exits 1', async () => {
    const result = await runCli('apsisctl', [
      'check-jobs',
      'test/fixtures/broken-jobs',
      '--at',
      '2026-03-01T00:00:00Z',
    ]);
    const expected = readFileSync(join(repoRoot, 'test/fixtures/broken-jobs.expected'), 'utf8');
    assert.equal(result.stdout, expected);
    assert.match(result.stderr, /^\d+ problems in \d+ of \d+ jobs\n$/);
    assert.equal(result.code, 1);
  });

  it('prints the same problems as JSON with --json', async () => {
    const text = await runCli('apsisctl', [
      'check-jobs',
      'test/fixtures/broken-jobs',
      '--at',
      '2026-03-01T00:00:00Z',
    ]);
    const json = await runCli('apsisctl', [
      'check-jobs',
      'test/fixtures/broken-jobs',
      '--at',
      '2026-03-01T00:00:00Z',
      '--json',
    ]);
    assert.equal(json.code, 1);
    const parsed = JSON.parse(json.stdout) as {
      ok: boolean;
      problems: { job_id: string; file: string; line: number; col: number; message: string }[];
    };
    assert.equal(parsed.ok, false);
    const lines = parsed.problems.map(
      (p) =>
        `${p.job_id}: ${p.file}${p.line === null ? '' : `:${p.line}:${p.col}`}: ${p.message}\n`,
    );
    assert.equal(lines.join(''), text.stdout);
  });

  it('says how many jobs are OK and exits 0 for a clean directory', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'a.yaml': 'program: {type: no-op}\n',
      'b/c.yaml': 'program: {type: no-op}\n',
    });
    const result = await runCli('apsisctl', ['check-jobs', dir]);
    assert.deepEqual(result, { code: 0, stdout: '2 jobs OK\n', stderr: '' });
  });

  it('exits 2 when DIR is not a directory', async () => {
    const result = await runCli('apsisctl', ['check-jobs', 'no/such/dir']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'apsisctl: error: not a directory: no/such/dir\n');
  });

  it('finds calendar files through --config', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'jobs/a.yaml':
        'schedule: {type: daily, tz: UTC, daytime: "01:00:00", calendar: biz}\nprogram: {type: no-op}\n',
      'cal/biz.cal': 'START 2026-01-01\nSTOP 2027-01-01\n2026-06-01\n',
      'apsis.yaml': 'calendar_dir: cal\n',
    });
    const without = await runCli('apsisctl', [
      'check-jobs',
      join(dir, 'jobs'),
      '--at',
      '2026-03-01T00:00:00Z',
    ]);
    assert.equal(without.code, 1);
    assert.match(without.stdout, /no such calendar: biz/);
    const withConfig = await runCli('apsisctl', [
      'check-jobs',
      join(dir, 'jobs'),
      '--config',
      join(dir, 'apsis.yaml'),
      '--at',
      '2026-03-01T00:00:00Z',
    ]);
    assert.equal(withConfig.stdout, '1 jobs OK\n');
  });

  it('reports a bad config file and exits 2', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'apsis.yaml': 'waiting:\n  max_time: 10 minutes please\n',
      'jobs/a.yaml': 'program: {type: no-op}\n',
    });
    const result = await runCli('apsisctl', [
      'check-jobs',
      join(dir, 'jobs'),
      '--config',
      join(dir, 'apsis.yaml'),
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /waiting\.max_time: can't parse as duration: 10 minutes please/);
  });
});
