import assert from 'node:assert/strict';
import { fstatSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildChildEnv } from '../../../src/procstar/agent/environment.js';
import {
  parseFdName,
  planFds,
  unsupportedFds,
  validateFds,
} from '../../../src/procstar/agent/fds.js';
import type { FdSpec, ParsedProcSpec } from '../../../src/procstar/index.js';
import { tempDir } from '../../support/temp-dir.js';

const spec = (fds: [string, FdSpec][]): ParsedProcSpec => ({ argv: ['/bin/true'], fds });
const capture = (attached = false): FdSpec => ({
  capture: { mode: 'tempfile', encoding: null, attached },
});

describe('fd validation', () => {
  it('parses fd names as the original does', () => {
    assert.equal(parseFdName('stdin'), 0);
    assert.equal(parseFdName('stderr'), 2);
    assert.equal(parseFdName('7'), 7);
    assert.equal(parseFdName('+3'), 3);
    assert.equal(parseFdName('-1'), null);
    assert.equal(parseFdName('x'), null);
  });

  it('words fd problems as the original does, in its order', () => {
    assert.equal(validateFds([['a', spec([['x', 'inherit']])]]), 'bad fd: x');
    assert.equal(
      validateFds([
        [
          'a',
          spec([
            ['stdout', 'close'],
            ['1', 'inherit'],
          ]),
        ],
      ]),
      'duplicate fd: 1',
    );
    assert.equal(
      validateFds([['a', spec([['stdin', { 'pipe-read': { proc_id: 'b', fd: 'stdout' } }]])]]),
      'unmatched read pipe: b stdout',
    );
    assert.equal(
      validateFds([['a', spec([['stdout', 'pipe-write']])]]),
      'unmatched write pipe: a 1',
    );
    const pair: [string, ParsedProcSpec][] = [
      ['a', spec([['stdout', 'pipe-write']])],
      ['b', spec([['stdin', { 'pipe-read': { proc_id: 'a', fd: 'stdout' } }]])],
    ];
    assert.equal(validateFds(pair), null);
    assert.equal(unsupportedFds(pair), 'pipe fds are not supported by this agent: a stdout');
  });
});

describe('fd plan', () => {
  const options = () => ({ tmpDir: tempDir('fd-plan-'), cwd: '/' });

  it('gives stdout and a merged stderr the same capture file, as the Apsis spec asks', () => {
    const plan = planFds(
      [
        ['stdout', capture()],
        ['stderr', { dup: { fd: 1 } }],
      ],
      options(),
    );
    assert.equal(plan.error, null);
    const [stdin, stdout, stderr] = plan.stdio;
    assert.equal(stdin, 0, 'stdin inherited from the agent');
    assert.equal(typeof stdout, 'number');
    assert.equal(stderr, stdout);
    assert.deepEqual(
      plan.results.map(([name, c]) => [name, c === null ? null : c.mode]),
      [
        ['stdout', 'tempfile'],
        ['stderr', null],
      ],
    );
    plan.release();
    plan.captures.get(1)!.close();
  });

  it('dups whatever the fd refers to at that point of the list', () => {
    const plan = planFds(
      [
        ['stderr', { dup: { fd: 1 } }],
        ['stdout', 'close'],
      ],
      options(),
    );
    assert.deepEqual(plan.stdio, [0, 'ignore', 1]);
  });

  it('opens /dev/null and files in the agent, closing its copies on release', () => {
    const dir = tempDir('fd-plan-');
    const plan = planFds(
      [
        ['stdin', { null: { flags: 'Default' } }],
        ['3', { file: { path: 'out.txt', flags: 'Write', mode: 0o600 } }],
      ],
      { tmpDir: dir, cwd: dir },
    );
    assert.equal(plan.error, null);
    const [devNull, , , file] = plan.stdio as number[];
    assert.ok(fstatSync(devNull!).isCharacterDevice());
    assert.ok(fstatSync(file!).isFile());
    plan.release();
    assert.throws(() => fstatSync(file!), /EBADF/);
  });

  it('reports an fd it cannot set up as the original child does', () => {
    const missing = planFds(
      [['stdout', { file: { path: '/nonexistent/x', flags: 'Write', mode: 0o666 } }]],
      options(),
    );
    assert.equal(missing.error, 'failed to set up fd 1: No such file or directory (os error 2)');
    const closed = planFds([['stderr', { dup: { fd: 5 } }]], options());
    assert.equal(closed.error, 'failed to set up fd 2: Bad file descriptor (os error 9)');
  });
});

describe('child environment', () => {
  const agentEnv = {
    HOME: '/home/a',
    PATH: '/bin',
    PROCSTAR_AGENT_TOKEN: 't',
    PROCSTAR_AGENT_CERT: 'c',
    PROCSTAR_AGENT_KEY: 'k',
  };

  it('inherits everything but the agent secrets by default', () => {
    assert.deepEqual(buildChildEnv(agentEnv, undefined), { HOME: '/home/a', PATH: '/bin' });
  });

  it('inherits named variables only, or none', () => {
    assert.deepEqual(
      buildChildEnv(agentEnv, { inherit: ['PATH', 'PROCSTAR_AGENT_TOKEN'], vars: {} }),
      {
        PATH: '/bin',
      },
    );
    assert.deepEqual(buildChildEnv(agentEnv, { inherit: false, vars: {} }), {});
  });

  it('sets and unsets vars after inheritance, secrets included when set explicitly', () => {
    assert.deepEqual(
      buildChildEnv(agentEnv, {
        inherit: true,
        vars: { HOME: null, APSIS_RUN_ID: 'r1', PROCSTAR_AGENT_TOKEN: 'mine' },
      }),
      { PATH: '/bin', APSIS_RUN_ID: 'r1', PROCSTAR_AGENT_TOKEN: 'mine' },
    );
  });
});
