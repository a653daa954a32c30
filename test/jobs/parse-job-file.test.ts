import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobToJso, parseJobFile } from '../../src/jobs/index.js';
import { builtinCalendars } from '../../src/time/index.js';

function parse(text: string) {
  return parseJobFile('test/job', 'jobs/test/job.yaml', text, builtinCalendars);
}

function messages(text: string): string[] {
  return parse(text).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
}

describe('parseJobFile', () => {
  it('reads every top-level key into the job model', () => {
    const { job, problems } = parse(`
params: [region, date, date]
metadata: {description: Loads data., labels: ingest, owner: me}
schedule: {type: interval, interval: 1h}
program: {type: procstar-shell, command: "echo {{ date }}"}
condition: {type: max_running, count: 2}
action: {type: schedule, job_id: other, if: {states: [failure]}}
successors: [next, {job_id: last, args: {x: 1}}]
ad_hoc: false
job_id: test/job
`);
    assert.deepEqual(problems, []);
    assert.ok(job);
    assert.deepEqual(job.params, ['date', 'region']);
    assert.deepEqual(job.metadata, { description: 'Loads data.', labels: ['ingest'], owner: 'me' });
    assert.equal(job.schedules.length, 1);
    assert.deepEqual(
      job.actions.map((a) => [a.job_id, a.args, a.if]),
      [
        ['other', {}, { states: ['failure'] }],
        ['next', {}, { states: ['success'] }],
        ['last', { x: '1' }, { states: ['success'] }],
      ],
    );
    const jso = jobToJso(job);
    assert.deepEqual(Object.keys(jso), [
      'job_id',
      'params',
      'schedule',
      'program',
      'condition',
      'action',
      'metadata',
      'ad_hoc',
    ]);
  });

  it('always gives metadata a labels list', () => {
    assert.deepEqual(parse('program: {type: no-op}').job?.metadata, { labels: [] });
  });

  it('applies the documented defaults of a procstar program', () => {
    const program = parse('program: {type: procstar, argv: [echo, 1]}').job?.program;
    assert.deepEqual(program, {
      type: 'procstar',
      argv: ['echo', '1'],
      group_id: 'default',
      sudo_user: null,
      stop: { signal: 'SIGTERM', grace_period: '60' },
      timeout: null,
      resources: { mem_max_gb: null },
    });
  });

  it('accepts the internal programs by their Apsis class names', () => {
    const program = parse('program: {type: apsis.program.internal.vacuum.VacuumProgram}').job
      ?.program;
    assert.deepEqual(program, { type: 'vacuum' });
  });

  it('reads YAML 1.2: yes and 9:30:00 stay strings, merge keys work', () => {
    const { job, problems } = parse(`
defaults: &d {region: yes}
program: {type: no-op}
`);
    assert.equal(job, undefined);
    assert.deepEqual(
      problems.map((p) => p.message),
      ['unexpected keys: defaults'],
    );
    const merged = parse(`
params: [a]
schedule: {type: daily, tz: UTC, daytime: 9:30:00, args: {a: yes}}
program: {type: no-op}
`);
    assert.deepEqual(merged.problems, []);
  });

  it('reports a syntax error at its line, naming the job and file', () => {
    const { problems } = parse('program:\n  type: no-op\n  duration: [1, 2\nschedule: x\n');
    assert.equal(problems.length, 1);
    assert.deepEqual(
      [problems[0]?.jobId, problems[0]?.file, problems[0]?.line],
      ['test/job', 'jobs/test/job.yaml', 4],
    );
    assert.match(problems[0]?.message ?? '', /^YAML syntax error: /);
  });

  it('reports a duplicate key at the second occurrence, as Apsis words it', () => {
    assert.deepEqual(messages('program:\n  type: no-op\n  type: no-op\n'), [
      '3:3: found duplicate key "type"',
    ]);
  });

  it('reports an empty file and a non-mapping document instead of crashing', () => {
    assert.deepEqual(messages(''), ['1:1: empty job file: a job needs at least a program']);
    assert.deepEqual(messages('- a\n- b\n'), [
      '1:1: a job file must be a mapping of keys, got a list',
    ]);
  });

  it('reports unknown keys where the first one is written', () => {
    assert.deepEqual(messages('program: {type: no-op}\nconditions: []\nactions: []\n'), [
      '2:1: unexpected keys: conditions actions',
    ]);
  });

  it('reports a missing program at the top of the document', () => {
    assert.deepEqual(messages('params: [a]\n'), ['1:1: missing key: program']);
  });

  it('locates a problem inside a single schedule written without a list', () => {
    assert.deepEqual(
      messages('schedule:\n  type: daily\n  tz: UTC\n  daytime: "9:30"\nprogram: {type: no-op}\n'),
      ['4:12: schedule.daytime: not a time of day (HH:MM:SS): "9:30"'],
    );
  });

  it('checks that job_id matches the path', () => {
    assert.deepEqual(messages('job_id: other\nprogram: {type: no-op}\n'), [
      '1:9: job_id: JSON job_id mismatch test/job',
    ]);
  });

  it('explains how to quote a template used as a dependency job id', () => {
    const [message] = messages(
      'program: {type: no-op}\ncondition: {type: dependency, job_id: {x: 1}}\n',
    );
    assert.match(
      message ?? '',
      /job_id must be a string; if using Jinja2 templates, make sure the value is quoted in YAML/,
    );
  });
});
