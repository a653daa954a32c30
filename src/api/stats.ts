import type { Time } from '../time/index.js';
import type { ApiContext } from './context.js';

/**
 * Registers what only the API knows (its summary publisher) with the
 * runtime's stats, which the `stats` program reads too; returns the
 * function that removes it.
 */
export function addApiStats(ctx: ApiContext): () => void {
  return ctx.runtime.stats.addSection('summary_publisher', () => ({
    num_subs: ctx.summary.size,
    latest_seq: ctx.summary.latest,
  }));
}

/** `GET /api/v1/stats`: the runtime's stats object (apsis-model.md §10). */
export function statsJso(ctx: ApiContext, now: Time): Record<string, unknown> {
  return ctx.runtime.stats.read(now);
}
