import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobApiJso } from '../../src/api/describe.js';
import type { JobLookup } from '../../src/conditions/index.js';
import { jobToJso, parseJobFile, type Job } from '../../src/jobs/index.js';
import { builtinCalendars } from '../../src/time/index.js';
import { SPEC_DEPENDENT_JSO } from '../support/api-fixtures.js';

/** Jobs parsed from YAML, by id, as the jobs directory would load them. */
function load(files: Record<string, string>): Map<string, Job> {
  const jobs = new Map<string, Job>();
  for (const [jobId, text] of Object.entries(files)) {
    const parsed = parseJobFile(jobId, `jobs/${jobId}.yaml`, text, builtinCalendars);
    assert.deepEqual(parsed.problems, [], jobId);
    assert.ok(parsed.job);
    jobs.set(jobId, parsed.job);
  }
  return jobs;
}

function lookup(jobs: Map<string, Job>): JobLookup {
  return { params: (jobId) => jobs.get(jobId)?.params };
}

/** The API object of `jobId`, among `files`. */
function show(files: Record<string, string>, jobId: string): Record<string, unknown> {
  const jobs = load(files);
  const job = jobs.get(jobId);
  assert.ok(job);
  return jobApiJso(job, { jobs: lookup(jobs), calendars: builtinCalendars });
}

type Groups = { schedule_args: Record<string, string>; conditions: Record<string, unknown>[] }[];

const DEPENDENCY = 'params: [flavor, date]\nprogram: {type: no-op}';

