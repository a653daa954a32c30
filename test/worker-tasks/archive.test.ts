import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRunId } from '../../src/runs/index.js';
import { addChunk, archiveMeta, startArchive } from '../../src/worker-tasks/index.js';

function chunk(numbers: readonly number[]) {
  return {
    runIds: numbers.map(formatRunId),
    runNumbers: numbers,
    rowCounts: { runs: numbers.length },
    jobsDeleted: [],
    getRunsS: 0.001,
    archiveRunsS: 0.01,
  };
}

describe('archive progress', () => {
  it('keeps the runs moved as spans of consecutive numbers, however many there are', () => {
    const many = Array.from({ length: 1000 }, (_, i) => 101 + i);
    const progress = addChunk(
      addChunk(startArchive(0, 2000), 1000, chunk(many)),
      1000,
      chunk([5, 6, 7, 9, 3]),
    );
    assert.deepEqual(progress.chunks, [
      [101, 1000],
      [5, 3, 9, 1, 3, 1],
    ]);
    assert.equal(progress.budget, 0);
    assert.equal(progress.meta['run count'], 1005);
    assert.equal('run_ids' in progress.meta, false);
  });

  it('lists every chunk’s run ids, in the order moved, in the metadata', () => {
    const progress = addChunk(
      addChunk(startArchive(0, 10), 3, chunk([5, 6, 7])),
      3,
      chunk([9, 3, 4]),
    );
    assert.deepEqual(archiveMeta(progress), {
      'run count': 6,
      run_ids: [
        ['r5', 'r6', 'r7'],
        ['r9', 'r3', 'r4'],
      ],
      'row counts': { runs: 6 },
      'jobs deleted': [],
      time: { 'get runs': 0.002, 'archive runs': 0.02 },
    });
  });

  it('records no chunk when nothing was moved', () => {
    const progress = addChunk(startArchive(0, 10), 5, chunk([]));
    assert.deepEqual(progress.chunks, []);
    assert.deepEqual(archiveMeta(progress).run_ids, []);
    assert.equal(progress.budget, 5);
  });
});
