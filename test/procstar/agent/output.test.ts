import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { AgentChild, TOKEN, scriptedServer } from './helpers.js';

const MiB = 2 ** 20;
const SIZE = 100 * MiB;
const LINE = 'abcdefghijklmnopqrstuvwxyz0123456789\n';

/** The sha256 of the first `size` bytes of LINE repeated, without holding them. */
function expectedHash(size: number): string {
  const hash = createHash('sha256');
  const block = Buffer.from(LINE.repeat(Math.ceil(MiB / LINE.length)));
  let left = size;
  let offset = 0;
  while (left > 0) {
    // Keep the repetition phase: each block starts where the last one stopped in LINE.
    const phase = offset % LINE.length;
    const n = Math.min(left, block.length - LINE.length);
    hash.update(block.subarray(phase, phase + n));
    left -= n;
    offset += n;
  }
  return hash.digest('hex');
}

const server = await scriptedServer({ accessToken: TOKEN });
const agent = new AgentChild(server);
const conn = await server.nextConnection(agent.connId);

describe('procstar agent output', () => {
  it('streams 100 MB of output in 1 MiB chunks while its memory stays within a few MB', async (t) => {
    const procId = 'big-output';
    conn.send({
      type: 'ProcStartRequest',
      specs: {
        [procId]: {
          argv: ['/bin/bash', '-c', `yes ${LINE.trim()} | head -c ${SIZE}`],
          fds: [['stdout', { capture: { mode: 'tempfile', encoding: null, attached: false } }]],
        },
      },
    });
    const final = await conn.finalResult(procId, 30_000);
    assert.deepEqual(final.res.fds.stdout, { type: 'detached', length: SIZE, encoding: 'base64' });

    const fetch = async (start: number) => {
      conn.send({
        type: 'ProcFdDataRequest',
        proc_id: procId,
        fd: 'stdout',
        start,
        stop: start + MiB,
      });
      return conn.next('ProcFdData', (m) => m.proc_id === procId && m.start === start);
    };
    // Warm up the read and send paths once before the baseline.
    await fetch(0);
    const baseline = agent.rssBytes();
    let peak = baseline;
    const hash = createHash('sha256');
    for (let start = 0; start < SIZE; start += MiB) {
      const chunk = await fetch(start);
      assert.equal(chunk.stop, start + MiB);
      hash.update(chunk.data);
      peak = Math.max(peak, agent.rssBytes());
    }
    assert.equal(hash.digest('hex'), expectedHash(SIZE), 'the chunks are the output, exactly');
    const growthMiB = (peak - baseline) / MiB;
    t.diagnostic(
      `agent RSS baseline ${(baseline / MiB).toFixed(1)} MiB, growth ${growthMiB.toFixed(1)} MiB`,
    );
    assert.ok(growthMiB < 8, `the agent's RSS grew by ${growthMiB.toFixed(1)} MiB`);
  });
});
