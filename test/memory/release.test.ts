import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseBuffer, releaseWhole, wholeBuffer } from '../../src/memory/release.js';

const MiB = 2 ** 20;

describe('releaseBuffer', () => {
  it('frees a buffer at once, without waiting for the collector', () => {
    const before = process.memoryUsage().arrayBuffers;
    const bytes = Buffer.allocUnsafe(16 * MiB);
    assert.ok(process.memoryUsage().arrayBuffers - before >= 16 * MiB);
    releaseBuffer(bytes.buffer as ArrayBuffer);
    // `bytes` is still reachable here: only the release can have freed its memory.
    assert.ok(process.memoryUsage().arrayBuffers - before < MiB);
    assert.equal(bytes.byteLength, 0, 'views of a released buffer read as empty');
  });

  it('leaves a buffer already released, or empty, as it is', () => {
    const buffer = new ArrayBuffer(1024);
    releaseBuffer(buffer);
    assert.doesNotThrow(() => releaseBuffer(buffer));
    assert.doesNotThrow(() => releaseBuffer(new ArrayBuffer(0)));
  });
});

describe('wholeBuffer', () => {
  it('is the buffer of bytes that span all of it', () => {
    const bytes = Buffer.allocUnsafe(64 * 1024);
    assert.equal(wholeBuffer(bytes), bytes.buffer);
    const plain = new Uint8Array(100);
    assert.equal(wholeBuffer(plain), plain.buffer);
  });

  it('is undefined for bytes that share their buffer', () => {
    const big = Buffer.allocUnsafe(64 * 1024);
    assert.equal(wholeBuffer(big.subarray(1)), undefined);
    assert.equal(wholeBuffer(big.subarray(0, 100)), undefined);
    // Small Buffers are slices of Node's shared pool.
    assert.equal(wholeBuffer(Buffer.from('abc')), undefined);
    assert.equal(wholeBuffer(new Uint8Array(new SharedArrayBuffer(8))), undefined);
  });
});

describe('releaseWhole', () => {
  it('never frees a buffer that other bytes share', () => {
    const neighbour = Buffer.from('neighbour');
    const pooled = Buffer.from('pooled');
    assert.equal(pooled.buffer, neighbour.buffer, 'both from the pool');
    assert.equal(releaseWhole(pooled), false);
    assert.equal(neighbour.toString(), 'neighbour');
    const own = Buffer.allocUnsafe(MiB);
    assert.equal(releaseWhole(own), true);
    assert.equal(own.byteLength, 0);
  });
});
