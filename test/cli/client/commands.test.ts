import assert from 'node:assert/strict';
import { Command } from 'commander';
import { afterEach, describe, it } from 'node:test';
import type { ApsisApi } from '../../../src/cli/client/api.js';
import type { ClientDeps } from '../../../src/cli/client/command.js';
import { ApiError } from '../../../src/cli/client/errors.js';
import {
  addClientCommands,
  addConnectionOptions,
  addCtlClientCommands,
} from '../../../src/cli/client/index.js';
import type { Run } from '../../../src/cli/client/schemas.js';
import { parseTime } from '../../../src/time/index.js';

/**
 * Each command's arguments reach the right API call, and its answer the
 * right output, with a fake API in place of the daemon.
 */

const NOW = parseTime('2024-10-22T14:00:00Z');

function run(id: string, fields: Partial<Run> = {}): Run {
  return {
    run_id: id,
    job_id: 'j',
    args: {},
    state: 'success',
    times: { schedule: '2024-10-22T13:00:00.000+00:00' },
    ...fields,
  };
}

interface Harness {
  calls: string[];
  out: string;
  err: string;
  bytes: Buffer[];
  code: number | undefined;
}

/** Runs `apsis ARGS` (or `apsisctl`) in process against `api`, a partial fake. */
async function invoke(
  args: string[],
  api: Partial<ApsisApi> = {},
  prog: 'apsis' | 'apsisctl' = 'apsis',
): Promise<Harness> {
  const h: Harness = { calls: [], out: '', err: '', bytes: [], code: undefined };
  const record =
    (name: string, answer: unknown) =>
    async (...a: unknown[]) => {
      h.calls.push(`${name} ${JSON.stringify(a)}`);
      return answer;
    };
  const fake = {
    getRun: record('getRun', run('r1')),
    skip: record('skip', {}),
    start: record('start', {}),
    stop: record('stop', {}),
    signal: record('signal', {}),
    mark: record('mark', {}),
    rerun: record('rerun', [run('r9')]),
    schedule: record('schedule', [run('r5', { state: 'scheduled' })]),
    getRuns: record('getRuns', { r1: run('r1') }),
    reloadJobs: record('reloadJobs', { removed: [], added: ['n'], changed: [], dry_run: false }),
    shutDown: record('shutDown', {}),
    version: record('version', '9.9.9'),
    ...api,
  } as unknown as ApsisApi;
  const deps: ClientDeps = {
    io: {
      out: (t) => (h.out += t),
      err: (t) => (h.err += t),
      outBytes: async (d) => void h.bytes.push(Buffer.from(d)),
    },
    env: {},
    now: () => NOW,
    color: false,
    colorErr: false,
    systemZone: 'UTC',
    createApi: () => fake,
  };
  const program = new Command(prog).enablePositionalOptions().exitOverride();
  program.configureOutput({ writeErr: (t) => (h.err += t), writeOut: (t) => (h.out += t) });
  addConnectionOptions(program);
  if (prog === 'apsis') addClientCommands(program, deps);
  else addCtlClientCommands(program, deps);
  await program.parseAsync(args, { from: 'user' });
  h.code = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  return h;
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('run operations', () => {
  it('sends mark with the matched state to every run, in order, silently', async () => {
    const h = await invoke(['mark', 'fail', 'r1', 'r2']);
    assert.deepEqual(h.calls, ['mark ["r1","failure"]', 'mark ["r2","failure"]']);
    assert.equal(h.out, '');
  });

  it('upper-cases the signal, and --json prints each answer by run id', async () => {
    const h = await invoke(['signal', 'term', 'r3', '--json']);
    assert.deepEqual(h.calls, ['signal ["r3","TERM"]']);
    assert.deepEqual(JSON.parse(h.out), { r3: {} });
  });

  it('stops at the first API error and exits 1 with the message', async () => {
    const h = await invoke(['skip', 'r1', 'r2'], {
      skip: async (runId: string) => {
        throw new ApiError(409, `can't skip ${runId} in state running`);
      },
    });
    assert.equal(h.code, 1);
    assert.equal(h.err, "Error: can't skip r1 in state running [API status: 409]\n");
  });

  it('schedules with args, count and a stop duration passed through', async () => {
    const h = await invoke([
      'schedule',
      '--count',
      '2',
      '--stop-time',
      '30m',
      '+1h',
      'j',
      'a=1',
      'b=x=y',
    ]);
    assert.deepEqual(h.calls, [
      'schedule [{"jobId":"j","args":{"a":"1","b":"x=y"}},{"time":"2024-10-22T15:00:00.000+00:00","stopTime":"30m","count":2}]',
    ]);
    assert.match(h.out, /^run r5 j\(\)\nnone\n\[O\] for 2024-10-22 13:00:00\n\n$/);
  });

  it('schedules an ad hoc argv, or shell code with --shell, passing options after TIME to the command', async () => {
    let h = await invoke(['adhoc', 'now', 'ls', '-l', '/tmp']);
    assert.match(
      h.calls[0] ?? '',
      /^schedule \[\{"adhoc":\{"program":\["ls","-l","\/tmp"\]\}\},\{"time":"now"\}\]$/,
    );
    h = await invoke(['adhoc', '--shell', 'now', 'echo', 'hi', '|', 'wc']);
    assert.match(h.calls[0] ?? '', /"program":"echo hi \| wc"/);
  });

  it('refuses a TIME it cannot read with exit 2', async () => {
    const h = await invoke(['schedule', 'soonish', 'j']);
    assert.equal(h.code, 2);
    assert.equal(h.err, 'apsis: error: cannot interpret as time: soonish\n');
  });

  it('prints rerun runs as a YAML stream with --format yaml, one document per run', async () => {
    let n = 10;
    const h = await invoke(['rerun', 'r1', 'r2', '--format', 'yaml'], {
      rerun: async () => [run(`r${n++}`)],
    });
    assert.match(h.out, /^run_id: r10\njob_id: j\n[^]*\n---\nrun_id: r11\n/);
  });
});

describe('queries', () => {
  it('prints several runs as one JSON document each, in the order asked', async () => {
    const h = await invoke(['run', 'r2', 'r1', '--json'], {
      getRun: async (id: string) => run(id),
    });
    assert.deepEqual(
      h.out
        .split(/(?<=^\})\n/m)
        .filter((d) => d.trim() !== '')
        .map((d) => JSON.parse(d).run_id),
      ['r2', 'r1'],
    );
  });

  it('passes job, state prefix and arg filters to the run query', async () => {
    const h = await invoke(['runs', '-j', 'j', '-s', 'fail', 'a=1']);
    assert.deepEqual(h.calls, ['getRuns [{"jobId":"j","state":"failure","args":{"a":"1"}}]']);
    assert.match(h.out, /^run_id ste start/);
  });

  it('filters by --times on the start column', async () => {
    const h = await invoke(['runs', '-t', '2024-10-22T13:30:00Z..'], {
      getRuns: async () => ({ r1: run('r1') }),
    });
    assert.equal(h.out, 'No runs.\n\n');
  });

  it('refuses --summary with --json (exit 2 from the parser)', async () => {
    await assert.rejects(invoke(['runs', '--summary', '--json']), /cannot be used with/);
  });
});

