import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  actionApiJso,
  boundConditionApiJso,
  boundProgramApiJso,
  conditionApiJso,
  joinArgs,
  programApiJso,
  scheduleApiJso,
} from '../../src/api/describe.js';
import { bindCondition, type BoundCondition, type JobLookup } from '../../src/conditions/index.js';
import { parseJobFile, type Job } from '../../src/jobs/index.js';
import { bindProgram, type BoundProgram } from '../../src/programs/index.js';
import type { Args } from '../../src/runs/index.js';
import { bindContext } from '../../src/templates/index.js';
import { builtinCalendars } from '../../src/time/index.js';

/** A job parsed from YAML, as the jobs directory would load it. */
function job(yaml: string, jobId = 'test/job'): Job {
  const parsed = parseJobFile(jobId, `jobs/${jobId}.yaml`, yaml, builtinCalendars);
  assert.deepEqual(parsed.problems, []);
  assert.ok(parsed.job);
  return parsed.job;
}

function scheduleOf(yaml: string) {
  const schedule = job(`program: {type: no-op}\nschedule: ${yaml}`).schedules[0];
  assert.ok(schedule);
  return scheduleApiJso(schedule);
}

function programOf(yaml: string) {
  return job(`program: ${yaml}`).program;
}

function conditionOf(yaml: string) {
  const condition = job(`program: {type: no-op}\ncondition: ${yaml}`).conditions[0];
  assert.ok(condition);
  return condition;
}

function actionOf(yaml: string) {
  const action = job(yaml).actions[0];
  assert.ok(action);
  return actionApiJso(action);
}

function context(args: Args = {}, runId: string | undefined = 'r7') {
  return bindContext({ runId, jobId: 'test/job', args, calendars: builtinCalendars });
}

function bound(yaml: string, args: Args = {}): BoundProgram {
  return bindProgram(programOf(yaml), context(args));
}

const PARAMS: Record<string, readonly string[]> = {
  dependency: ['date', 'flavor'],
  'test/job': ['date', 'flavor'],
};
const jobs: JobLookup = { params: (jobId) => PARAMS[jobId] };

function boundCondition(yaml: string, args: Args): BoundCondition {
  const cond = bindCondition(
    conditionOf(yaml),
    { runId: 'r7', jobId: 'test/job', args },
    context(args),
    jobs,
  );
  assert.ok(cond);
  return cond;
}

