export type { Housekeeping } from './housekeeping.js';
export { statsDriver } from './stats.js';
export { archiveDriver, exhaustedMessage } from './archive.js';
export { vacuumDriver } from './vacuum.js';
