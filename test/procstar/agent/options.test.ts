import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AgentOptionsError,
  resolveAgentOptions,
  type AgentEnv,
  type AgentFlags,
} from '../../../src/procstar/agent/index.js';

const resolve = (flags: AgentFlags, env: AgentEnv = {}) =>
  resolveAgentOptions(flags, env, () => 'generated-id');

describe('agent options', () => {
  it('takes the original defaults', () => {
    const options = resolve({ agentHost: 'sched' });
    assert.equal(options.serverUrl, 'wss://sched:59789/');
    assert.equal(options.connId, 'generated-id');
    assert.equal(options.groupId, 'default');
    assert.equal(options.accessToken, '');
    assert.equal(options.trustedCertPath, null);
    assert.equal(options.connectIntervalStartMs, 1000);
    assert.equal(options.connectIntervalMult, 2);
    assert.equal(options.connectIntervalMaxMs, 60_000);
    assert.equal(options.connectCountMax, Infinity);
    assert.equal(options.readTimeoutMs, 60_000);
    assert.equal(options.pingIntervalMs, 20_000);
    assert.equal(options.registerTimeoutMs, 10_000);
    assert.equal(options.wait, false);
    assert.equal(options.waitTimeoutMs, 600_000);
    assert.equal(options.logLevel, 'warn');
  });

  it('reads the environment, including the port and group the original ignores', () => {
    const options = resolve(
      {},
      {
        PROCSTAR_AGENT_HOST: 'sched',
        PROCSTAR_AGENT_PORT: '4000',
        PROCSTAR_AGENT_TOKEN: 's3cret',
        PROCSTAR_AGENT_CERT: '/etc/agent.crt',
        PROCSTAR_GROUP_ID: 'aws-ecs-r1',
      },
    );
    assert.equal(options.serverUrl, 'wss://sched:4000/');
    assert.equal(options.accessToken, 's3cret');
    assert.equal(options.trustedCertPath, '/etc/agent.crt');
    assert.equal(options.groupId, 'aws-ecs-r1');
  });

  it('lets flags win over the environment', () => {
    const env = {
      PROCSTAR_AGENT_HOST: 'env-host',
      PROCSTAR_AGENT_PORT: '4000',
      PROCSTAR_AGENT_TOKEN: 'env',
      PROCSTAR_GROUP_ID: 'env-group',
    };
    const options = resolve(
      { agentHost: 'flag-host', agentPort: '5000', token: 'flag', groupId: 'flag-group' },
      env,
    );
    assert.equal(options.serverUrl, 'wss://flag-host:5000/');
    assert.equal(options.accessToken, 'flag');
    assert.equal(options.groupId, 'flag-group');
    assert.equal(resolve({ server: 'wss://s:1' }, env).serverUrl, 'wss://s:1/');
  });

  it('takes --server as wss://HOST[:PORT], and ws:// only to loopback', () => {
    assert.equal(
      resolve({ server: 'wss://sched.example.com' }).serverUrl,
      'wss://sched.example.com:59789/',
    );
    assert.equal(resolve({ server: 'sched:7' }).serverUrl, 'wss://sched:7/');
    assert.equal(resolve({ server: 'wss://[::1]:7' }).serverUrl, 'wss://[::1]:7/');
    assert.equal(resolve({ server: 'ws://127.0.0.1:7' }).serverUrl, 'ws://127.0.0.1:7/');
    assert.equal(resolve({ server: 'ws://localhost:7' }).serverUrl, 'ws://localhost:7/');
    assert.throws(() => resolve({ server: 'ws://sched:7' }), /only allowed to a loopback/);
    assert.throws(() => resolve({ server: 'https://sched:7' }), /use wss:/);
    assert.throws(
      () => resolve({ server: 'wss://sched:7/path' }),
      /only the scheme, host and port/,
    );
    assert.throws(() => resolve({ server: 'wss://a:1', agentHost: 'b' }), /either --server/);
  });

  it('brackets an IPv6 agent host', () => {
    assert.equal(resolve({ agentHost: '::1', agentPort: '9' }).serverUrl, 'wss://[::1]:9/');
  });

  it('converts the original flags, in seconds, to milliseconds', () => {
    const options = resolve({
      agentHost: 'h',
      connectIntervalStart: '0.05',
      connectIntervalMult: '1.5',
      connectIntervalMax: '3',
      connectCountMax: '4',
      agentReadTimeout: '2',
      waitTimeout: '900',
      wait: true,
      logLevel: 'trace',
      connId: 'pinned',
      restrictExe: '/usr/bin/sudo',
    });
    assert.equal(options.connectIntervalStartMs, 50);
    assert.equal(options.connectIntervalMult, 1.5);
    assert.equal(options.connectIntervalMaxMs, 3000);
    assert.equal(options.connectCountMax, 4);
    assert.equal(options.readTimeoutMs, 2000);
    assert.equal(options.waitTimeoutMs, 900_000);
    assert.equal(options.wait, true);
    assert.equal(options.logLevel, 'trace');
    assert.equal(options.connId, 'pinned');
    assert.equal(options.restrictedExe, '/usr/bin/sudo');
  });

  it('names the flag or variable of a bad value', () => {
    const bad = (flags: AgentFlags, env: AgentEnv, pattern: RegExp) =>
      assert.throws(
        () => resolve({ agentHost: 'h', ...flags }, env),
        (err: unknown) => err instanceof AgentOptionsError && pattern.test(err.message),
      );
    bad({ agentPort: 'x' }, {}, /^--agent-port: port must be a number/);
    bad({}, { PROCSTAR_AGENT_PORT: '70000' }, /^PROCSTAR_AGENT_PORT: port must be between/);
    bad({ connectCountMax: '0' }, {}, /^--connect-count-max: .* at least 1/);
    bad({ waitTimeout: 'soon' }, {}, /^--wait-timeout: .* seconds/);
    bad({ logLevel: 'loud' }, {}, /^--log-level/);
    bad({ connId: '' }, {}, /^--conn-id/);
    assert.throws(
      () => resolve({}),
      /no agent server hostname; use --server, --agent-host or set PROCSTAR_AGENT_HOST/,
    );
  });
});
