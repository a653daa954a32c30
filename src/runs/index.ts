export * from './states.js';
export * from './instance.js';
export * from './ids.js';
export * from './output.js';
