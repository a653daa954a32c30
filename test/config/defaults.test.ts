import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createConfigSchema, loadConfig, type ConfigInput } from '../../src/config/index.js';
import { load, removeTempDirs, tempDir, writeConfig } from './helpers.js';

after(removeTempDirs);

describe('defaults', () => {
  it('fills every key of the spec table when there is no config file', () => {
    const cwd = tempDir();
    const { config, warnings } = loadConfig({ cwd });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      jobDir: join(cwd, 'jobs'),
      database: { path: join(cwd, 'apsis.db'), timeoutMs: null },
      calendarDir: null,
      globalActions: [],
      runs: { lookbackMs: null },
      schedule: { since: null, horizonMs: 86_400_000, maxAgeMs: null },
      waiting: { maxTimeMs: null },
      program: { timeout: { durationMs: null, signal: 'SIGTERM' } },
      hostGroups: {},
      procstar: {
        agent: {
          enable: false,
          server: {
            host: '*',
            port: 59789,
            accessToken: '',
            tls: { certPath: null, keyPath: null },
          },
          connection: { startTimeoutMs: 0, reconnectTimeoutMs: null },
          run: { updateIntervalMs: null, outputIntervalMs: null },
          sudo: { argv: ['/usr/bin/sudo', '--preserve-env', '--set-home'] },
          resourceDefaults: { memMaxGb: null },
          ecs: null,
          builtin: { enable: false, groupId: 'default' },
        },
      },
      api: { host: '127.0.0.1', port: 5000, token: null },
      smtp: null,
    });
  });

  it('treats an empty file as {} and resolves defaults beside the file, not the cwd', () => {
    const { dir, path } = writeConfig('');
    const { config, warnings } = loadConfig({ cwd: dir, path });
    assert.deepEqual(warnings, []);
    assert.equal(config.jobDir, join(dir, 'conf', 'jobs'));
    assert.equal(config.database.path, join(dir, 'conf', 'apsis.db'));
  });

  it('treats a file holding only comments as empty', () => {
    assert.equal(load('# nothing here\n').config.schedule.horizonMs, 86_400_000);
  });

  it('treats a section written with nothing under it as all defaults', () => {
    const { config } = load('waiting:\nschedule:\nprocstar:\n  agent:\n');
    assert.equal(config.waiting.maxTimeMs, null);
    assert.equal(config.schedule.horizonMs, 86_400_000);
    assert.equal(config.procstar.agent.enable, false);
  });

  it('returns a deeply frozen config', () => {
    const { config } = load('host_groups: {g: [a, b]}\n');
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.procstar.agent.sudo.argv));
    assert.ok(Object.isFrozen(config.hostGroups['g']?.hosts));
    assert.throws(() => {
      (config.schedule as { horizonMs: number }).horizonMs = 1;
    }, TypeError);
  });

  it('accepts python.gc keys without a warning and leaves them out of the result', () => {
    const { config, warnings } = load(
      'python:\n  gc:\n    enabled: false\n    threshold: [100000, 100, 100]\n',
    );
    assert.deepEqual(warnings, []);
    assert.equal('python' in config, false);
  });

  it('still checks python.gc values', () => {
    assert.throws(() => load('python: {gc: {threshold: [a]}}\n'), /python\.gc\.threshold\[0\]/);
  });
});

describe('relative paths', () => {
  it('resolves job_dir, database.path, calendar_dir and TLS paths against the config folder', () => {
    const { dir, path } = writeConfig(
      [
        'job_dir: ../jobs',
        'database: {path: state/apsis.db}',
        'calendar_dir: cals',
        'procstar:',
        '  agent:',
        '    server:',
        '      tls: {cert_path: tls/host.crt, key_path: /abs/host.key}',
      ].join('\n'),
    );
    const { config } = loadConfig({ cwd: '/', path });
    const conf = join(dir, 'conf');
    assert.equal(config.jobDir, join(dir, 'jobs'));
    assert.equal(config.database.path, join(conf, 'state', 'apsis.db'));
    assert.equal(config.calendarDir, join(conf, 'cals'));
    assert.equal(config.procstar.agent.server.tls.certPath, join(conf, 'tls', 'host.crt'));
    assert.equal(config.procstar.agent.server.tls.keyPath, '/abs/host.key');
  });

  it('reads a config path relative to the given cwd', () => {
    const { dir } = writeConfig('job_dir: j\n');
    const { config } = loadConfig({ cwd: dir, path: 'conf/apsis.yaml' });
    assert.equal(config.jobDir, join(dir, 'conf', 'j'));
  });

  it('accepts database as just a path, as old Apsis configs write it', () => {
    const { dir, path } = writeConfig('database: x.db\n');
    assert.equal(loadConfig({ cwd: dir, path }).config.database.path, join(dir, 'conf', 'x.db'));
  });

  it('defaults the TLS key to the cert path with suffix .key', () => {
    const { config } = load('procstar: {agent: {server: {tls: {cert_path: /etc/tls/host.crt}}}}\n');
    assert.equal(config.procstar.agent.server.tls.keyPath, '/etc/tls/host.key');
  });

  it('refuses an empty path', () => {
    assert.throws(() => load('job_dir: ""\n'), /job_dir: expected a path, got an empty string/);
  });

  it('names a missing config file', () => {
    const cwd = tempDir();
    assert.throws(() => loadConfig({ cwd, path: 'nope.yaml' }), {
      code: 'bad_config',
      message: /can't read config file nope\.yaml/,
    });
  });
});

describe('createConfigSchema', () => {
  it('takes what the operator writes and gives the compiled form', () => {
    const input: ConfigInput = {
      database: 'state.db',
      waiting: { max_time: '10min' },
      schedule: { horizon: 3600 },
      procstar: { agent: { server: { port: '5000' } } },
    };
    const config = createConfigSchema('/base').parse(input);
    assert.equal(config.database.path, '/base/state.db');
    assert.equal(config.waiting.maxTimeMs, 600_000);
    assert.equal(config.schedule.horizonMs, 3_600_000);
    assert.equal(config.procstar.agent.server.port, 5000);
  });
});