describe('scheduleApiJso', () => {
  it('shows an interval schedule as Apsis does: seconds as a float, args first', () => {
    const jso = scheduleOf('{type: interval, interval: 1h, args: {color: blue}}');
    assert.deepEqual(jso, {
      type: 'interval',
      enabled: true,
      interval: 3600,
      phase: 0,
      args: { color: 'blue' },
      str: '(color=blue) every 3600.0 sec',
    });
    assert.deepEqual(Object.keys(jso), ['type', 'enabled', 'interval', 'phase', 'args', 'str']);
  });

  it('leaves the args prefix out of an interval schedule without args', () => {
    assert.equal(scheduleOf('{type: interval, interval: 15m, phase: 2m}').str, 'every 900.0 sec');
  });

  it('joins several args with a comma and space', () => {
    assert.equal(
      scheduleOf('{type: interval, interval: 90, args: {a: 1, b: x}}').str,
      '(a=1, b=x) every 90.0 sec',
    );
  });

  it('shows a daily schedule with its calendar, sorted daytimes and zone', () => {
    const jso = scheduleOf(
      '{type: daily, tz: Europe/London, calendar: Mon-Fri, daytime: ["19:00:00", "07:00:00"], args: {region: eu}}',
    );
    assert.deepEqual(jso, {
      type: 'daily',
      enabled: true,
      tz: 'Europe/London',
      calendar: 'Mon-Fri',
      daytime: ['07:00:00', '19:00:00'],
      date_shift: 0,
      cal_shift: 0,
      args: { region: 'eu' },
      str: '(region=eu) Mon-Fri at 07:00:00, 19:00:00 Europe/London',
    });
  });

  it('appends signed calendar and date shifts to a daily schedule', () => {
    assert.equal(
      scheduleOf(
        '{type: daily, tz: UTC, calendar: Mon, daytime: "20:00:00", cal_shift: 1, date_shift: -1}',
      ).str,
      'Mon at 20:00:00 UTC +1 cal days -1 days',
    );
  });

  it('shows a daily-interval schedule with its window and the shifts of each end', () => {
    const jso = scheduleOf(`
  type: daily-interval
  tz: America/New_York
  calendar: Mon-Fri
  start: {daytime: "21:00:00"}
  stop: {daytime: "05:00:00", date_shift: 1}
  interval: 2h
  args: {region: us}`);
    assert.equal(
      jso.str,
      '(region=us) Mon-Fri every 7200.0 sec from 21:00:00 to 05:00:00 +1 days America/New_York',
    );
    assert.deepEqual(jso.start, '21:00:00');
    assert.deepEqual(jso.stop, { daytime: '05:00:00', date_shift: 1, cal_shift: 0 });
    assert.equal(jso.interval, 7200);
    assert.equal(jso.enabled, true);
  });

  it('shows an explicit schedule as its sorted times joined by commas', () => {
    const jso = scheduleOf(
      '{type: explicit, times: ["2024-01-03T07:00:00Z", "2024-01-02T07:00:00Z"], args: {n: 1}}',
    );
    assert.deepEqual(jso, {
      type: 'explicit',
      enabled: true,
      times: ['2024-01-02T07:00:00+00:00', '2024-01-03T07:00:00+00:00'],
      args: { n: '1' },
      str: '(n=1) 2024-01-02T07:00:00+00:00,2024-01-03T07:00:00+00:00',
    });
  });

  it('shows a cron schedule (ours) as its expression and zone', () => {
    const jso = scheduleOf('{type: cron, expr: "0 7 * * 1-5", tz: Europe/London, args: {x: y}}');
    assert.deepEqual(jso, {
      type: 'cron',
      enabled: true,
      expr: '0 7 * * 1-5',
      tz: 'Europe/London',
      args: { x: 'y' },
      str: '(x=y) cron 0 7 * * 1-5 Europe/London',
    });
  });

  it('nests a schedule with a duration stop under start and stop, and joins both strs', () => {
    const jso = scheduleOf(`
  start: {type: interval, interval: 1h, args: {region: us}}
  stop: {type: duration, duration: 30m}`);
    assert.deepEqual(jso, {
      start: { type: 'interval', enabled: true, interval: 3600, phase: 0, args: { region: 'us' } },
      stop: { type: 'duration', duration: 1800 },
      str: '(region=us) every 3600.0 sec, stop 1800.0 s after schedule time',
      enabled: true,
    });
    assert.deepEqual(Object.keys(jso), ['start', 'stop', 'str', 'enabled']);
  });

  it('shows a daytime stop schedule with its zone', () => {
    const jso = scheduleOf(`
  start: {type: daily, tz: America/New_York, daytime: "09:30:00"}
  stop: {type: daytime, daytime: "16:00:00", tz: America/New_York}`);
    assert.equal(
      jso.str,
      'all days at 09:30:00 America/New_York, stop at 16:00:00 America/New_York after schedule time',
    );
    assert.deepEqual(jso.stop, { type: 'daytime', daytime: '16:00:00', tz: 'America/New_York' });
  });

  it('keeps a {start} wrapper without stop in the plain form', () => {
    const jso = scheduleOf('{start: {type: interval, interval: 60}}');
    assert.equal(jso.type, 'interval');
    assert.equal(jso.str, 'every 60.0 sec');
  });

  it('reports a disabled schedule as enabled false, in the start schedule and beside str', () => {
    const plain = scheduleOf('{type: interval, interval: 60, enabled: false}');
    assert.equal(plain.enabled, false);
    const wrapped = scheduleOf(
      '{start: {type: interval, interval: 60, enabled: false}, stop: {type: duration, duration: 5}}',
    );
    assert.equal(wrapped.enabled, false);
    assert.equal((wrapped.start as Record<string, unknown>).enabled, false);
  });
});

