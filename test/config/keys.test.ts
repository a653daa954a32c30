import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { load, loadError, problemLines, removeTempDirs, writeConfig } from './helpers.js';

after(removeTempDirs);

describe('jobs alias', () => {
  it('accepts jobs, the name in the Apsis docs, as job_dir', () => {
    const { dir, path } = writeConfig('jobs: ./myjobs\n');
    const { config, warnings } = loadConfig({ cwd: dir, path });
    assert.equal(config.jobDir, join(dir, 'conf', 'myjobs'));
    assert.deepEqual(warnings, []);
  });

  it('accepts jobs and job_dir together when they agree', () => {
    assert.equal(load('jobs: /j\njob_dir: /j\n').config.jobDir, '/j');
  });

  it('refuses jobs and job_dir that disagree, naming both', () => {
    const error = loadError('jobs: /a\njob_dir: /b\n');
    assert.match(
      problemLines(error)[0]!,
      /apsis\.yaml:1:1: jobs: both jobs \(\/a\) and job_dir \(\/b\) are set; keep one/,
    );
  });
});

describe('unknown keys', () => {
  it('warns about an unknown top-level key, naming it, and still loads', () => {
    const { config, warnings } = load('job_dir: /j\nfrobnicate: 1\n');
    assert.equal(config.jobDir, '/j');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /apsis\.yaml:2:1: unknown config key: frobnicate \(ignored\)$/);
  });

  it('warns about a nested unknown key with its dotted path and a suggestion', () => {
    const { warnings } = load('procstar:\n  agent:\n    conection: {}\n');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /apsis\.yaml:3:5: unknown config key: procstar\.agent\.conection \(ignored\); did you mean procstar\.agent\.connection\?$/,
    );
  });

  it('points reconnect_timeout under server: (where the Apsis docs put it) to connection:', () => {
    const { config, warnings } = load('procstar: {agent: {server: {reconnect_timeout: 1 hour}}}\n');
    assert.equal(config.procstar.agent.connection.reconnectTimeoutMs, null);
    assert.match(warnings[0]!, /did you mean procstar\.agent\.connection\.reconnect_timeout\?/);
  });

  it('warns about unknown keys inside host groups', () => {
    const { warnings } = load('host_groups: {g: {type: single, host: h, weight: 2}}\n');
    assert.deepEqual(
      warnings.map((w) => w.replace(/^.*?: (?=unknown)/, '')),
      ['unknown config key: host_groups.g.weight (ignored)'],
    );
  });

  it('does not look inside smtp or actions, which extensions define', () => {
    const { warnings } = load(
      'smtp: {host: mail, port: 25, anything: 1}\naction: {type: x, whatever: 1}\n',
    );
    assert.deepEqual(warnings, []);
  });

  it('warns that program_types, schedule_types and action_types are not supported', () => {
    const { warnings } = load('program_types: {a: b}\nschedule_types: {}\naction_types: {}\n');
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /config key program_types is not supported/);
  });
});

