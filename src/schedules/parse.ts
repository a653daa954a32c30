import { z } from 'zod';
import type { CalendarResolver } from '../time/index.js';
import {
  adopt,
  argsMap,
  attempt,
  daytimeField,
  durationSeconds,
  intField,
  isMapping,
  oneOrMany,
  safeParse,
  stringish,
  timeField,
  timeZoneField,
  typedSchema,
} from '../validation/index.js';
import { CronSchedule, parseCronExpression } from './cron.js';
import { DailyIntervalSchedule, type DaytimeSpec } from './daily-interval.js';
import { DailySchedule } from './daily.js';
import { ExplicitSchedule } from './explicit.js';
import { IntervalSchedule } from './interval.js';
import type { StartSchedule, StopSchedule } from './schedule.js';
import { DaytimeStopSchedule, DurationStopSchedule } from './stop.js';

// Apsis reads `enabled` with Python truthiness, so the string "false" enables
// a schedule. We refuse anything but a boolean rather than guess.
const enabledField = z
  .boolean({ error: (iss) => `enabled must be true or false, got ${JSON.stringify(iss.input)}` })
  .default(true);

const common = { args: argsMap.default({}), enabled: enabledField };

const stopScheduleSchema = typedSchema<StopSchedule>('stop schedule', {
  duration: z
    .strictObject({ duration: durationSeconds })
    .transform((o) => new DurationStopSchedule(o.duration)),
  daytime: z
    .strictObject({ daytime: daytimeField, tz: timeZoneField })
    .transform((o) => new DaytimeStopSchedule(o.daytime, o.tz)),
});

const daytimeSpecSchema = z.union(
  [
    daytimeField.transform((daytime): DaytimeSpec => ({ daytime, dateShift: 0, calShift: 0 })),
    z
      .strictObject({
        daytime: daytimeField,
        date_shift: intField.default(0),
        cal_shift: intField.default(0),
      })
      .transform((o): DaytimeSpec => ({
        daytime: o.daytime,
        dateShift: o.date_shift,
        calShift: o.cal_shift,
      })),
  ],
  { error: 'expected a daytime (HH:MM:SS) or a mapping {daytime, date_shift, cal_shift}' },
);

/** The schemas of each start schedule type, keyed by type name. */
function startScheduleTypes(calendars: CalendarResolver, stop: StopSchedule | undefined) {
  const calendarField = stringish
    .default('all')
    .transform((name, ctx) => attempt(ctx, () => calendars.get(name)));
  return {
    interval: z
      .strictObject({ interval: durationSeconds, phase: durationSeconds.default(0), ...common })
      .refine((o) => o.interval > 0 && o.phase >= 0 && o.phase < o.interval, {
        message: 'phase not between 0 and interval',
        path: ['phase'],
      })
      .transform(
        (o) =>
          new IntervalSchedule({
            intervalSec: o.interval,
            phaseSec: o.phase,
            args: o.args,
            enabled: o.enabled,
            stop,
          }),
      ),
    daily: z
      .strictObject({
        tz: timeZoneField,
        daytime: oneOrMany(daytimeField),
        calendar: calendarField,
        date_shift: intField.default(0),
        cal_shift: intField.default(0),
        ...common,
      })
      .transform(
        (o) =>
          new DailySchedule({
            tz: o.tz,
            calendar: o.calendar,
            daytimes: o.daytime,
            dateShift: o.date_shift,
            calShift: o.cal_shift,
            args: o.args,
            enabled: o.enabled,
            stop,
          }),
      ),
    'daily-interval': z
      .strictObject({
        tz: timeZoneField,
        calendar: calendarField,
        start: daytimeSpecSchema,
        stop: daytimeSpecSchema,
        interval: durationSeconds.refine((s) => s > 0 && s < 86400, {
          error: (iss) =>
            `invalid interval: ${String(iss.input)} (must be more than 0 and less than a day)`,
        }),
        ...common,
      })
      .transform(
        (o) =>
          new DailyIntervalSchedule({
            tz: o.tz,
            calendar: o.calendar,
            start: o.start,
            stop: o.stop,
            intervalSec: o.interval,
            args: o.args,
            enabled: o.enabled,
            stopSchedule: stop,
          }),
      ),
    explicit: z
      .strictObject({ times: oneOrMany(timeField), ...common })
      .transform(
        (o) => new ExplicitSchedule({ times: o.times, args: o.args, enabled: o.enabled, stop }),
      ),
    cron: z
      .strictObject({
        expr: z.string().superRefine((e, ctx) => void attempt(ctx, () => parseCronExpression(e))),
        tz: z.string().default('UTC').pipe(timeZoneField),
        ...common,
      })
      .transform((o, ctx) =>
        attempt(
          ctx,
          () =>
            new CronSchedule({ expr: o.expr, tz: o.tz, args: o.args, enabled: o.enabled, stop }),
        ),
      ),
  } satisfies Record<string, z.ZodType<StartSchedule>>;
}

/**
 * One entry of a job's `schedule:`: a start schedule mapping with `type`, or
 * a wrapper whose keys are exactly `{start}` or `{start, stop}` (§2.1).
 */
export function scheduleSchema(calendars: CalendarResolver) {
  const plain = typedSchema<StartSchedule>('schedule', startScheduleTypes(calendars, undefined));
  return z.unknown().transform((value, ctx): StartSchedule => {
    const keys = isMapping(value) ? Object.keys(value).sort().join(' ') : '';
    const wrapped = isMapping(value) && (keys === 'start' || keys === 'start stop');
    if (!wrapped) return adopt(safeParse(plain, value), ctx);
    const stopValue = value.stop;
    const stop =
      stopValue === null || stopValue === undefined
        ? undefined
        : adopt(safeParse(stopScheduleSchema, stopValue), ctx, ['stop']);
    const start = typedSchema<StartSchedule>('schedule', startScheduleTypes(calendars, stop));
    return adopt(safeParse(start, value.start), ctx, ['start']);
  });
}