describe('output', () => {
  it('writes the raw bytes of the output to stdout', async () => {
    const h = await invoke(['output', 'r1'], {
      getOutput: async () => new Uint8Array([0xff, 0x00, 0x41]),
    });
    assert.deepEqual(Buffer.concat(h.bytes), Buffer.from([0xff, 0x00, 0x41]));
  });
});

describe('apsisctl client commands', () => {
  it('reload-jobs --dry-run asks for a dry run and prints the sections', async () => {
    const h = await invoke(['reload-jobs', '--dry-run'], {}, 'apsisctl');
    assert.deepEqual(h.calls, ['reloadJobs [true]']);
    assert.equal(h.out, 'Jobs added\n- n\n\n');
  });

  it('restart asks the daemon to restart', async () => {
    const h = await invoke(['restart'], {}, 'apsisctl');
    assert.deepEqual(h.calls, ['shutDown [true]']);
  });

  it('version prints the address from --host/--port, not the default', async () => {
    const h = await invoke(
      ['--host', 'sched', '--port', '6000', 'version', '--json'],
      {},
      'apsisctl',
    );
    assert.deepEqual(Object.keys(JSON.parse(h.out)), [
      'server_address',
      'server_version',
      'client_version',
    ]);
    assert.equal(JSON.parse(h.out).server_address, 'sched:6000');
  });
});