describe('procstar.agent.ecs', () => {
  const full = [
    'procstar:',
    '  agent:',
    '    ecs:',
    '      cluster_name: c',
    '      default_task_definition: td',
    '      container_name: agent',
    '      region: us-east-1',
    '      aws_account_id: "012345678901"',
    '      ebs_volume_role: ebs',
    '      log_group: /ecs/procstar',
    '      log_stream_prefix: procstar',
    '      default_mem_gb: 2',
    '      default_vcpu: 1',
    '      default_disk_gb: 20',
  ].join('\n');

  it('compiles a complete mapping, with optional keys defaulted', () => {
    assert.deepEqual(load(full).config.procstar.agent.ecs, {
      clusterName: 'c',
      containerName: 'agent',
      defaultTaskDefinition: 'td',
      region: 'us-east-1',
      awsAccountId: '012345678901',
      ebsVolumeRole: 'ebs',
      logGroup: '/ecs/procstar',
      logStreamPrefix: 'procstar',
      defaultMemGb: 2,
      defaultVcpu: 1,
      defaultDiskGb: 20,
      maxMemGb: null,
      maxVcpu: null,
      retainEbs: false,
    });
  });

  it('reads the optional keys', () => {
    const ecs = load(`${full}\n      max_mem_gb: 16\n      max_vcpu: 4\n      retain_ebs: true\n`)
      .config.procstar.agent.ecs;
    assert.equal(ecs?.maxMemGb, 16);
    assert.equal(ecs?.maxVcpu, 4);
    assert.equal(ecs?.retainEbs, true);
  });

  it('lists every missing required key in one message', () => {
    const error = loadError(
      'procstar:\n  agent:\n    ecs:\n      cluster_name: c\n      region: r\n',
    );
    assert.deepEqual(problemLines(error).length, 1);
    assert.match(
      problemLines(error)[0]!,
      /apsis\.yaml:4:7: procstar\.agent\.ecs: missing required keys: container_name, default_task_definition, aws_account_id, ebs_volume_role, log_group, log_stream_prefix, default_mem_gb, default_vcpu, default_disk_gb$/,
    );
  });

  it('counts a required key set to null as missing, as Apsis does', () => {
    const error = loadError(full.replace('region: us-east-1', 'region: null'));
    assert.match(problemLines(error)[0]!, /missing required keys: region$/);
  });

  it('warns about an unknown key inside the ECS mapping', () => {
    const { warnings } = load(`${full}\n      colour: red\n`);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /apsis\.yaml:15:7: unknown config key: procstar\.agent\.ecs\.colour/,
    );
  });

  it('restores the leading zeros of an unquoted account id', () => {
    const ecs = load(full.replace('"012345678901"', '12345678901')).config.procstar.agent.ecs;
    assert.equal(ecs?.awsAccountId, '012345678901');
  });
});

describe('program.timeout.signal', () => {
  for (const [written, name] of [
    ['SIGTERM', 'SIGTERM'],
    ['TERM', 'SIGTERM'],
    ['15', 'SIGTERM'],
    ['"9"', 'SIGKILL'],
    ['INT', 'SIGINT'],
    ['SIGUSR1', 'SIGUSR1'],
  ]) {
    it(`normalizes ${written} to ${name}`, () => {
      const { config } = load(`program: {timeout: {signal: ${written}}}\n`);
      assert.equal(config.program.timeout.signal, name);
    });
  }

  it('refuses a name that is not a signal, naming the key', () => {
    const error = loadError('program: {timeout: {signal: SIGFOO}}\n');
    assert.match(problemLines(error)[0]!, /program\.timeout\.signal: not a signal: SIGFOO$/);
  });

  it('refuses a number that is not a signal', () => {
    assert.throws(() => load('program: {timeout: {signal: 999}}\n'), /not a signal: 999/);
  });
});

describe('host_groups', () => {
  it('accepts every shape of §9.4 and compiles each to {type, hosts}', () => {
    const { hostGroups } = load(
      [
        'host_groups:',
        '  alias: h0',
        '  any: [h1, h2]',
        '  rr: {type: round-robin, hosts: [h3, h4]}',
        '  rnd: {type: random, hosts: [h5]}',
        '  one: {type: single, host: h6}',
      ].join('\n'),
    ).config;
    assert.deepEqual(hostGroups, {
      alias: { type: 'single', hosts: ['h0'] },
      any: { type: 'random', hosts: ['h1', 'h2'] },
      rr: { type: 'round-robin', hosts: ['h3', 'h4'] },
      rnd: { type: 'random', hosts: ['h5'] },
      one: { type: 'single', hosts: ['h6'] },
    });
  });

  it('refuses an unknown group type, naming it', () => {
    assert.throws(
      () => load('host_groups: {g: {type: nearest, hosts: [a]}}\n'),
      /apsis\.yaml:1:25: host_groups\.g\.type: unknown host group type: "nearest"/,
    );
  });

  it('refuses a single group without its host', () => {
    assert.throws(
      () => load('host_groups: {g: {type: single}}\n'),
      /host_groups\.g\.host: expected a host name, got nothing/,
    );
  });

  it('refuses an empty host list', () => {
    assert.throws(() => load('host_groups: {g: []}\n'), /host_groups\.g/);
  });
});

