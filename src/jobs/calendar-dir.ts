import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalendarResolver, builtinCalendars } from '../time/index.js';

/**
 * Calendars from the configured calendar directory (`calendar_dir`, else
 * `ORA_CALENDARS`): calendar `NAME` is the file `NAME.cal` in it.
 */
export function calendarsFromDir(dir: string | null | undefined): CalendarResolver {
  if (!dir) return builtinCalendars;
  return new CalendarResolver((name) => {
    try {
      return readFileSync(join(dir, `${name}.cal`), 'utf8');
    } catch (err) {
      // A missing file means "no such calendar"; anything else is a real failure.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }, dir);
}
