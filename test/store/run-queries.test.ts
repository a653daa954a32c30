import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../src/store/index.js';
import { makeRun, openTestStore } from '../support/store.js';

const ids = (runs: RunRecord[]) => runs.map((r) => r.runId);

describe('run store: pages of a query', () => {
  it('pages one job newest first by run number, whatever its args, with a keyset cursor', () => {
    const { store, endTurn } = openTestStore();
    // Args sort the (job_id, args) index apart from run-number order.
    const args: Record<string, string>[] = [
      { d: '3' },
      { d: '1' },
      {},
      { d: '2' },
      { d: '1' },
      { d: '3' },
      {},
    ];
    args.forEach((a, i) => store.insertRun(makeRun(i + 1, { args: a })));
    store.insertRun(makeRun(8, { jobId: 'other' }));
    endTurn();
    const page = (beforeNumber?: number) =>
      ids(store.queryRuns({ jobId: 'job', descending: true, limit: 3, beforeNumber }));
    assert.deepEqual(page(), ['r7', 'r6', 'r5']);
    assert.deepEqual(page(5), ['r4', 'r3', 'r2']);
    assert.deepEqual(page(2), ['r1']);
    assert.deepEqual(
      ids(store.queryRuns({ jobId: 'job', limit: 2, afterNumber: 3, states: ['new'] })),
      ['r4', 'r5'],
    );
  });

  it('matches an arg exactly, not as part of another name or value', () => {
    const { store, endTurn } = openTestStore();
    store.insertRun(makeRun(1, { args: { date: '2024-01-02' } }));
    store.insertRun(makeRun(2, { args: { date: '2024-01-022' } }));
    store.insertRun(makeRun(3, { args: { update: '2024-01-02' } }));
    store.insertRun(makeRun(4, { args: { note: '"date":"2024-01-02"' } }));
    store.insertRun(makeRun(5, { args: { a: 'x', date: '2024-01-02', z: 'y' } }));
    store.insertRun(makeRun(6, { args: { date: 'Zürich "quoted"\n' } }));
    endTurn();
    const query = (argsInclude: Record<string, string>, limit?: number) =>
      ids(store.queryRuns({ argsInclude, ...(limit !== undefined && { limit }) }));
    assert.deepEqual(query({ date: '2024-01-02' }), ['r1', 'r5']);
    assert.deepEqual(query({ date: '2024-01-02' }, 10), ['r1', 'r5']);
    assert.deepEqual(query({ date: '2024-01-02', z: 'y' }, 10), ['r5']);
    assert.deepEqual(query({ date: 'Zürich "quoted"\n' }, 10), ['r6']);
    assert.deepEqual(query({ date: '2024-01-0' }, 10), []);
  });

  it('matches a label of the job, not the same text elsewhere in the metadata', () => {
    const { store, endTurn } = openTestStore();
    store.insertRun(makeRun(1, { meta: { job: { labels: ['critical', 'eu'] } } }));
    store.insertRun(
      makeRun(2, { meta: { job: { labels: ['eu'] }, program: { note: 'critical' } } }),
    );
    store.insertRun(makeRun(3, { meta: { job: { labels: ['critical-ish'] } } }));
    store.insertRun(makeRun(4, { meta: { job: { labels: ['eu', 'critical'] } } }));
    endTurn();
    const query = (labels: string[]) =>
      ids(store.queryRuns({ labels, descending: true, limit: 10 }));
    assert.deepEqual(query(['critical']), ['r4', 'r1']);
    assert.deepEqual(query(['critical', 'eu']), ['r4', 'r1']);
    assert.deepEqual(query(['eu']), ['r4', 'r2', 'r1']);
    assert.deepEqual(query(['critical', 'us']), []);
  });
});
