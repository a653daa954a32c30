import { z } from 'zod';
import type { WorkerTask } from '../../src/worker-tasks/index.js';

const file = new URL('./workers/test.worker.js', import.meta.url);

function task<I, O>(
  exportName: string,
  input: z.ZodType<I>,
  result: z.ZodType<O>,
  timeoutMs = 10_000,
): WorkerTask<I, O> {
  return { name: `test-${exportName}`, file, exportName, input, result, timeoutMs };
}

const echoResult = z.object({ echoed: z.string() });

/** Tasks of test/support/workers/test.worker.ts. */
export const testTasks = {
  echo: task('echo', z.object({ text: z.string() }), echoResult),
  exit: task('exit', z.unknown(), echoResult),
  throwLater: task('throwLater', z.unknown(), echoResult),
  throwNow: task('throwNow', z.unknown(), echoResult),
  block: task('block', z.object({ ms: z.number() }), z.object({ blocked: z.number() })),
  malformed: task('malformed', z.unknown(), echoResult),
  fail: task('fail', z.unknown(), echoResult),
  lockAndBlock: task(
    'lockAndBlock',
    z.object({ path: z.string(), ms: z.number() }),
    z.object({ blocked: z.number() }),
  ),
};
