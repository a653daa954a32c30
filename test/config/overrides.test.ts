import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig, parseOverrideValue } from '../../src/config/index.js';
import { load, loadError, problemLines, removeTempDirs, tempDir, writeConfig } from './helpers.js';

after(removeTempDirs);

describe('--override values', () => {
  const cases: [string, unknown][] = [
    ['true', true],
    ['false', false],
    ['5', 5],
    ['1.5', 1.5],
    ['null', null],
    ['', null],
    ['[a, b]', ['a', 'b']],
    ['{type: random, hosts: [x]}', { type: 'random', hosts: ['x'] }],
    ['"0123"', '0123'],
    ['10min', '10min'],
    ['10 minutes', '10 minutes'],
    ['*', '*'],
    ['@x', '@x'],
    ['a: b', 'a: b'],
    ['abc #1', 'abc #1'],
  ];
  for (const [text, value] of cases) {
    it(`reads ${JSON.stringify(text)} as ${JSON.stringify(value)}`, () => {
      assert.deepEqual(parseOverrideValue(text), value);
    });
  }
});

describe('--override', () => {
  it('parses -o waiting.max_time=10min exactly like the same value in the file', () => {
    const { dir, path } = writeConfig('waiting: {max_time: 10min}\n');
    const fromFile = loadConfig({ cwd: dir, path }).config;
    const fromOverride = loadConfig({ cwd: dir, overrides: ['waiting.max_time=10min'] }).config;
    assert.equal(fromOverride.waiting.maxTimeMs, 600_000);
    assert.deepEqual(fromOverride.waiting, fromFile.waiting);
  });

  it('parses -o runs.lookback=1d as a duration', () => {
    assert.equal(load('', { overrides: ['runs.lookback=1d'] }).config.runs.lookbackMs, 86_400_000);
  });

  it('gives -o procstar.agent.enable=true its boolean meaning', () => {
    const { config } = load('', { overrides: ['procstar.agent.enable=true'] });
    assert.equal(config.procstar.agent.enable, true);
  });

  it('gives numbers and lists their types', () => {
    const { config } = load('', {
      overrides: ['procstar.agent.server.port=5000', 'host_groups.g=[h1, h2]'],
    });
    assert.equal(config.procstar.agent.server.port, 5000);
    assert.deepEqual(config.hostGroups['g'], { type: 'random', hosts: ['h1', 'h2'] });
  });

  it('creates the nested mappings a dotted name needs', () => {
    const { config } = load('', { overrides: ['procstar.agent.connection.reconnect_timeout=1h'] });
    assert.equal(config.procstar.agent.connection.reconnectTimeoutMs, 3_600_000);
  });

  it('takes precedence over the file and keeps the file’s other keys', () => {
    const { config } = load('schedule: {horizon: 1h, max_age: 2d}\n', {
      overrides: ['schedule.horizon=2h'],
    });
    assert.equal(config.schedule.horizonMs, 7_200_000);
    assert.equal(config.schedule.maxAgeMs, 172_800_000);
  });

  it('applies repeated overrides in order, the last winning', () => {
    const { config } = load('', { overrides: ['waiting.max_time=1m', 'waiting.max_time=2m'] });
    assert.equal(config.waiting.maxTimeMs, 120_000);
  });

  it('replaces a whole section when it names the section', () => {
    const { config } = load('schedule: {horizon: 1h, max_age: 2d}\n', {
      overrides: ['schedule={horizon: 3h}'],
    });
    assert.equal(config.schedule.horizonMs, 10_800_000);
    assert.equal(config.schedule.maxAgeMs, null);
  });

  it('sets a key under database when the file gives database as just a path', () => {
    const { dir, path } = writeConfig('database: x.db\n');
    const { config } = loadConfig({ cwd: dir, path, overrides: ['database.timeout=5s'] });
    assert.deepEqual(config.database, { path: join(dir, 'conf', 'x.db'), timeoutMs: 5000 });
  });

  it('resolves an overridden path against the config folder, like the file’s', () => {
    const { dir, path } = writeConfig('');
    const { config } = loadConfig({ cwd: dir, path, overrides: ['job_dir=other'] });
    assert.equal(config.jobDir, join(dir, 'conf', 'other'));
  });

  it('works without a config file, resolving against the working directory', () => {
    const cwd = tempDir();
    const { config } = loadConfig({ cwd, overrides: ['database.path=x.db'] });
    assert.equal(config.database.path, join(cwd, 'x.db'));
  });

  it('accepts the jobs and runs_lookback spellings as names', () => {
    const { config, warnings } = load('job_dir: a\n', {
      overrides: ['jobs=/b', 'runs_lookback=1h'],
    });
    assert.equal(config.jobDir, '/b');
    assert.equal(config.runs.lookbackMs, 3_600_000);
    assert.match(warnings.join('\n'), /override runs_lookback: deprecated/);
  });

  it('names the override when its value is bad', () => {
    const error = loadError('', { overrides: ['waiting.max_time=10 minutes please'] });
    assert.deepEqual(problemLines(error), [
      "override waiting.max_time: can't parse as duration: 10 minutes please",
    ]);
  });

  it('names the override and the key when a section override holds a bad value', () => {
    const error = loadError('', { overrides: ['schedule={horizon: never}'] });
    assert.match(problemLines(error)[0]!, /^override schedule: schedule\.horizon: can't parse/);
  });

  it('refuses an override with no =, naming it', () => {
    const error = loadError('', { overrides: ['waiting.max_time'] });
    assert.deepEqual(problemLines(error), [
      'override waiting.max_time: expected NAME=VALUE (no = found)',
    ]);
  });

  it('refuses an override with an empty name, naming it', () => {
    const error = loadError('', { overrides: ['=5'] });
    assert.deepEqual(problemLines(error), ['override =5: expected NAME=VALUE (empty name)']);
  });

  it('refuses an empty part in a dotted name', () => {
    const error = loadError('', { overrides: ['waiting..max_time=5'] });
    assert.match(
      problemLines(error)[0]!,
      /^override waiting\.\.max_time=5: expected a dotted name/,
    );
  });

  it('refuses to set a key below a value that is not a mapping', () => {
    const error = loadError('waiting: 5\n', { overrides: ['waiting.max_time=5'] });
    assert.match(
      problemLines(error)[0]!,
      /^override waiting\.max_time: can't set it: waiting is not a mapping/,
    );
  });

  it('reports malformed overrides together with the file’s problems', () => {
    const error = loadError('waiting: {max_time: x}\n', { overrides: ['oops'] });
    assert.equal(problemLines(error).length, 2);
  });

  it('warns about an override of an unknown key', () => {
    const { warnings } = load('', { overrides: ['waiting.max_tme=5'] });
    assert.deepEqual(warnings, [
      'override waiting.max_tme: unknown config key: waiting.max_tme (ignored); did you mean waiting.max_time?',
    ]);
  });
});
