import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';

// Compiled tests run from dist/test/config; fixtures stay in the source tree.
const fixtures = fileURLToPath(new URL('../../../test/fixtures/config/', import.meta.url));

describe('config fixtures', () => {
  it('loads a file using every key without a single warning', () => {
    const { config, warnings } = loadConfig({ cwd: fixtures, path: 'full.yaml', env: {} });
    assert.deepEqual(warnings, []);
    assert.equal(config.jobDir, `${fixtures}jobs`);
    assert.equal(config.calendarDir, `${fixtures}calendars`);
    assert.equal(config.runs.lookbackMs, 7 * 86_400_000);
    assert.equal(config.waiting.maxTimeMs, 5_400_000);
    assert.equal(config.program.timeout.signal, 'SIGTERM');
    assert.deepEqual(config.hostGroups['cycle'], {
      type: 'round-robin',
      hosts: ['host1.example.com', 'host2.example.com'],
    });
    assert.equal(config.procstar.agent.server.accessToken, 'topsecretaccesstoken');
    assert.equal(config.procstar.agent.ecs?.maxVcpu, 4);
    assert.equal(config.globalActions.length, 1);
    assert.deepEqual(config.api, { host: '127.0.0.1', port: 5001, token: null });
  });

  it('loads the sample from the Apsis docs, warning only about the unsupported type tables', () => {
    const { config, warnings } = loadConfig({
      cwd: fixtures,
      path: 'apsis-docs-sample.yaml',
      env: {},
    });
    assert.equal(config.jobDir, `${fixtures}jobs`);
    assert.equal(config.runs.lookbackMs, null);
    assert.equal(config.database.timeoutMs, 10_000);
    assert.equal(warnings.length, 3);
    for (const w of warnings) assert.match(w, /_types is not supported/);
  });
});