describe('programApiJso', () => {
  it('shows a no-op program with its duration as text', () => {
    assert.deepEqual(programApiJso(programOf('{type: no-op, duration: 0}')), {
      type: 'no-op',
      duration: '0',
      success: true,
      str: 'no-op for 0 s',
    });
  });

  it('shows a no-op program without duration as plain no-op, and success null as null', () => {
    assert.deepEqual(programApiJso(programOf('{type: no-op, success: null}')), {
      type: 'no-op',
      duration: null,
      success: null,
      str: 'no-op',
    });
  });

  it('keeps a templated no-op duration unexpanded', () => {
    assert.equal(
      programApiJso(programOf('{type: no-op, duration: "{{ d }}"}')).str,
      'no-op for {{ d }} s',
    );
  });

  it('leaves default procstar fields out and prints the argv shell-quoted', () => {
    const jso = programApiJso(programOf('{type: procstar, argv: [echo, "hello world", "it\'s"]}'));
    assert.deepEqual(jso, {
      type: 'procstar',
      group_id: 'default',
      argv: ['echo', 'hello world', "it's"],
      str: `echo 'hello world' 'it'"'"'s'`,
    });
    assert.deepEqual(Object.keys(jso), ['type', 'group_id', 'argv', 'str']);
  });

  it('shows every procstar field that differs from its default, in Apsis order', () => {
    const jso = programApiJso(
      programOf(`
  type: procstar
  group_id: batch
  sudo_user: etl
  argv: [/opt/etl/run, "--date", "{{ date }}"]
  stop: {signal: SIGUSR2, grace_period: 15s}
  timeout: {duration: "{{ limit }}", signal: SIGTERM}
  resources: {mem_max_gb: 4}`),
    );
    assert.deepEqual(jso, {
      type: 'procstar',
      group_id: 'batch',
      sudo_user: 'etl',
      stop: { signal: 'SIGUSR2', grace_period: '15s' },
      resources: { mem_max_gb: 4 },
      timeout: { duration: '{{ limit }}', signal: 'SIGTERM' },
      argv: ['/opt/etl/run', '--date', '{{ date }}'],
      str: "/opt/etl/run --date '{{ date }}'",
    });
    assert.deepEqual(Object.keys(jso), [
      'type',
      'group_id',
      'sudo_user',
      'stop',
      'resources',
      'timeout',
      'argv',
      'str',
    ]);
  });

  it('keeps only the non-default half of a stop', () => {
    assert.deepEqual(
      programApiJso(programOf('{type: procstar, argv: [x], stop: {grace_period: 5}}')).stop,
      { grace_period: '5' },
    );
  });

  it('shows a procstar-shell program as its command', () => {
    assert.deepEqual(
      programApiJso(programOf('{type: procstar-shell, command: "load --date {{ date }}"}')),
      {
        type: 'procstar-shell',
        group_id: 'default',
        command: 'load --date {{ date }}',
        str: 'load --date {{ date }}',
      },
    );
  });

  it('shows a procstar-ecs program with only the fields it sets', () => {
    assert.deepEqual(
      programApiJso(
        programOf(
          '{type: procstar-ecs, command: "run {{ date }}", mem_gb: 8, role: etl, timeout: {duration: 1h}}',
        ),
      ),
      {
        type: 'procstar-ecs',
        command: 'run {{ date }}',
        timeout: { duration: '1h', signal: 'SIGTERM' },
        mem_gb: '8',
        role: 'etl',
        str: 'run {{ date }}',
      },
    );
    assert.deepEqual(programApiJso(programOf('{type: procstar-ecs, argv: [a, "b c"]}')), {
      type: 'procstar-ecs',
      argv: ['a', 'b c'],
      str: "a 'b c'",
    });
  });

  it('names the internal programs by their Python classes, as Apsis has no alias for them', () => {
    assert.deepEqual(programApiJso(programOf('{type: stats}')), {
      type: 'apsis.program.internal.stats.StatsProgram',
      path: null,
      str: 'internal stats',
    });
    assert.deepEqual(
      programApiJso(programOf('{type: apsis.program.internal.stats.StatsProgram, path: /s.json}')),
      {
        type: 'apsis.program.internal.stats.StatsProgram',
        path: '/s.json',
        str: 'internal stats→ /s.json',
      },
    );
    assert.deepEqual(
      programApiJso(programOf('{type: archive, age: 30d, path: /a.db, count: 1000}')),
      {
        type: 'apsis.program.internal.archive.ArchiveProgram',
        age: '30d',
        path: '/a.db',
        count: 1000,
        str: 'archive age 30d → /a.db',
      },
    );
    assert.deepEqual(programApiJso(programOf('{type: vacuum}')), {
      type: 'apsis.program.internal.vacuum.VacuumProgram',
      str: 'vacuum database',
    });
  });

  it('shows the archive chunking fields only when set', () => {
    const jso = programApiJso(
      programOf('{type: archive, age: 1d, path: /a.db, count: 10, chunk_size: 5, chunk_sleep: 1}'),
    );
    assert.equal(jso.chunk_size, 5);
    assert.equal(jso.chunk_sleep, 1);
  });
});

