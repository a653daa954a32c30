import type { Clock, Time } from '../time/index.js';
import type { Database } from './database.js';
import type { Write } from './write-queue.js';

export interface Committer {
  /** Commits a batch in one transaction; false (nothing written) when locked out while sharing. */
  commit(writes: readonly Write[]): boolean;
  /** `RunStore.shareWriteLock`; `closed` tells whether the connection is gone at release. */
  share(closed: () => boolean): () => void;
  /** Back to waiting in SQLite for the lock (the store is closing). */
  stopSharing(): void;
  /** The connection's busy timeout, ms. */
  readonly busyTimeoutMs: number;
  /** `RunStore.writeLockWaiters`. */
  readonly waiters: SharedArrayBuffer;
}

/**
 * The store's batch commit. Normally it waits for the write lock in
 * SQLite's busy handler: another writer is rare and brief. While a worker
 * shares the lock (`share`), a commit that finds it taken returns at once
 * and the write queue tries again later, off the event loop; past the busy
 * timeout it waits in SQLite again, so a lock never released still fails
 * the batch as before.
 */
export function createCommitter(db: Database, clock: Clock): Committer {
  let began = false;
  const commitBatch = db.transaction((writes: readonly Write[]) => {
    began = true;
    for (const write of writes) write();
  });
  const busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
  const autoCheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  let shares = 0;
  let lockedSince: Time | undefined;
  const waiters = new SharedArrayBuffer(4);
  const waiting = new Int32Array(waiters);
  const setWaiting = (value: 0 | 1) => {
    if (Atomics.exchange(waiting, 0, value) !== value && value === 0) Atomics.notify(waiting, 0);
  };

  return {
    // IMMEDIATE takes the write lock up front, so a worker's connection
    // cannot make a commit fail half-way with SQLITE_BUSY.
    commit(writes) {
      const now = clock.now();
      if (shares === 0 || (lockedSince !== undefined && now - lockedSince >= busyTimeoutMs)) {
        lockedSince = undefined;
        try {
          commitBatch.immediate(writes);
        } finally {
          setWaiting(0);
        }
        return true;
      }
      began = false;
      db.pragma('busy_timeout = 0');
      try {
        commitBatch.immediate(writes);
        lockedSince = undefined;
        setWaiting(0);
        return true;
      } catch (err) {
        // Locked at BEGIN: nothing ran, so the batch can wait, and the
        // worker lets it in after its slice (`waiters`).
        if (!began && isBusy(err)) {
          lockedSince ??= now;
          setWaiting(1);
          return false;
        }
        setWaiting(0);
        throw err;
      } finally {
        db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      }
    },
    share(closed) {
      // An automatic checkpoint follows a commit that leaves the log long:
      // after a chunk, that would copy the worker's pages into the file on
      // the event loop. The worker checkpoints its own chunks instead.
      if (shares++ === 0) db.pragma('wal_autocheckpoint = 0');
      let released = false;
      return () => {
        if (released || shares === 0) return;
        released = true;
        if (--shares === 0 && !closed()) db.pragma(`wal_autocheckpoint = ${autoCheckpoint}`);
      };
    },
    stopSharing() {
      shares = 0;
      setWaiting(0);
    },
    busyTimeoutMs,
    waiters,
  };
}

function isBusy(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === 'SQLITE_BUSY';
}
