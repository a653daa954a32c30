// Worker thread entry (piscina): VACUUM of the database, on a connection of its own.
import { vacuumDatabase } from '../src/store/index.js';
import { vacuumTask, workerEntry } from '../src/worker-tasks/index.js';

export const vacuum = workerEntry(vacuumTask, (input) =>
  vacuumDatabase(input.databasePath, input.busyTimeoutMs),
);