describe('joinArgs', () => {
  it('quotes as shlex.quote: empty, safe, spaces, quotes and shell characters', () => {
    assert.equal(joinArgs(['']), "''");
    assert.equal(joinArgs(['a-b_c.d/e:f,g=h+i@j%k']), 'a-b_c.d/e:f,g=h+i@j%k');
    assert.equal(joinArgs(['a b', '$HOME', 'x;y', "o'k"]), `'a b' '$HOME' 'x;y' 'o'"'"'k'`);
    assert.equal(joinArgs(['café']), "'café'");
  });
});

describe('boundProgramApiJso', () => {
  it('shows a bound no-op program exactly as the spec run example', () => {
    assert.deepEqual(boundProgramApiJso(bound('{type: no-op, duration: 0}')), {
      type: 'apsis.program.noop.BoundNoOpProgram',
      duration: '0',
      success: true,
      str: 'no-op for 0 s',
    });
  });

  it('shows a bound no-op duration as seconds, and no duration as null', () => {
    assert.equal(
      boundProgramApiJso(bound('{type: no-op, duration: "{{ d }}"}', { d: '90' })).str,
      'no-op for 90 s',
    );
    assert.deepEqual(boundProgramApiJso(bound('{type: no-op, success: false}')), {
      type: 'apsis.program.noop.BoundNoOpProgram',
      duration: null,
      success: false,
      str: 'no-op',
    });
  });

  it('binds procstar-shell to a procstar program running bash -c', () => {
    const jso = boundProgramApiJso(
      bound('{type: procstar-shell, command: "load --date {{ date }}"}', { date: '2024-10-22' }),
    );
    assert.deepEqual(jso, {
      type: 'apsis.program.procstar.agent.BoundProcstarProgram',
      argv: ['/usr/bin/bash', '-c', 'load --date 2024-10-22'],
      group_id: 'default',
      str: "/usr/bin/bash -c 'load --date 2024-10-22'",
    });
  });

  it('writes a bound stop signal as its number, and durations in seconds', () => {
    const jso = boundProgramApiJso(
      bound(
        `
  type: procstar
  group_id: "{{ group }}"
  sudo_user: etl
  argv: [/opt/etl/run, "{{ date }}"]
  stop: {signal: USR2, grace_period: 15s}
  timeout: {duration: "{{ limit }}", signal: 2}
  resources: {mem_max_gb: 4}`,
        { group: 'batch', date: '2024-10-22', limit: '1h' },
      ),
    );
    assert.deepEqual(jso, {
      type: 'apsis.program.procstar.agent.BoundProcstarProgram',
      argv: ['/opt/etl/run', '2024-10-22'],
      group_id: 'batch',
      sudo_user: 'etl',
      resources: { mem_max_gb: 4 },
      stop: { signal: 12, grace_period: 15 },
      timeout: { duration: 3600, signal: 'SIGINT' },
      str: '/opt/etl/run 2024-10-22',
    });
    assert.deepEqual(Object.keys(jso), [
      'type',
      'argv',
      'group_id',
      'sudo_user',
      'resources',
      'stop',
      'timeout',
      'str',
    ]);
  });

  it('leaves a bound stop out when both its fields are the defaults, however written', () => {
    const jso = boundProgramApiJso(
      bound('{type: procstar, argv: [x], stop: {signal: TERM, grace_period: 1m}}'),
    );
    assert.equal('stop' in jso, false);
  });

  it('shows a bound procstar-ecs program with its numbers bound', () => {
    assert.deepEqual(
      boundProgramApiJso(
        bound(
          '{type: procstar-ecs, command: "run {{ date }}", mem_gb: "{{ m }}", vcpu: 2, disk_gb: 50, task_definition: td}',
          { date: '2024-10-22', m: '8' },
        ),
      ),
      {
        type: 'apsis.program.procstar.aws.ecs_agent.BoundProcstarECSProgram',
        argv: ['/usr/bin/bash', '-c', 'run 2024-10-22'],
        mem_gb: 8,
        vcpu: 2,
        disk_gb: 50,
        task_definition: 'td',
        str: "/usr/bin/bash -c 'run 2024-10-22'",
      },
    );
  });

  it('shows the bound internal programs under their class names', () => {
    assert.deepEqual(
      boundProgramApiJso(bound('{type: stats, path: "/s/{{ date }}.json"}', { date: 'd' })),
      {
        type: 'apsis.program.internal.stats.StatsProgram',
        path: '/s/d.json',
        str: 'internal stats→ /s/d.json',
      },
    );
    assert.deepEqual(
      boundProgramApiJso(
        bound('{type: archive, age: 30d, path: /a.db, count: 1000, chunk_size: 100}'),
      ),
      {
        type: 'apsis.program.internal.archive.ArchiveProgram',
        age: 2592000,
        path: '/a.db',
        count: 1000,
        chunk_size: 100,
        str: 'archive age 2592000.0 → /a.db',
      },
    );
    assert.deepEqual(boundProgramApiJso(bound('{type: vacuum}')), {
      type: 'apsis.program.internal.vacuum.VacuumProgram',
      str: 'vacuum database',
    });
  });
});

