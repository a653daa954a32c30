import { scheduleSchema, type StartSchedule } from '../../src/schedules/index.js';
import {
  builtinCalendars,
  formatTime,
  parseTime,
  type CalendarResolver,
} from '../../src/time/index.js';
import { safeParse } from '../../src/validation/index.js';

/** Parses a schedule as a job file would give it; throws with every problem. */
export function schedule(
  jso: unknown,
  calendars: CalendarResolver = builtinCalendars,
): StartSchedule {
  const result = safeParse(scheduleSchema(calendars), jso);
  if (!result.success)
    throw new Error(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return result.data;
}

/** The first `count` times from `from`, as UTC strings. */
export function times(s: StartSchedule, from: string, count: number): string[] {
  return take(s, from, count).map((t) => t.time);
}

/** The first `count` times with their args. */
export function take(
  s: StartSchedule,
  from: string,
  count: number,
): { time: string; args: Record<string, string> }[] {
  const out: { time: string; args: Record<string, string> }[] = [];
  if (count <= 0) return out;
  for (const t of s.times(parseTime(from))) {
    out.push({ time: formatTime(t.time), args: t.args });
    if (out.length >= count) break;
  }
  return out;
}

/** Times in [from, to). */
export function between(s: StartSchedule, from: string, to: string): string[] {
  const end = parseTime(to);
  const out: string[] = [];
  for (const t of s.times(parseTime(from))) {
    if (t.time >= end) break;
    out.push(formatTime(t.time));
  }
  return out;
}
