import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { tempDir, writeFiles } from '../support/temp-dir.js';

function jobsDir(files: Record<string, string>): string {
  const dir = tempDir();
  writeFiles(dir, files);
  return dir;
}

describe('apsisctl preview', () => {
  it('prints a daily New York job across the March change as the spec says: 02:30 skipped', async () => {
    const dir = jobsDir({
      'night.yaml':
        'params: [date]\nschedule: {type: daily, tz: America/New_York, daytime: "02:30:00"}\nprogram: {type: no-op}\n',
    });
    const result = await runCli('apsisctl', [
      'preview',
      dir,
      '--from',
      '2026-03-07',
      '--to',
      '2026-03-10',
      '--tz',
      'America/New_York',
    ]);
    assert.equal(result.stderr, '');
    assert.equal(
      result.stdout,
      [
        '2026-03-07T02:30:00-05:00  night  date=2026-03-07',
        '2026-03-09T02:30:00-04:00  night  date=2026-03-09',
        '',
      ].join('\n'),
    );
    assert.equal(result.code, 0);
  });

  it('prints an ambiguous November time once, at the earlier instant, in UTC by default', async () => {
    const dir = jobsDir({
      'a.yaml':
        'params: [date]\nschedule: {type: daily, tz: America/New_York, daytime: "01:30:00"}\nprogram: {type: no-op}\n',
    });
    const result = await runCli('apsisctl', [
      'preview',
      dir,
      '--from',
      '2026-10-31T00:00:00Z',
      '--count',
      '3',
    ]);
    assert.equal(
      result.stdout,
      [
        '2026-10-31T05:30:00+00:00  a  date=2026-10-31',
        '2026-11-01T05:30:00+00:00  a  date=2026-11-01',
        '2026-11-02T06:30:00+00:00  a  date=2026-11-02',
        '',
      ].join('\n'),
    );
  });

  it('merges jobs in time order, shows stop times and runs that would error', async () => {
    const dir = jobsDir({
      'b.yaml':
        'schedule: {start: {type: interval, interval: 1h}, stop: {type: duration, duration: 30m}}\nprogram: {type: no-op}\n',
      'a.yaml': 'params: [x]\nschedule: {type: interval, interval: 90m}\nprogram: {type: no-op}\n',
    });
    const result = await runCli('apsisctl', [
      'preview',
      dir,
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-01-01T03:00:00Z',
    ]);
    assert.equal(
      result.stdout,
      [
        '2026-01-01T00:00:00+00:00  a  -  error: missing args (x) for job a',
        '2026-01-01T00:00:00+00:00  b  -  stop=2026-01-01T00:30:00+00:00',
        '2026-01-01T01:00:00+00:00  b  -  stop=2026-01-01T01:30:00+00:00',
        '2026-01-01T01:30:00+00:00  a  -  error: missing args (x) for job a',
        '2026-01-01T02:00:00+00:00  b  -  stop=2026-01-01T02:30:00+00:00',
        '',
      ].join('\n'),
    );
    // The load-time check reports the job too.
    assert.match(result.stderr, /a: .*a\.yaml:2:\d+: schedule: missing args \(x\) for job a/);
    assert.equal(result.code, 1);
  });

  it('prints JSON lines with --json and only the named jobs', async () => {
    const dir = jobsDir({
      'a.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n',
      'b.yaml':
        'params: [time]\nschedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n',
    });
    const result = await runCli('apsisctl', [
      'preview',
      dir,
      'b',
      '--from',
      '2026-01-01T00:00:00Z',
      '--count',
      '2',
      '--json',
    ]);
    assert.deepEqual(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
      [
        {
          time: '2026-01-01T00:00:00+00:00',
          job_id: 'b',
          args: { time: '2026-01-01T00:00:00+00:00' },
          stop: null,
          schedule: 0,
          error: null,
        },
        {
          time: '2026-01-01T01:00:00+00:00',
          job_id: 'b',
          args: { time: '2026-01-01T01:00:00+00:00' },
          stop: null,
          schedule: 0,
          error: null,
        },
      ],
    );
  });

  it('leaves out disabled schedules', async () => {
    const dir = jobsDir({
      'a.yaml':
        'schedule: {type: interval, interval: 1h, enabled: false}\nprogram: {type: no-op}\n',
    });
    const result = await runCli('apsisctl', [
      'preview',
      dir,
      '--from',
      '2026-01-01T00:00:00Z',
      '--count',
      '5',
    ]);
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
  });

  it('says when a calendar file runs out, and keeps previewing the other jobs', async () => {
    const root = jobsDir({
      'jobs/short.yaml':
        'schedule: {type: daily, tz: UTC, daytime: "12:00:00", calendar: short}\nprogram: {type: no-op}\n',
      'jobs/long.yaml':
        'schedule: {type: daily, tz: UTC, daytime: "13:00:00"}\nprogram: {type: no-op}\n',
      'cal/short.cal': 'START 2026-01-01\nSTOP 2026-01-03\n2026-01-01\n2026-01-02\n',
      'apsis.yaml': 'calendar_dir: cal\n',
    });
    const result = await runCli('apsisctl', [
      'preview',
      join(root, 'jobs'),
      '--config',
      join(root, 'apsis.yaml'),
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-01-04T00:00:00Z',
    ]);
    assert.equal(
      result.stdout,
      [
        '2026-01-01T12:00:00+00:00  short  -',
        '2026-01-01T13:00:00+00:00  long  -',
        '2026-01-02T12:00:00+00:00  short  -',
        '2026-01-02T13:00:00+00:00  long  -',
        '2026-01-03T13:00:00+00:00  long  -',
        '',
      ].join('\n'),
    );
    assert.match(result.stderr, /short: schedule\[0\]: date 2026-01-03 is outside calendar short/);
    assert.equal(result.code, 1);
  });

  it('refuses a missing --to and --count, and unknown jobs, with exit 2', async () => {
    const dir = jobsDir({ 'a.yaml': 'program: {type: no-op}\n' });
    const noEnd = await runCli('apsisctl', ['preview', dir, '--from', 'now']);
    assert.equal(noEnd.code, 2);
    assert.match(noEnd.stderr, /give --to TIME or --count N/);
    const unknown = await runCli('apsisctl', [
      'preview',
      dir,
      'nope',
      '--from',
      'now',
      '--count',
      '1',
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no such job: nope/);
  });
});
