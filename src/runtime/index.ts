export { Runtime, type RuntimeOptions } from './runtime.js';
export { systemClock } from './system-clock.js';
export { silentLogger, type Logger } from './logger.js';
export { Operations, type ScheduleRequest } from './operations.js';
export { Inspection, type InspectedActor, type InspectedEvent } from './inspection.js';
export { JobTable, type JobChanges } from './job-table.js';
export { RunRegistry } from './run-registry.js';
export { TransitionBus } from './transition-bus.js';
export { ExpectedRuns } from './expected-runs.js';
