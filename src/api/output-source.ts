import type { Runtime } from '../runtime/index.js';
import type { OutputInfo } from '../store/index.js';

/**
 * A run's outputs as the API reads them: a live run's interim output (kept
 * in memory by programs that report whole outputs) wins over what is
 * stored; otherwise the stored output, read a chunk at a time.
 */
export class OutputSource {
  constructor(private readonly runtime: Runtime) {}

  /** Every output of a run with its current length; interim ones first. */
  list(runId: string): OutputInfo[] {
    const interim = this.runtime.registry.interimOutputs(runId);
    const out = new Map<string, OutputInfo>();
    for (const info of this.runtime.store.outputIds(runId)) out.set(info.outputId, info);
    for (const o of interim?.values() ?? [])
      out.set(o.outputId, {
        outputId: o.outputId,
        name: o.name,
        contentType: o.contentType,
        length: o.length,
      });
    return [...out.values()];
  }

  info(runId: string, outputId: string): OutputInfo | undefined {
    return this.list(runId).find((o) => o.outputId === outputId);
  }

  /** Bytes `[start, end)` of an output, in pieces of at most a stored chunk each. */
  *range(runId: string, outputId: string, start: number, end: number): Generator<Uint8Array> {
    if (end <= start) return;
    const interim = this.runtime.registry.interimOutputs(runId)?.get(outputId);
    if (interim) {
      yield interim.data.subarray(start, Math.min(end, interim.data.byteLength));
      return;
    }
    let offset = 0;
    for (const chunk of this.runtime.store.outputChunks(runId, outputId)) {
      const chunkEnd = offset + chunk.byteLength;
      if (chunkEnd > start) {
        yield chunk.subarray(Math.max(0, start - offset), Math.min(chunk.byteLength, end - offset));
      }
      offset = chunkEnd;
      if (offset >= end) return;
    }
  }
}
