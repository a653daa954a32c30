import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listJobFiles, loadJobsDir } from '../../src/jobs/index.js';
import { builtinCalendars, parseTime } from '../../src/time/index.js';
import { tempDir, writeFiles } from '../support/temp-dir.js';

const NOOP = 'program: {type: no-op}\n';
const now = parseTime('2026-03-01T00:00:00Z');

describe('listJobFiles', () => {
  it('finds .yaml files in any folder and derives ids from their paths', async () => {
    const root = tempDir();
    writeFiles(root, {
      'a.yaml': NOOP,
      'data/pipe line/a.b.yaml': NOOP,
      '.hidden-dir/visible.yaml': NOOP,
      '.hidden.yaml': NOOP,
      'other.yml': NOOP,
      'UPPER.YAML': NOOP,
      'notes.txt': 'x',
    });
    const ids = (await listJobFiles(root)).map((f) => f.jobId);
    assert.deepEqual(ids, ['.hidden-dir/visible', 'a', 'data/pipe line/a.b']);
  });

  it('follows symlinked files but not symlinked folders', async () => {
    const root = tempDir();
    const outside = tempDir();
    writeFiles(outside, { 'linked.yaml': NOOP, 'dir/inner.yaml': NOOP });
    mkdirSync(join(root, 'sub'));
    symlinkSync(join(outside, 'linked.yaml'), join(root, 'sub', 'linked.yaml'));
    symlinkSync(join(outside, 'dir'), join(root, 'linked-dir'));
    const ids = (await listJobFiles(root)).map((f) => f.jobId);
    assert.deepEqual(ids, ['sub/linked']);
  });
});

describe('loadJobsDir', () => {
  it('refuses a path that is not a directory', async () => {
    await assert.rejects(
      loadJobsDir('/no/such/dir', { calendars: builtinCalendars, now }),
      /not a directory: \/no\/such\/dir/,
    );
  });

  it('keeps valid jobs and reports every problem of every broken one', async () => {
    const root = tempDir();
    writeFiles(root, {
      'good.yaml': NOOP,
      'bad/syntax.yaml': 'program: [',
      'bad/empty.yaml': '',
      'bad/keys.yaml': 'program: {type: no-op}\nconditions: []\n',
    });
    const { jobs, problems } = await loadJobsDir(root, {
      calendars: builtinCalendars,
      now,
      displayDir: 'jobs',
    });
    assert.deepEqual([...jobs.keys()], ['good']);
    assert.deepEqual(
      problems.map((p) => [p.jobId, p.file, p.line]),
      [
        ['bad/empty', 'jobs/bad/empty.yaml', 1],
        ['bad/keys', 'jobs/bad/keys.yaml', 2],
        ['bad/syntax', 'jobs/bad/syntax.yaml', 1],
      ],
    );
  });

  it('does not report a dependency on a broken job as unknown when its params can be read', async () => {
    const root = tempDir();
    writeFiles(root, {
      'upstream.yaml': 'params: [date]\nprogram: {type: nope}\n',
      'downstream.yaml':
        'params: [date]\nschedule: {type: daily, tz: UTC, daytime: "01:00:00"}\nprogram: {type: no-op}\ncondition: {type: dependency, job_id: upstream}\n',
    });
    const { problems } = await loadJobsDir(root, { calendars: builtinCalendars, now });
    assert.deepEqual(
      problems.map((p) => p.jobId),
      ['upstream'],
    );
  });

  it('loads many files, in chunks, without losing any', async () => {
    const root = tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 250; i++) files[`j/${String(i).padStart(3, '0')}.yaml`] = NOOP;
    writeFiles(root, files);
    const { jobs, problems } = await loadJobsDir(root, { calendars: builtinCalendars, now });
    assert.equal(jobs.size, 250);
    assert.deepEqual(problems, []);
  });
});
