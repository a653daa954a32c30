export * from './spec.js';
export * from './bind.js';
