export * from './spec.js';
export * from './bind.js';
export * from './signals.js';
export * from './running.js';
export * from './async-queue.js';
export * from './no-op.js';
export * from './procstar.js';
