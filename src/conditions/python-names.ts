/** The Python classes of the bound conditions that have no alias (apsis-model.md §4.3, §4.4). */
export const BOUND_MAX_RUNNING = 'apsis.cond.max_running.BoundMaxRunning';
export const BOUND_SKIP_DUPLICATE = 'apsis.cond.skip_duplicate.BoundSkipDuplicate';
