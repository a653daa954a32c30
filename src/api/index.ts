export { createApi, type ApiServer } from './app.js';
export type { ApiOptions, LoadedJobs } from './context.js';
