import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAgentMessage, encodeMessage } from '../../../src/procstar/index.js';
import { FdDataFramer } from '../../../src/procstar/agent/fd-data-frame.js';

const fields = { procId: 'p-1', fd: 'stdout', start: 70_000, encoding: null } as const;

function source(bytes: Buffer) {
  return (buffer: Buffer, offset: number, length: number) => {
    const n = Math.min(length, bytes.length);
    bytes.copy(buffer, offset, 0, n);
    return Promise.resolve(n);
  };
}

describe('FdDataFramer', () => {
  for (const size of [0, 5, 255, 256, 65_535, 65_536, 1_000_000])
    it(`encodes ${size} bytes exactly as the codec encodes the message`, async () => {
      const data = Buffer.alloc(size, 0x61);
      const frame = await new FdDataFramer().frame(fields, size, source(data));
      const expected = encodeMessage({
        type: 'ProcFdData',
        proc_id: 'p-1',
        fd: 'stdout',
        start: 70_000,
        stop: 70_000 + size,
        encoding: null,
        data,
      });
      assert.ok(frame.bytes.equals(expected));
      frame.release();
    });

  it('sets stop from what was read when the output is shorter than asked', async () => {
    const frame = await new FdDataFramer().frame(fields, 1000, source(Buffer.from('abc')));
    const message = decodeAgentMessage(frame.bytes);
    assert.equal(message.type === 'ProcFdData' && message.stop, 70_003);
    assert.deepEqual(
      message.type === 'ProcFdData' && Buffer.from(message.data),
      Buffer.from('abc'),
    );
  });

  it('reuses its buffer once released, and never while a frame is in flight', async () => {
    const framer = new FdDataFramer(4096);
    const a = await framer.frame(fields, 100, source(Buffer.alloc(100, 1)));
    const b = await framer.frame(fields, 100, source(Buffer.alloc(100, 2)));
    assert.notEqual(a.bytes.buffer, b.bytes.buffer, 'a second buffer while the first is in use');
    assert.equal(a.bytes.at(-1), 1);
    a.release();
    b.release();
    const c = await framer.frame(fields, 100, source(Buffer.alloc(100, 3)));
    assert.equal(c.bytes.buffer, a.bytes.buffer, 'the pooled buffer again');
  });
});
