export * from './date.js';
export * from './daytime.js';
export * from './time.js';
export * from './zone.js';
export * from './calendar.js';
export * from './duration.js';
export * from './clock.js';
