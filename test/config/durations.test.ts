import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { load, loadError, problemLines, removeTempDirs } from './helpers.js';

after(removeTempDirs);

const maxTimeMs = (value: string): number | null =>
  load(`waiting:\n  max_time: ${value}\n`).config.waiting.maxTimeMs;

describe('duration keys', () => {
  const spellings: [string, number][] = [
    ['30', 30_000],
    ['1.5', 1_500],
    ['"30"', 30_000],
    ['"1e3"', 1_000_000],
    ['1e3', 1_000_000],
    ['30s', 30_000],
    ['30 sec', 30_000],
    ['1 second', 1_000],
    ['2 seconds', 2_000],
    ['10m', 600_000],
    ['10 min', 600_000],
    ['1 minute', 60_000],
    ['10 minutes', 600_000],
    ['1.5h', 5_400_000],
    ['1 hour', 3_600_000],
    ['2 hours', 7_200_000],
    ['1d', 86_400_000],
    ['1 day', 86_400_000],
    ['2 days', 172_800_000],
    ['1h30m', 5_400_000],
    ['1h 30m 15s', 5_415_000],
    ['500ms', 500],
    ['1w', 604_800_000],
    ['+10 min', 600_000],
  ];
  for (const [written, ms] of spellings) {
    it(`reads max_time: ${written} as ${ms} ms`, () => {
      assert.equal(maxTimeMs(written), ms);
    });
  }

  it('accepts every duration form on every duration key', () => {
    const { config } = load(
      [
        'database: {timeout: 5s}',
        'runs: {lookback: 1w}',
        'schedule: {horizon: 2h, max_age: 1d}',
        'waiting: {max_time: 10min}',
        'program: {timeout: {duration: 1h30m}}',
        'procstar:',
        '  agent:',
        '    connection: {start_timeout: 1 min, reconnect_timeout: 1 hour}',
        '    run: {update_interval: 500ms, output_interval: 15 sec}',
      ].join('\n'),
    );
    assert.equal(config.database.timeoutMs, 5_000);
    assert.equal(config.runs.lookbackMs, 604_800_000);
    assert.equal(config.schedule.horizonMs, 7_200_000);
    assert.equal(config.schedule.maxAgeMs, 86_400_000);
    assert.equal(config.waiting.maxTimeMs, 600_000);
    assert.equal(config.program.timeout.durationMs, 5_400_000);
    assert.equal(config.procstar.agent.connection.startTimeoutMs, 60_000);
    assert.equal(config.procstar.agent.connection.reconnectTimeoutMs, 3_600_000);
    assert.equal(config.procstar.agent.run.updateIntervalMs, 500);
    assert.equal(config.procstar.agent.run.outputIntervalMs, 15_000);
  });

  it('names the key and the value when a duration cannot be parsed', () => {
    const error = loadError('waiting:\n  max_time: 10 minutes please\n');
    assert.match(
      problemLines(error)[0]!,
      /apsis\.yaml:2:13: waiting\.max_time: can't parse as duration: 10 minutes please/,
    );
  });

  it('names the key when a duration is a list or a mapping', () => {
    const error = loadError('schedule: {horizon: [1h]}\n');
    assert.match(problemLines(error)[0]!, /schedule\.horizon: expected a duration.*got a list/);
  });

  it('refuses units in the wrong case, as Apsis does', () => {
    assert.throws(() => maxTimeMs('10 MIN'), /waiting\.max_time: can't parse as duration: 10 MIN/);
  });

  for (const key of [
    'database.timeout',
    'runs.lookback',
    'schedule.horizon',
    'schedule.max_age',
    'waiting.max_time',
    'program.timeout.duration',
    'procstar.agent.connection.start_timeout',
    'procstar.agent.connection.reconnect_timeout',
    'procstar.agent.run.update_interval',
    'procstar.agent.run.output_interval',
  ]) {
    it(`refuses ${key} <= 0, naming the key`, () => {
      for (const value of ['0', '-5', '-10 d']) {
        const error = loadError('', { overrides: [`${key}=${value}`] });
        assert.match(
          problemLines(error)[0]!,
          new RegExp(`^override ${key.replace(/\./g, '\\.')}: negative duration: ${value}`),
        );
      }
    });
  }

  it('reports every bad duration at once', () => {
    const error = loadError('waiting: {max_time: -1}\nschedule: {horizon: 0, max_age: x}\n');
    assert.equal(problemLines(error).length, 3);
    assert.match(error.message, /\(3 problems\)/);
  });

  it('keeps schedule.horizon at one day when it is null', () => {
    assert.equal(load('schedule: {horizon: null}\n').config.schedule.horizonMs, 86_400_000);
  });
});

describe('runs.lookback', () => {
  it('parses runs.lookback as a duration', () => {
    assert.equal(load('runs: {lookback: 1d}\n').config.runs.lookbackMs, 86_400_000);
    assert.equal(load('runs: {lookback: 86400}\n').config.runs.lookbackMs, 86_400_000);
  });

  it('reads runs.lookback: null as no lookback', () => {
    assert.equal(load('runs:\n  lookback: null\n').config.runs.lookbackMs, null);
  });

  it('accepts the deprecated top-level runs_lookback with a warning', () => {
    const { config, warnings } = load('runs_lookback: 2d\n');
    assert.equal(config.runs.lookbackMs, 172_800_000);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /apsis\.yaml:1:1: runs_lookback is deprecated; use runs\.lookback/);
  });

  it('prefers runs.lookback over runs_lookback and says so', () => {
    const { config, warnings } = load('runs_lookback: 2d\nruns: {lookback: 1d}\n');
    assert.equal(config.runs.lookbackMs, 86_400_000);
    assert.match(warnings[0]!, /runs_lookback is ignored/);
  });

  it('reports a bad runs_lookback under its new name at its place in the file', () => {
    const error = loadError('job_dir: j\nruns_lookback: forever\n');
    assert.match(problemLines(error)[0]!, /apsis\.yaml:2:16: runs\.lookback: can't parse/);
  });
});

describe('procstar.agent.connection.start_timeout', () => {
  it('defaults to 0: fail at once when no agent is connected', () => {
    assert.equal(load('').config.procstar.agent.connection.startTimeoutMs, 0);
  });

  it('reads an explicit null as waiting forever, as Apsis passes it on', () => {
    const { config } = load('procstar: {agent: {connection: {start_timeout: null}}}\n');
    assert.equal(config.procstar.agent.connection.startTimeoutMs, null);
  });
});
