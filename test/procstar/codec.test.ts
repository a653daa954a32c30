import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  AGENT_MESSAGE_TYPES,
  SERVER_MESSAGE_TYPES,
  ProtocolError,
  decodeAgentMessage,
  decodeServerMessage,
  encodeMessage,
} from '../../src/procstar/index.js';
import { fixturePath } from '../support/fixtures.js';

// Frames encoded by Python's msgpack exactly as procstar's server encodes them
// (see test/fixtures/procstar/generate-frames.py), keys in the Rust agent's order.
const frames = JSON.parse(readFileSync(fixturePath('procstar/frames.json'), 'utf8')) as {
  server: Record<string, string>;
  agent: Record<string, string>;
};

const bytes = (hex: string) => Buffer.from(hex, 'hex');

describe('procstar codec', () => {
  it('has a golden frame for every message type in each direction', () => {
    const base = (name: string) => name.split('.')[0];
    assert.deepEqual(
      [...new Set(Object.keys(frames.server).map(base))].sort(),
      [...SERVER_MESSAGE_TYPES].sort(),
    );
    assert.deepEqual(
      [...new Set(Object.keys(frames.agent).map(base))].sort(),
      [...AGENT_MESSAGE_TYPES].sort(),
    );
  });

  for (const [name, hex] of Object.entries(frames.server)) {
    it(`decodes the server's ${name} and encodes it to the same bytes`, () => {
      const message = decodeServerMessage(bytes(hex));
      assert.equal(message.type, name.split('.')[0]);
      assert.equal(encodeMessage(message).toString('hex'), hex);
    });
  }

  for (const [name, hex] of Object.entries(frames.agent)) {
    it(`decodes the agent's ${name} and encodes it to the same bytes`, () => {
      const message = decodeAgentMessage(bytes(hex));
      assert.equal(message.type, name.split('.')[0]);
      assert.equal(encodeMessage(message).toString('hex'), hex);
    });
  }

  it('writes {"type":"Registered"} as the bytes the Rust agent expects', () => {
    assert.equal(
      encodeMessage({ type: 'Registered' }).toString('hex'),
      '81a474797065aa52656769737465726564',
    );
  });

  it('keeps u64 statistics past 2^53 exact', () => {
    const message = decodeAgentMessage(bytes(frames.agent.ProcResult!));
    assert.equal(message.type, 'ProcResult');
    if (message.type !== 'ProcResult') return;
    assert.equal(message.res.proc_stat?.rsslim, 18446744073709551615n);
  });

  it('decodes output data as bytes', () => {
    const message = decodeAgentMessage(bytes(frames.agent.ProcFdData!));
    assert.ok(message.type === 'ProcFdData');
    assert.equal(Buffer.from(message.data).toString(), 'Hello, world!\n');
  });

  it('names the type and the field of a malformed message', () => {
    const frame = encodeMessage({ type: 'ProcSignalRequest', proc_id: 'p', signum: 'TERM' });
    assert.throws(
      () => decodeServerMessage(frame),
      (err: unknown) =>
        err instanceof ProtocolError &&
        err.messageType === 'ProcSignalRequest' &&
        /bad ProcSignalRequest: signum/.test(err.message),
    );
  });

  it('rejects an unknown message type by name', () => {
    assert.throws(
      () => decodeAgentMessage(encodeMessage({ type: 'ProcStart', proc_id: 'p' })),
      (err: unknown) =>
        err instanceof ProtocolError &&
        err.messageType === 'ProcStart' &&
        err.message === 'unknown message type ProcStart',
    );
  });

  it('rejects a frame without a type and bytes that are not msgpack', () => {
    assert.throws(() => decodeAgentMessage(encodeMessage({ proc_id: 'p' })), /no "type" key/);
    assert.throws(() => decodeAgentMessage(Buffer.from([0x82, 0xa4, 0x74])), /not msgpack/);
  });

  it('tolerates fields a newer agent adds', () => {
    const message = decodeAgentMessage(
      encodeMessage({ type: 'ProcDelete', proc_id: 'p', extra: 1 }),
    );
    assert.deepEqual(message, { type: 'ProcDelete', proc_id: 'p', extra: 1 });
  });
});
