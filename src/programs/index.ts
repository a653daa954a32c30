export * from './spec.js';
export * from './bind.js';
export * from './signals.js';
