import { fileURLToPath } from 'node:url';

/** A path inside `test/fixtures/`: compiled tests run from `dist/test/`, fixtures stay in the source tree. */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/${relative}`, import.meta.url));
}
