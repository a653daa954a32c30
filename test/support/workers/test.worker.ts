// Worker entry points for tests of the worker pool: each misbehaves in one way.
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseMissingError, openDatabase } from '../../../src/store/index.js';
import { workerEntry } from '../../../src/worker-tasks/index.js';
import { testTasks } from '../worker-tasks.js';

export const echo = workerEntry(testTasks.echo, (input) => ({ echoed: input.text }));

/** Ends the thread (as a native crash or a stray process.exit would). */
export function exit(): never {
  process.exit(3);
}

/** Throws outside the task, after replying nothing: an uncaught error kills the thread. */
export async function throwLater(): Promise<never> {
  setTimeout(() => {
    throw new Error('boom outside the task');
  }, 1);
  await sleep(10_000);
  throw new Error('unreachable');
}

/** Throws inside the task, bypassing the reply envelope. */
export function throwNow(): never {
  throw new Error('thrown by the task');
}

/** Blocks the thread for `ms`, as a long SQLite statement would. */
export const block = workerEntry(testTasks.block, (input) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, input.ms);
  return { blocked: input.ms };
});

/** Replies with something that is not the declared result. */
export function malformed(): unknown {
  return { ok: true, value: { echoed: 42 } };
}

/** Reports one of our errors by code. */
export const fail = workerEntry(testTasks.fail, () => {
  throw new DatabaseMissingError('/nowhere/apsis.db');
});

/** Write-locks a database, then blocks: a thread stopped now must not leave the lock held. */
export const lockAndBlock = workerEntry(testTasks.lockAndBlock, (input) => {
  const db = openDatabase(input.path);
  db.exec('BEGIN IMMEDIATE');
  db.prepare('INSERT INTO clock (id, time) VALUES (1, 0) ON CONFLICT DO NOTHING').run();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, input.ms);
  return { blocked: input.ms };
});
