import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadJobsDir } from '../../src/jobs/index.js';
import { builtinCalendars, parseTime } from '../../src/time/index.js';
import { tempDir, writeFiles } from '../support/temp-dir.js';

const now = parseTime('2026-03-01T00:00:00Z');
const DAILY = 'schedule: {type: daily, tz: UTC, daytime: "01:00:00"}\n';

/** Loads `files` and returns `job: line: message` for each problem. */
async function check(files: Record<string, string>, at = now): Promise<string[]> {
  const root = tempDir();
  writeFiles(root, files);
  const { problems } = await loadJobsDir(root, { calendars: builtinCalendars, now: at });
  return problems.map((p) => `${p.jobId}:${p.line}: ${p.message}`);
}

describe('the load-time job check', () => {
  it('accepts schedule_time as a param, which the scheduler supplies', async () => {
    assert.deepEqual(
      await check({
        'a.yaml': `params: [schedule_time]\n${DAILY}program: {type: procstar-shell, command: "echo {{ schedule_time }}"}\n`,
      }),
      [],
    );
  });

  it('reports params no schedule gives a value, at the schedule', async () => {
    assert.deepEqual(
      await check({ 'a.yaml': `params: [date, region]\n${DAILY}program: {type: no-op}\n` }),
      ['a:2: schedule: missing args (region) for job a'],
    );
  });

  it('reports an undefined template name at the field that uses it', async () => {
    assert.deepEqual(
      await check({
        'a.yaml': `params: [date]\n${DAILY}program:\n  type: procstar\n  argv: [echo, "{{ date }}", "{{ region }}"]\n`,
      }),
      ["a:5: program.argv[2]: name 'region' is not defined"],
    );
  });

  it('reports a dependency on a job that does not exist', async () => {
    assert.deepEqual(
      await check({
        'a.yaml': `params: [date]\n${DAILY}program: {type: no-op}\ncondition: {type: dependency, job_id: nope}\n`,
      }),
      ['a:4: condition.job_id: unknown job ID: nope'],
    );
  });

  it('reports a target param the dependency cannot fill', async () => {
    assert.deepEqual(
      await check({
        'a.yaml': `${DAILY}program: {type: no-op}\ncondition: {type: dependency, job_id: t}\n`,
        't.yaml': 'params: [date]\nprogram: {type: no-op}\n',
      }),
      ['a:3: condition: no value for param date of job t'],
    );
  });

  it('binds templated dependency job ids and args with the helpers', async () => {
    assert.deepEqual(
      await check({
        'a.yaml':
          `params: [date, region]\nschedule: {type: daily, tz: UTC, daytime: "01:00:00", args: {region: eu}}\nprogram: {type: no-op}\n` +
          `condition: {type: dependency, job_id: "ref/{{ region }}", args: {date: "{{ get_calendar('Mon-Fri').before(date) }}"}}\n`,
        'ref/eu.yaml': 'params: [date]\nprogram: {type: no-op}\n',
      }),
      [],
    );
  });

  it('falls back to the static check when no schedule produces a run', async () => {
    assert.deepEqual(
      await check({
        'a.yaml':
          'params: [date]\nschedule: {type: explicit, times: "2020-01-01T00:00:00Z"}\nprogram: {type: no-op}\n' +
          'condition:\n  - {type: dependency, job_id: nope}\n  - {type: dependency, job_id: t, args: {x: "1"}}\n',
        't.yaml': 'params: [date, region]\nprogram: {type: no-op}\n',
      }),
      [
        'a:5: condition[0].job_id: unknown job ID in condition: nope',
        'a:6: condition[1]: missing arg in condition: param region of job t',
        'a:6: condition[1].args.x: extraneous arg in condition: param x of job t',
      ],
    );
  });

  it('checks the jobs actions and successors name, which Apsis never does', async () => {
    assert.deepEqual(
      await check({
        'a.yaml': `params: [date]\n${DAILY}program: {type: no-op}\naction: {type: schedule, job_id: nope, if: {states: [error]}}\nsuccessors: [t]\n`,
        't.yaml': 'params: [date, region]\nprogram: {type: no-op}\n',
      }),
      [
        'a:4: action.job_id: unknown job ID in action: nope',
        'a:5: successors[0]: missing arg in action: param region of job t',
      ],
    );
  });

  it('checks template syntax in jobs without schedules', async () => {
    const [message] = await check({
      'a.yaml': 'program: {type: procstar-shell, command: "echo {{ x"}\n',
    });
    assert.match(message ?? '', /^a:1: /);
  });

  it('checks disabled schedules too', async () => {
    assert.deepEqual(
      await check({
        'a.yaml':
          'params: [x]\nschedule: {type: interval, interval: 1h, enabled: false}\nprogram: {type: no-op}\n',
      }),
      ['a:2: schedule: missing args (x) for job a'],
    );
  });

  it('reports a calendar file running out at the schedule', async () => {
    const root = tempDir();
    writeFiles(root, {
      'jobs/a.yaml':
        'schedule: {type: daily, tz: UTC, daytime: "01:00:00", calendar: short}\nprogram: {type: no-op}\n',
      'cal/short.cal': 'START 2026-01-01\nSTOP 2026-02-01\n2026-01-05\n',
    });
    const { calendarsFromDir } = await import('../../src/jobs/index.js');
    const { problems } = await loadJobsDir(`${root}/jobs`, {
      calendars: calendarsFromDir(`${root}/cal`),
      now,
    });
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        'schedule: date 2026-03-01 is outside calendar short, which covers 2026-01-01 up to 2026-02-01 (exclusive); extend the calendar file',
      ],
    );
  });
});
