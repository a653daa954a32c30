export * from './spec.js';
export * from './bind.js';
export * from './python-names.js';
