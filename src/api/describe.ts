/**
 * The JSON forms of jobs, programs, conditions, actions and schedules that
 * the Apsis HTTP API shows, each with the `str` rendering Apsis gives it
 * (apsis-interfaces.md §2.2, §2.3; apsis-model.md §7.9).
 */
export { boundConditionApiJso, conditionApiJso } from './condition-jso.js';
export { actionApiJso, jobApiJso, scheduleApiJso, type JobApiDeps } from './job-jso.js';
export { boundProgramApiJso, joinArgs, programApiJso } from './program-jso.js';
