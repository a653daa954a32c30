import { createDatabase } from '../store/index.js';
import { EXIT, type Io } from './context.js';

/** `apsisctl create PATH`: creates a new, empty database; refuses an existing path. */
export function createDb(path: string, io: Io, now: number): number {
  createDatabase(path, now);
  io.out(`created ${path}\n`);
  return EXIT.ok;
}
