import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { errorCodes, SchedulerError, UnknownJobError } from '../src/errors.js';
import { repoRoot } from './support/temp-dir.js';

describe('the error catalogue', () => {
  const doc = readFileSync(join(repoRoot, 'docs/errors.md'), 'utf8');

  it('documents every code with its HTTP status in docs/errors.md', () => {
    for (const [code, { httpStatus }] of Object.entries(errorCodes)) {
      assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${httpStatus} \\|`), code);
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(errorCodes).sort());
  });

  it('maps every code to a 4xx or 5xx status', () => {
    for (const { httpStatus } of Object.values(errorCodes))
      assert.ok(httpStatus >= 400 && httpStatus < 600);
  });

  it('gives errors their class name and code', () => {
    const err = new UnknownJobError('x/y');
    assert.ok(err instanceof SchedulerError);
    assert.equal(err.name, 'UnknownJobError');
    assert.equal(err.code, 'unknown_job');
    assert.equal(err.httpStatus, 404);
    assert.equal(err.message, 'unknown job ID: x/y');
  });
});
