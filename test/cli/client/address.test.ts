import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostEnv, resolveConnection } from '../../../src/cli/client/address.js';
import { ArgumentError } from '../../../src/errors.js';

describe('parseHostEnv', () => {
  it('reads host:port, a bare host (port 5000) and IPv6 hosts', () => {
    assert.deepEqual(parseHostEnv('sched.example.com:6000'), {
      host: 'sched.example.com',
      port: 6000,
    });
    assert.deepEqual(parseHostEnv('sched'), { host: 'sched', port: 5000 });
    assert.deepEqual(parseHostEnv('[::1]:6000'), { host: '::1', port: 6000 });
    assert.deepEqual(parseHostEnv('::1'), { host: '::1', port: 5000 });
  });

  it('refuses a port that is not a number', () => {
    assert.throws(() => parseHostEnv('sched:http'), ArgumentError);
  });
});

describe('resolveConnection', () => {
  it('defaults to localhost:5000 with no token', () => {
    assert.deepEqual(resolveConnection({}, {}), {
      address: { host: 'localhost', port: 5000 },
      baseUrl: 'http://localhost:5000',
      token: undefined,
    });
  });

  it('lets --host and --port win over APSIS_HOST, each on its own', () => {
    const env = { APSIS_HOST: 'envhost:7000' };
    assert.equal(resolveConnection({}, env).baseUrl, 'http://envhost:7000');
    assert.equal(resolveConnection({ port: '8000' }, env).baseUrl, 'http://envhost:8000');
    assert.equal(resolveConnection({ host: 'flag' }, env).baseUrl, 'http://flag:7000');
  });

  it('takes the token from --token, else APSIS_TOKEN', () => {
    assert.equal(resolveConnection({}, { APSIS_TOKEN: 'env' }).token, 'env');
    assert.equal(resolveConnection({ token: 'flag' }, { APSIS_TOKEN: 'env' }).token, 'flag');
  });

  it('brackets an IPv6 host in the URL', () => {
    assert.equal(resolveConnection({ host: '::1', port: '5001' }, {}).baseUrl, 'http://[::1]:5001');
  });

  it('refuses a bad --port as an argument error', () => {
    assert.throws(() => resolveConnection({ port: '70000' }, {}), /--port: not a port number/);
  });
});