describe('jobApiJso', () => {
  it('reproduces the job example of the spec exactly', () => {
    const jso = show(
      {
        dependency: DEPENDENCY,
        dependent: `
params: [date, color]
schedule: {type: interval, interval: 1h, args: {color: blue}}
program: {type: no-op, duration: 0}
condition: {type: dependency, job_id: dependency, args: {flavor: vanilla}}
metadata: {description: "..."}
`,
      },
      'dependent',
    );
    assert.deepEqual(jso, SPEC_DEPENDENT_JSO);
    assert.deepEqual(Object.keys(jso), [
      'job_id',
      'params',
      'schedule',
      'program',
      'condition',
      'common_conditions',
      'resolved_conditions',
      'action',
      'metadata',
      'ad_hoc',
    ]);
    // resolved_args: concrete values first, then templates.
    const common = jso.common_conditions as Record<string, unknown>[];
    assert.deepEqual(Object.keys(common[0]?.resolved_args as object), ['flavor', 'date']);
  });

  it('takes job_id, params, metadata and ad_hoc from the stored form', () => {
    const jobs = load({
      j: 'params: [b, a]\nprogram: {type: no-op}\nmetadata: {labels: x, owner: me}',
    });
    const job = jobs.get('j');
    assert.ok(job);
    const stored = jobToJso(job);
    const jso = jobApiJso(job, { jobs: lookup(jobs), calendars: builtinCalendars });
    for (const key of ['job_id', 'params', 'metadata', 'ad_hoc'])
      assert.deepEqual(jso[key], stored[key], key);
    assert.deepEqual(jso.metadata, { labels: ['x'], owner: 'me' });
  });

  it('resolves a templated dependency per schedule and groups the differing results', () => {
    const jso = show(
      {
        'ref/eu': DEPENDENCY,
        'ref/us': DEPENDENCY,
        load: `
params: [region, date]
schedule:
  - {type: daily, tz: UTC, daytime: "07:00:00", args: {region: eu}}
  - {type: daily, tz: UTC, daytime: "12:00:00", args: {region: us}}
program: {type: no-op}
condition:
  - {type: dependency, job_id: "ref/{{ region }}", args: {flavor: "{{ region }}-x"}}
  - {type: max_running, count: 1}
`,
      },
      'load',
    );
    assert.deepEqual(
      (jso.common_conditions as Record<string, unknown>[]).map((c) => c.type),
      ['max_running'],
    );
    const groups = jso.resolved_conditions as Groups;
    assert.deepEqual(
      groups.map((g) => [
        g.schedule_args,
        g.conditions.map((c) => [c.resolved_job_id, c.resolved_args]),
      ]),
      [
        [{ region: 'eu' }, [['ref/eu', { flavor: 'eu-x', date: '{{ date }}' }]]],
        [{ region: 'us' }, [['ref/us', { flavor: 'us-x', date: '{{ date }}' }]]],
      ],
    );
    assert.equal(
      groups[0]?.conditions[0]?.str,
      'dependency ref/{{ region }}(flavor={{ region }}-x) is success',
    );
  });

  it('puts a condition enabled for only some schedules under those schedules alone', () => {
    const jso = show(
      {
        j: `
params: [region]
schedule:
  - {type: interval, interval: 1h, args: {region: test}}
  - {type: interval, interval: 1h, args: {region: prod}}
program: {type: no-op}
condition: {type: max_running, count: 2, enabled: "{{ region != 'test' }}"}
`,
      },
      'j',
    );
    assert.deepEqual(jso.common_conditions, []);
    const groups = jso.resolved_conditions as Groups;
    assert.deepEqual(groups[0]?.conditions, []);
    assert.deepEqual(groups[1]?.conditions, [
      {
        type: 'max_running',
        enabled: "{{ region != 'test' }}",
        count: '2',
        job_id: null,
        args: null,
        str: 'fewer than 2 runs running',
      },
    ]);
  });

  it('treats an enabled template it cannot evaluate from schedule args as enabled', () => {
    const jso = show(
      {
        j: `
params: [date]
schedule: {type: interval, interval: 1h}
program: {type: no-op}
condition: {type: skip_duplicate, enabled: "{{ date > '2024' }}"}
`,
      },
      'j',
    );
    assert.deepEqual(
      (jso.common_conditions as Record<string, unknown>[]).map((c) => c.type),
      ['skip_duplicate'],
    );
  });

  it('leaves a condition disabled with false out of both lists but keeps its definition', () => {
    const jso = show(
      {
        j: `
schedule: {type: interval, interval: 1h}
program: {type: no-op}
condition: {type: const, value: true, enabled: false}
`,
      },
      'j',
    );
    assert.deepEqual(jso.common_conditions, []);
    assert.deepEqual(jso.resolved_conditions, [{ schedule_args: {}, conditions: [] }]);
    assert.equal((jso.condition as Record<string, unknown>[]).length, 1);
  });

  it('leaves a condition whose enabled template gives false for every schedule out of both lists', () => {
    const jso = show(
      {
        j: `
schedule: [{type: interval, interval: 1h}, {type: interval, interval: 2h}]
program: {type: no-op}
condition: {type: const, value: true, enabled: "{{ 1 > 2 }}"}
`,
      },
      'j',
    );
    assert.deepEqual(jso.common_conditions, []);
    assert.deepEqual(
      (jso.resolved_conditions as Groups).map((g) => g.conditions),
      [[], []],
    );
  });

  it('without schedules, resolves plain conditions with no args and leaves out templated targets', () => {
    const jso = show(
      {
        dependency: DEPENDENCY,
        j: `
params: [flavor]
program: {type: no-op}
condition:
  - {type: dependency, job_id: dependency, args: {date: "{{ get_calendar('Mon-Fri').before(date) }}"}}
  - {type: dependency, job_id: "ref/{{ flavor }}"}
  - {type: const, value: true, enabled: "{{ flavor == 'x' }}"}
`,
      },
      'j',
    );
    assert.deepEqual(jso.resolved_conditions, []);
    const common = jso.common_conditions as Record<string, unknown>[];
    assert.deepEqual(
      common.map((c) => c.type),
      ['dependency', 'const'],
    );
    assert.equal(common[0]?.resolved_job_id, 'dependency');
    // An arg template that cannot be expanded stays as written; a param with
    // no value at all becomes `{{ param }}`; templates sort by name.
    assert.deepEqual(common[0]?.resolved_args, {
      date: "{{ get_calendar('Mon-Fri').before(date) }}",
      flavor: '{{ flavor }}',
    });
  });

  it('expands only the written args of a dependency on a job that does not exist', () => {
    const jso = show(
      {
        j: `
params: [region]
schedule: {type: interval, interval: 1h, args: {region: eu}}
program: {type: no-op}
condition: {type: dependency, job_id: missing, args: {z: "{{ region }}", a: "{{ date }}", m: fixed}}
`,
      },
      'j',
    );
    const common = jso.common_conditions as Record<string, unknown>[];
    assert.equal(common[0]?.resolved_job_id, 'missing');
    assert.deepEqual(common[0]?.resolved_args, { m: 'fixed', z: 'eu', a: '{{ date }}' });
    assert.deepEqual(Object.keys(common[0]?.resolved_args as object), ['m', 'z', 'a']);
  });

  it('gives a templated dependency target it cannot expand a null resolved_job_id', () => {
    const jso = show(
      {
        j: `
schedule: {type: interval, interval: 1h}
program: {type: no-op}
condition: {type: dependency, job_id: "ref/{{ region }}", args: {x: "1"}}
`,
      },
      'j',
    );
    const common = jso.common_conditions as Record<string, unknown>[];
    assert.equal(common[0]?.resolved_job_id, null);
    assert.deepEqual(common[0]?.resolved_args, { x: '1' });
  });

  it('uses the explicit arg over the schedule arg of the same name', () => {
    const jso = show(
      {
        dependency: DEPENDENCY,
        j: `
params: [flavor, date]
schedule: {type: interval, interval: 1h, args: {flavor: plain, date: "2024-01-01"}}
program: {type: no-op}
condition: {type: dependency, job_id: dependency, args: {flavor: "{{ flavor }}-special"}}
`,
      },
      'j',
    );
    const common = jso.common_conditions as Record<string, unknown>[];
    assert.deepEqual(common[0]?.resolved_args, { date: '2024-01-01', flavor: 'plain-special' });
  });

  it('shows schedules, program and actions with their strs', () => {
    const jso = show(
      {
        j: `
schedule:
  start: {type: interval, interval: 1h}
  stop: {type: duration, duration: 10m}
program: {type: procstar-shell, command: "echo hi"}
successors: publish
`,
      },
      'j',
    );
    assert.deepEqual(
      (jso.schedule as Record<string, unknown>[]).map((s) => s.str),
      ['every 3600.0 sec, stop 600.0 s after schedule time'],
    );
    assert.equal((jso.program as Record<string, unknown>).str, 'echo hi');
    assert.deepEqual(jso.action, [
      {
        type: 'schedule',
        job_id: 'publish',
        args: {},
        if: { states: ['success'] },
        str: 'schedule publish() on success',
      },
    ]);
    assert.deepEqual(jso.resolved_conditions, [{ schedule_args: {}, conditions: [] }]);
  });

  it('serializes to JSON without loss', () => {
    const jso = show(
      { dependency: DEPENDENCY, j: `params: [flavor]\nprogram: {type: no-op}` },
      'j',
    );
    assert.deepEqual(JSON.parse(JSON.stringify(jso)), jso);
  });
});
