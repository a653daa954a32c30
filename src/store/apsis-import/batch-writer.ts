import type { Database } from '../database.js';

/**
 * Groups writes into transactions of at most `maxRows` writes or `maxBytes`
 * of blobs: one fsync per batch instead of per row, and a WAL that stays
 * small however big the import. A write that throws leaves the batch open;
 * `rollback()` drops it.
 */
export class BatchWriter {
  private rows = 0;
  private bytes = 0;

  constructor(
    private readonly db: Database,
    private readonly maxRows: number,
    private readonly maxBytes: number,
  ) {}

  write(fn: () => unknown, bytes = 0): void {
    // IMMEDIATE: a daemon started on the file by mistake cannot make a batch fail half-way.
    if (!this.db.inTransaction) this.db.exec('BEGIN IMMEDIATE');
    fn();
    this.rows++;
    this.bytes += bytes;
    if (this.rows >= this.maxRows || this.bytes >= this.maxBytes) this.commit();
  }

  commit(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.rows = 0;
    this.bytes = 0;
  }

  /** Drops the open batch, if any; a no-op after `commit()`. */
  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.rows = 0;
    this.bytes = 0;
  }
}
