import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatDisplayTime,
  formatDuration,
  formatRun,
  formatRunLog,
  formatRunsTable,
  stateSymbol,
  type Display,
} from '../../../src/cli/client/format-run.js';
import type { Run } from '../../../src/cli/client/schemas.js';
import { createPaint, wantColor } from '../../../src/cli/client/style.js';
import { getTimeZone, parseTime, UTC } from '../../../src/time/index.js';

const NOW = parseTime('2024-10-22T14:00:30Z');
const plain: Display = { paint: createPaint(false), zone: UTC, now: NOW };

function run(fields: Partial<Run> & Pick<Run, 'run_id' | 'state' | 'times'>): Run {
  return { job_id: 'daily/load', args: { date: '2024-10-22' }, ...fields };
}

const scheduled = run({
  run_id: 'r7',
  state: 'scheduled',
  times: { schedule: '2024-10-22T15:00:00.000+00:00', scheduled: '2024-10-22T13:00:00.000+00:00' },
  conds: [{ type: 'dependency', str: 'dependency ref(date=2024-10-22) is success' }],
  program: { type: 'no-op', str: 'no-op for 0 s' },
});
const running = run({
  run_id: 'r8',
  state: 'running',
  times: { schedule: '2024-10-22T14:00:00.000+00:00', running: '2024-10-22T14:00:05.000+00:00' },
  conds: [],
});
const success = run({
  run_id: 'r9',
  job_id: 'tick',
  args: {},
  state: 'success',
  times: {
    schedule: '2024-10-22T13:00:00.000+00:00',
    running: '2024-10-22T13:00:01.000+00:00',
    success: '2024-10-22T14:02:03.400+00:00',
  },
});

describe('formatDuration', () => {
  it('writes M:SS under an hour, H:MM:SS under a day, D:HH:MM:SS beyond', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(59.6), '1:00');
    assert.equal(formatDuration(3599), '59:59');
    assert.equal(formatDuration(3600), '1:00:00');
    assert.equal(formatDuration(86_399), '23:59:59');
    assert.equal(formatDuration(90_061), '1:01:01:01');
  });

  it('shows a negative duration (clock skew) as zero', () => {
    assert.equal(formatDuration(-5), '0:00');
  });
});

describe('formatDisplayTime', () => {
  it('writes DATE TIME to the second in the display zone', () => {
    assert.equal(formatDisplayTime('2024-10-22T14:00:01.999+00:00', UTC), '2024-10-22 14:00:01');
    const ny = getTimeZone('America/New_York');
    assert.equal(formatDisplayTime('2024-10-22T14:00:01.000+00:00', ny), '2024-10-22 10:00:01');
    assert.equal(formatDisplayTime('2024-01-02T03:00:00.000+00:00', ny), '2024-01-01 22:00:00');
  });
});

describe('stateSymbol', () => {
  it("uses Apsis's symbols, the character coloured by state when colour is on", () => {
    const paint = createPaint(false);
    assert.equal(stateSymbol('success', paint), '[+]');
    assert.equal(stateSymbol('running', paint), '[»]');
    assert.equal(stateSymbol('stopping', paint), '[≯]');
    assert.equal(stateSymbol('skipped', paint), '[-]');
    assert.equal(stateSymbol('failure', createPaint(true)), '[\x1b[38;5;124mX\x1b[0m]');
  });
});

describe('formatRun', () => {
  it('shows a scheduled run: instance, program, conditions and when it is due', () => {
    assert.equal(
      formatRun(scheduled, plain),
      'run r7 daily/load(date=2024-10-22)\n' +
        'no-op: no-op for 0 s\n' +
        '- dependency ref(date=2024-10-22) is success\n' +
        '[O] for 2024-10-22 15:00:00\n\n',
    );
  });

  it('shows a running run with the time it started and its elapsed time so far', () => {
    assert.equal(
      formatRun(running, plain),
      'run r8 daily/load(date=2024-10-22)\nnone\n[»] since 2024-10-22 14:00:05 elapsed 0:25\n\n',
    );
  });

  it('shows a finished run with the time it finished and how long it ran', () => {
    assert.match(formatRun(success, plain), /\[\+\] at 2024-10-22 14:02:03 elapsed 1:02:02\n\n$/);
  });

  it('adds program fields, the log and the run history when verbose', () => {
    const text = formatRun(scheduled, plain, {
      verbosity: 1,
      runLog: [{ timestamp: '2024-10-22T13:00:00.000+00:00', message: 'scheduled: now' }],
      similarRuns: { r7: scheduled },
    });
    assert.match(text, /\nProgram\ntype {8}: no-op\n/);
    assert.match(text, /\nConditions\n• type {6}: dependency\n/);
    assert.match(text, /\nLog\n2024-10-22 13:00:00 scheduled: now\n/);
    assert.match(text, /\nRun History\nrun_id ste start {15}elapsed job_id\n━+\nr7 {5}\[O\]/);
  });
});

describe('formatRunsTable', () => {
  it('sorts by start, right-aligns elapsed and puts args in an unheaded column', () => {
    const table = formatRunsTable({ r7: scheduled, r8: running, r9: success }, plain);
    assert.equal(
      table,
      [
        'run_id ste start               elapsed job_id',
        // The rule spans every column, the unheaded args column too.
        '━'.repeat(65),
        'r9     [+] 2024-10-22 13:00:01 1:02:02 tick',
        'r8     [»] 2024-10-22 14:00:05    0:25 daily/load date=2024-10-22',
        'r7     [O] 2024-10-22 15:00:00         daily/load date=2024-10-22',
        '',
      ].join('\n'),
    );
  });

  it('says No runs. for an empty answer', () => {
    assert.equal(formatRunsTable({}, plain), 'No runs.\n');
  });

  it('keeps columns aligned when cells are coloured', () => {
    const coloured = formatRunsTable({ r8: running }, { ...plain, paint: createPaint(true) });
    // eslint-disable-next-line no-control-regex
    const visible = coloured.replace(/\x1b\[[0-9;]*m/g, '');
    assert.equal(visible, formatRunsTable({ r8: running }, plain));
  });
});

describe('formatRunLog', () => {
  it('prints one line per entry: time, then the message', () => {
    assert.equal(
      formatRunLog(
        [
          { timestamp: '2024-10-22T13:00:00.000+00:00', message: 'scheduled: now' },
          { timestamp: '2024-10-22T13:00:01.000+00:00', message: 'success' },
        ],
        plain,
      ),
      '2024-10-22 13:00:00 scheduled: now\n2024-10-22 13:00:01 success\n',
    );
  });
});

describe('wantColor', () => {
  it('colours a terminal unless NO_COLOR; FORCE_COLOR colours a pipe', () => {
    assert.equal(wantColor(true, {}), true);
    assert.equal(wantColor(false, {}), false);
    assert.equal(wantColor(true, { NO_COLOR: '1' }), false);
    assert.equal(wantColor(false, { FORCE_COLOR: '1' }), true);
    assert.equal(wantColor(true, { TERM: 'dumb' }), false);
  });
});
