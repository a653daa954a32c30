import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { load, loadError, problemLines, removeTempDirs, writeConfig } from './helpers.js';

after(removeTempDirs);

describe('config file YAML', () => {
  it('reports a duplicate key with its file, line, column and name', () => {
    const error = loadError('schedule:\n  horizon: 1h\n  horizon: 2h\n');
    assert.deepEqual(problemLines(error).length, 1);
    assert.match(problemLines(error)[0]!, /apsis\.yaml:3:3: duplicate key: horizon$/);
  });

  it('reports every duplicate key at once', () => {
    const error = loadError('a: 1\na: 2\nb: {c: 1, c: 2}\n');
    const lines = problemLines(error);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /:2:1: duplicate key: a$/);
    assert.match(lines[1]!, /:3:11: duplicate key: c$/);
  });

  it('names the file exactly as the operator gave it', () => {
    const { dir } = writeConfig('a: 1\na: 2\n');
    assert.throws(() => loadConfig({ cwd: dir, path: 'conf/apsis.yaml' }), {
      message: /^invalid config conf\/apsis\.yaml:\n {2}conf\/apsis\.yaml:2:1: duplicate key: a$/,
    });
  });

  it('reports a syntax error with file:line:col', () => {
    const error = loadError('schedule:\n  horizon: [1h\nwaiting: {}\n');
    assert.match(problemLines(error)[0]!, /apsis\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('reports a syntax error at the line and column where it is', () => {
    const error = loadError('job_dir: jobs\nschedule: a: b\n');
    assert.match(
      problemLines(error)[0]!,
      /apsis\.yaml:2:11: YAML syntax error: Nested mappings are not allowed in compact mappings$/,
    );
  });

  it('reports tabs used as indentation', () => {
    const error = loadError('job_dir: jobs\n\tschedule: 1\n');
    assert.match(problemLines(error)[0]!, /apsis\.yaml:2:1: YAML syntax error: Tabs/);
  });

  it('refuses a file that is a list rather than a mapping', () => {
    const error = loadError('- job_dir\n');
    assert.match(problemLines(error)[0]!, /apsis\.yaml:1:1: the config file must be a mapping/);
  });

  it('refuses an alias with no anchor, naming where it is', () => {
    const error = loadError('job_dir: *nowhere\n');
    assert.match(problemLines(error)[0]!, /apsis\.yaml:1:10: YAML alias \*nowhere has no anchor/);
  });

  it('applies merge keys', () => {
    const { config } = load('x-defaults: &d {horizon: 2h}\nschedule:\n  <<: *d\n  max_age: 1d\n');
    assert.equal(config.schedule.horizonMs, 7_200_000);
    assert.equal(config.schedule.maxAgeMs, 86_400_000);
  });

  it('reads YAML 1.2: yes and on are strings, not booleans', () => {
    assert.throws(() => load('procstar: {agent: {enable: yes}}\n'), {
      message: /procstar\.agent\.enable: expected true or false, got string "yes"/,
    });
  });

  it('passes on YAML warnings with their position', () => {
    const { warnings } = load('job_dir: !custom jobs\n');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /apsis\.yaml:1:10: /);
  });

  it('points a value problem at the value in the file', () => {
    const error = loadError('waiting:\n  max_time: soon\n');
    assert.match(problemLines(error)[0]!, /apsis\.yaml:2:13: waiting\.max_time: /);
  });

  it('points a problem with a value merged in by << at the mapping that merges it', () => {
    const error = loadError('x: &d {horizon: never}\nschedule:\n  <<: *d\n');
    assert.match(problemLines(error)[0]!, /apsis\.yaml:3:3: schedule\.horizon: /);
  });
});