describe('conditionApiJso', () => {
  it('shows a dependency as the spec job example: no states when just success', () => {
    const jso = conditionApiJso(
      conditionOf('{type: dependency, job_id: dependency, args: {flavor: vanilla}}'),
    );
    assert.deepEqual(jso, {
      type: 'dependency',
      job_id: 'dependency',
      args: { flavor: 'vanilla' },
      str: 'dependency dependency(flavor=vanilla) is success',
    });
  });

  it('sorts the args in a dependency str but keeps the written order in args', () => {
    const jso = conditionApiJso(
      conditionOf('{type: dependency, job_id: "ref/{{ region }}", args: {z: 1, a: "{{ date }}"}}'),
    );
    assert.deepEqual(Object.keys(jso.args as object), ['z', 'a']);
    assert.equal(jso.str, 'dependency ref/{{ region }}(a={{ date }} z=1) is success');
  });

  it('shows other states and exist in state order, and exist in the str', () => {
    const jso = conditionApiJso(
      conditionOf(
        '{type: dependency, job_id: x, states: [failure, success], exist: true, enabled: "{{ region != \'test\' }}"}',
      ),
    );
    assert.deepEqual(jso, {
      type: 'dependency',
      enabled: "{{ region != 'test' }}",
      job_id: 'x',
      args: {},
      states: ['success', 'failure'],
      exist: [
        'new',
        'scheduled',
        'waiting',
        'starting',
        'running',
        'stopping',
        'success',
        'failure',
      ],
      str:
        'dependency x() is success|failure, must exist as ' +
        'new|scheduled|waiting|starting|running|stopping|success|failure',
    });
    assert.deepEqual(Object.keys(jso).slice(0, 3), ['type', 'enabled', 'job_id']);
  });

  it('shows enabled false as written', () => {
    const jso = conditionApiJso(conditionOf('{type: dependency, job_id: x, enabled: false}'));
    assert.equal(jso.enabled, false);
  });

  it('shows max_running with its count and null job_id and args when not given', () => {
    assert.deepEqual(conditionApiJso(conditionOf('{type: max_running}')), {
      type: 'max_running',
      count: '1',
      job_id: null,
      args: null,
      str: 'fewer than 1 runs running',
    });
    assert.deepEqual(
      conditionApiJso(
        conditionOf('{type: max_running, count: "{{ n }}", job_id: other, enabled: true}'),
      ),
      {
        type: 'max_running',
        enabled: true,
        count: '{{ n }}',
        job_id: 'other',
        args: null,
        str: 'fewer than {{ n }} runs running',
      },
    );
  });

  it('shows skip_duplicate with its check states in written order', () => {
    assert.deepEqual(conditionApiJso(conditionOf('{type: skip_duplicate}')), {
      type: 'skip_duplicate',
      check_states: ['waiting', 'starting', 'running'],
      target_state: 'skipped',
      str: 'transition to skipped if another run is waiting|starting|running',
    });
    assert.equal(
      conditionApiJso(
        conditionOf('{type: skip_duplicate, check_states: [failure, error], target_state: error}'),
      ).str,
      'transition to error if another run is failure|error',
    );
  });

  it('shows const as the Python repr Apsis prints for it', () => {
    assert.deepEqual(conditionApiJso(conditionOf('{type: const, value: true}')), {
      type: 'const',
      value: true,
      str: 'ConstantCondition(True, enabled=None)',
    });
    assert.equal(
      conditionApiJso(conditionOf('{type: const, value: false, enabled: "{{ x }}"}')).str,
      "ConstantCondition(False, enabled='{{ x }}')",
    );
    assert.equal(
      conditionApiJso(conditionOf(`{type: const, value: false, enabled: "it's"}`)).str,
      `ConstantCondition(False, enabled="it's")`,
    );
  });
});

