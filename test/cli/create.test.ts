import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRunStore, openDatabase } from '../../src/store/index.js';
import { ManualClock } from '../../src/time/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

describe('apsisctl create', () => {
  it('creates an empty database the daemon can open', async () => {
    const path = join(tempDir(), 'apsis.db');
    const result = await runCli('apsisctl', ['create', path]);
    assert.deepEqual(result, { code: 0, stdout: `created ${path}\n`, stderr: '' });
    assert.ok(existsSync(path));
    const store = createRunStore(openDatabase(path), { clock: new ManualClock(0) });
    assert.equal(store.countRuns(), 0);
    assert.ok(store.clockTime() !== undefined);
    store.close();
  });

  it('refuses a path that exists, and leaves it alone', async () => {
    const path = join(tempDir(), 'apsis.db');
    await runCli('apsisctl', ['create', path]);
    const again = await runCli('apsisctl', ['create', path]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
  });
});
