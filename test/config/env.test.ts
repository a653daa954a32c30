import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { load, loadError, problemLines, removeTempDirs, tempDir } from './helpers.js';

after(removeTempDirs);

const ENV = {
  PROCSTAR_AGENT_HOST: 'agents.example.com',
  PROCSTAR_AGENT_PORT: '50000',
  PROCSTAR_AGENT_TOKEN: 'secret',
  PROCSTAR_AGENT_CERT: 'tls/host.crt',
  PROCSTAR_AGENT_KEY: '/etc/tls/host.key',
};

describe('environment fallbacks', () => {
  it('fills procstar.agent.server keys from PROCSTAR_AGENT_* when the file omits them', () => {
    const cwd = tempDir();
    const { server } = loadConfig({ cwd, env: ENV }).config.procstar.agent;
    assert.deepEqual(server, {
      host: 'agents.example.com',
      port: 50000,
      accessToken: 'secret',
      tls: { certPath: join(cwd, 'tls', 'host.crt'), keyPath: '/etc/tls/host.key' },
    });
  });

  it('lets the file beat the environment', () => {
    const { server } = load(
      [
        'procstar:',
        '  agent:',
        '    server:',
        '      host: 127.0.0.1',
        '      port: 40000',
        '      access_token: from-file',
        '      tls: {cert_path: /f/c.pem, key_path: /f/k.pem}',
      ].join('\n'),
      { env: ENV },
    ).config.procstar.agent;
    assert.deepEqual(server, {
      host: '127.0.0.1',
      port: 40000,
      accessToken: 'from-file',
      tls: { certPath: '/f/c.pem', keyPath: '/f/k.pem' },
    });
  });

  it('lets an override beat the environment', () => {
    const { config } = load('', {
      env: ENV,
      overrides: ['procstar.agent.server.port=41000'],
    });
    assert.equal(config.procstar.agent.server.port, 41000);
  });

  it('uses the environment for a key the file sets to null', () => {
    const { config } = load('procstar: {agent: {server: {port: null}}}\n', { env: ENV });
    assert.equal(config.procstar.agent.server.port, 50000);
  });

  it('reads PROCSTAR_AGENT_HOST before PROCSTAR_AGENT_HOSTNAME', () => {
    const env = { PROCSTAR_AGENT_HOST: 'a', PROCSTAR_AGENT_HOSTNAME: 'b' };
    assert.equal(load('', { env }).config.procstar.agent.server.host, 'a');
  });

  it('falls back to PROCSTAR_AGENT_HOSTNAME, the name in the Apsis docs', () => {
    const env = { PROCSTAR_AGENT_HOSTNAME: 'b' };
    assert.equal(load('', { env }).config.procstar.agent.server.host, 'b');
  });

  it('ignores empty environment variables', () => {
    const env = { PROCSTAR_AGENT_HOST: '', PROCSTAR_AGENT_PORT: '' };
    const { server } = load('', { env }).config.procstar.agent;
    assert.equal(server.host, '*');
    assert.equal(server.port, 59789);
  });

  it('reads nothing from process.env unless it is passed in', () => {
    process.env['PROCSTAR_AGENT_PORT'] = '12345';
    try {
      assert.equal(load('').config.procstar.agent.server.port, 59789);
    } finally {
      delete process.env['PROCSTAR_AGENT_PORT'];
    }
  });

  it('names the variable when its value is bad', () => {
    const error = loadError('', { env: { PROCSTAR_AGENT_PORT: 'http' } });
    assert.match(
      problemLines(error)[0]!,
      /^env PROCSTAR_AGENT_PORT: procstar\.agent\.server\.port: expected a port number/,
    );
  });

  it('defaults calendar_dir to ORA_CALENDARS, relative to the working directory', () => {
    const cwd = tempDir();
    const { config } = loadConfig({ cwd, env: { ORA_CALENDARS: 'cals' } });
    assert.equal(config.calendarDir, join(cwd, 'cals'));
  });

  it('prefers calendar_dir in the file to ORA_CALENDARS', () => {
    const { config } = load('calendar_dir: /srv/cal\n', { env: { ORA_CALENDARS: '/x' } });
    assert.equal(config.calendarDir, '/srv/cal');
  });

  it('derives the TLS key from PROCSTAR_AGENT_CERT when no key is given', () => {
    const { config } = load('', { env: { PROCSTAR_AGENT_CERT: '/etc/tls/host.pem' } });
    assert.equal(config.procstar.agent.server.tls.keyPath, '/etc/tls/host.key');
  });
});