describe('boundConditionApiJso', () => {
  it('shows a bound dependency exactly as the spec run example', () => {
    const cond = boundCondition('{type: dependency, job_id: dependency, args: {flavor: vanilla}}', {
      color: 'blue',
      date: '2024-10-22',
    });
    assert.deepEqual(boundConditionApiJso(cond), {
      type: 'dependency',
      job_id: 'dependency',
      args: { date: '2024-10-22', flavor: 'vanilla' },
      str: 'dependency dependency(date=2024-10-22 flavor=vanilla) is success',
    });
  });

  it('keeps non-default states and exist on a bound dependency', () => {
    const jso = boundConditionApiJso(
      boundCondition(
        '{type: dependency, job_id: dependency, states: [error, failure], exist: [failure, error, running]}',
        {
          date: 'd',
          flavor: 'f',
        },
      ),
    );
    assert.deepEqual(jso.states, ['failure', 'error']);
    assert.deepEqual(jso.exist, ['running', 'failure', 'error']);
    assert.equal(
      jso.str,
      'dependency dependency(date=d flavor=f) is failure|error, must exist as running|failure|error',
    );
  });

  it('names a bound max_running by its Python class, with an integer count', () => {
    assert.deepEqual(
      boundConditionApiJso(
        boundCondition('{type: max_running, count: "{{ n }}"}', { n: '2', date: 'd' }),
      ),
      {
        type: 'apsis.cond.max_running.BoundMaxRunning',
        count: 2,
        job_id: 'test/job',
        args: { date: 'd', n: '2' },
        str: 'fewer than 2 runs of test/job(date=d n=2) running',
      },
    );
  });

  it('names a bound skip_duplicate by its Python class, with its instance and run id', () => {
    assert.deepEqual(
      boundConditionApiJso(
        boundCondition('{type: skip_duplicate, target_state: error}', { date: 'd' }),
      ),
      {
        type: 'apsis.cond.skip_duplicate.BoundSkipDuplicate',
        check_states: ['waiting', 'starting', 'running'],
        target_state: 'error',
        instance: ['test/job', { date: 'd' }],
        run_id: 'r7',
        str: 'transition to error if another test/job(date=d) is waiting|starting|running',
      },
    );
  });

  it('writes a skip_duplicate bound without a run as run_id null', () => {
    const cond = bindCondition(
      conditionOf('{type: skip_duplicate}'),
      { runId: undefined, jobId: 'test/job', args: {} },
      context({}, undefined),
      jobs,
    );
    assert.ok(cond);
    assert.equal(boundConditionApiJso(cond).run_id, null);
  });

  it('shows a bound const under its alias with the Python repr', () => {
    assert.deepEqual(
      boundConditionApiJso(boundCondition('{type: const, value: false, enabled: true}', {})),
      {
        type: 'const',
        value: false,
        str: 'ConstantCondition(False, enabled=None)',
      },
    );
  });
});

describe('actionApiJso', () => {
  it('shows a schedule action with its if states and a str naming job and states', () => {
    const jso = actionOf(`
program: {type: no-op}
action:
  type: schedule
  if: {states: [error, failure]}
  job_id: alert
  args: {reason: "load failed for {{ region }}"}`);
    assert.deepEqual(jso, {
      type: 'schedule',
      job_id: 'alert',
      args: { reason: 'load failed for {{ region }}' },
      if: { states: ['failure', 'error'] },
      str: 'schedule alert(reason=load failed for {{ region }}) on failure|error',
    });
  });

  it('shows a successor as a schedule action on success', () => {
    assert.deepEqual(
      actionOf('program: {type: no-op}\nsuccessors: [{job_id: publish, args: {x: 1}}]'),
      {
        type: 'schedule',
        job_id: 'publish',
        args: { x: '1' },
        if: { states: ['success'] },
        str: 'schedule publish(x=1) on success',
      },
    );
  });

  it('writes an action that fires on every state with states null, as Apsis does for if: {}', () => {
    const expected = {
      type: 'schedule',
      job_id: 'audit',
      args: {},
      if: { states: null },
      str: 'schedule audit() on every state',
    };
    assert.deepEqual(
      actionOf('program: {type: no-op}\naction: {type: schedule, job_id: audit}'),
      expected,
    );
    assert.deepEqual(
      actionOf('program: {type: no-op}\naction: {type: schedule, job_id: audit, if: {}}'),
      expected,
    );
  });
});
