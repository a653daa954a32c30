export * from './states.js';
export * from './instance.js';
