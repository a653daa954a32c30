export * from './schedule.js';
export * from './interval.js';
export * from './daily.js';
export * from './daily-interval.js';
export * from './explicit.js';
export * from './stop.js';
export * from './parse.js';
export * from './merge.js';
