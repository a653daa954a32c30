import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatActor,
  formatActorsTable,
  formatJob,
  formatJobsTable,
  formatReload,
} from '../../../src/cli/client/format-info.js';
import { jobSchema } from '../../../src/cli/client/schemas.js';
import { createPaint } from '../../../src/cli/client/style.js';
import { UTC } from '../../../src/time/index.js';

const paint = createPaint(false);

const load = jobSchema.parse({
  job_id: 'daily/load',
  params: ['date', 'region'],
  schedule: [{ type: 'daily', str: 'daily at 07:00:00 America/New_York' }],
  program: { type: 'procstar-shell', str: 'echo hello' },
  condition: [{ type: 'dependency', str: 'dependency ref(date={{ date }}) is success' }],
  action: [],
  metadata: { labels: ['ingest', 'eu'], description: 'Loads the day.' },
  ad_hoc: false,
});
const tick = jobSchema.parse({ job_id: 'a/tick', params: [], metadata: {} });

describe('formatJobsTable', () => {
  it('lists jobs sorted by id with their params and labels', () => {
    assert.equal(
      formatJobsTable([load, tick], paint),
      'job_id     params         labels\n' +
        `${'━'.repeat(35)}\n` +
        'a/tick     ()\n' +
        'daily/load (date, region) ingest eu\n',
    );
  });
});

describe('formatJob', () => {
  it('shows a job by its parts: params, labels, description, schedules, program, conditions', () => {
    assert.equal(
      formatJob(load, paint),
      'job daily/load(date, region)\nlabels: ingest eu\n\nLoads the day.\n\n' +
        'Schedules\n- daily at 07:00:00 America/New_York\n\n' +
        'Program\n- echo hello\n\n' +
        'Conditions\n- dependency ref(date={{ date }}) is success\n\n',
    );
  });
});

describe('formatReload', () => {
  it('lists removed, added and changed jobs, and warns on a dry run', () => {
    assert.equal(
      formatReload({ removed: ['old'], added: [], changed: ['a', 'b'], dry_run: true }, paint),
      'Jobs removed\n- old\n\nJobs changed\n- a\n- b\n\nDry run; no changes made.\n',
    );
  });

  it('says no changes when nothing changed', () => {
    assert.equal(
      formatReload({ removed: [], added: [], changed: [], dry_run: true }, paint),
      'no changes\n',
    );
  });
});

describe('actors', () => {
  const actor = {
    id: 'run/r12',
    machine: 'run',
    state: { running: 'program' },
    status: 'active',
    parent: 'scheduler',
    children: ['program/r12'],
    started_at: '2024-10-22T14:00:00.000+00:00',
  };

  it('lists actors one per row, nested states as JSON and children as a count', () => {
    const table = formatActorsTable([actor], paint, UTC);
    const [header, , row] = table.split('\n');
    assert.match(header ?? '', /^id +machine +state +status +parent +children +started_at$/);
    assert.match(
      row ?? '',
      /^run\/r12 +run +\{"running":"program"\} +active +scheduler +1 +2024-10-22 14:00:00$/,
    );
  });

  it('shows one actor with its snapshot as YAML and its events as a table', () => {
    const text = formatActor(
      {
        ...actor,
        snapshot: { context: { runId: 'r12' } },
        events: [{ time: '2024-10-22T14:00:00.000+00:00', kind: 'event', event_type: 'start' }],
      },
      paint,
      UTC,
    );
    assert.match(text, /^actor run\/r12\nmachine {5}: run\n/);
    assert.match(text, /\nSnapshot\ncontext:\n {2}runId: r12\n/);
    assert.match(text, /\nEvents\ntime +kind +event_type\n━+\n2024-10-22 14:00:00 event start\n/);
  });
});
