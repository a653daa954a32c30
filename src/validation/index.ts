export * from './problems.js';
export * from './fields.js';
export * from './typed.js';
export * from './forward.js';