describe('other keys', () => {
  it('turns one action into a list and keeps actions as written', () => {
    assert.deepEqual(load('action: {type: a}\n').config.globalActions, [{ type: 'a' }]);
    assert.deepEqual(load('action: [{type: a}, {type: b}]\n').config.globalActions, [
      { type: 'a' },
      { type: 'b' },
    ]);
    assert.deepEqual(load('action: null\n').config.globalActions, []);
  });

  it('refuses an action that is not a mapping', () => {
    assert.throws(
      () => load('action: [x]\n'),
      /action\[0\]: expected an action: a mapping with a type, got string "x"/,
    );
  });

  it('reads schedule.since as now, an ISO time or null', () => {
    assert.equal(load('schedule: {since: now}\n').config.schedule.since, 'now');
    assert.equal(
      load('schedule: {since: 2023-04-27T16:00:00Z}\n').config.schedule.since,
      Date.UTC(2023, 3, 27, 16),
    );
    assert.equal(load('schedule: {since: null}\n').config.schedule.since, null);
  });

  it('refuses a schedule.since without a UTC offset', () => {
    assert.throws(() => load('schedule: {since: 2023-04-27T16:00:00}\n'), /schedule\.since: /);
  });

  it('accepts schedule.max_age, which crashes Apsis', () => {
    assert.equal(load('schedule: {max_age: 2h}\n').config.schedule.maxAgeMs, 7_200_000);
  });

  it('reads sudo.argv and resource_defaults.mem_max_gb', () => {
    const { agent } = load(
      'procstar: {agent: {sudo: {argv: [/bin/sudo, -E]}, resource_defaults: {mem_max_gb: 8.5}}}\n',
    ).config.procstar;
    assert.deepEqual(agent.sudo.argv, ['/bin/sudo', '-E']);
    assert.equal(agent.resourceDefaults.memMaxGb, 8.5);
  });

  it('passes the smtp mapping through', () => {
    assert.deepEqual(load('smtp: {host: mail, port: 25}\n').config.smtp, {
      host: 'mail',
      port: 25,
    });
  });

  it('refuses a number where a string is needed, saying to quote it', () => {
    assert.throws(
      () => load('procstar: {agent: {server: {access_token: 0123}}}\n'),
      /access_token: expected a string \(quote numbers and booleans\), got number 123/,
    );
  });
});

describe('api', () => {
  it('defaults to 127.0.0.1:5000 with no token', () => {
    const { config } = load('');
    assert.deepEqual(config.api, { host: '127.0.0.1', port: 5000, token: null });
  });

  it('takes host, port and token from the file', () => {
    const { config, warnings } = load('api: {host: 0.0.0.0, port: 8080, token: s3cret}\n');
    assert.deepEqual(config.api, { host: '0.0.0.0', port: 8080, token: 's3cret' });
    assert.deepEqual(warnings, []);
  });

  it('reads the token from the variable api.token_env names, before APSIS_API_TOKEN', () => {
    const env = { MY_TOKEN: 'named', APSIS_API_TOKEN: 'default' };
    assert.equal(load('api: {token_env: MY_TOKEN}\n', { env }).config.api.token, 'named');
  });

  it('falls back to APSIS_API_TOKEN when api.token_env names an unset or empty variable', () => {
    for (const env of [
      { APSIS_API_TOKEN: 'default' },
      { MY_TOKEN: '', APSIS_API_TOKEN: 'default' },
    ])
      assert.equal(load('api: {token_env: MY_TOKEN}\n', { env }).config.api.token, 'default');
  });

  it('lets api.token in the file or an override beat both variables', () => {
    const env = { MY_TOKEN: 'named', APSIS_API_TOKEN: 'default' };
    assert.equal(
      load('api: {token: file, token_env: MY_TOKEN}\n', { env }).config.api.token,
      'file',
    );
    assert.equal(load('', { env, overrides: ['api.token=override'] }).config.api.token, 'override');
  });

  it('refuses an empty token, which no client could send', () => {
    const error = loadError('api: {token: ""}\n');
    assert.match(problemLines(error)[0]!, /api\.token: expected a non-empty token/);
  });

  it('refuses a port out of range, naming the key', () => {
    const error = loadError('api: {port: 70000}\n');
    assert.match(problemLines(error)[0]!, /api\.port: expected a port number/);
  });
});
