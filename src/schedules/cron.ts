import {
  formatDate,
  formatDaytime,
  formatTime,
  localInstants,
  MAX_DATE,
  MS_PER_DAY,
  type Time,
  type TimeZone,
} from '../time/index.js';
import {
  CALENDAR_CYCLE_DAYS,
  MS_PER_MINUTE,
  parseCronExpression,
  type CronExpression,
} from './cron-expression.js';
import {
  argsPrefix,
  withArgs,
  type Args,
  scheduledTime,
  type ScheduledTime,
  type StartSchedule,
  type StopSchedule,
} from './schedule.js';

export { CronError, CronExpression, parseCronExpression } from './cron-expression.js';

export interface CronOptions {
  /** Five crontab fields or a macro; parsed (and checked) by the constructor. */
  expr: string;
  tz: TimeZone;
  args: Args;
  enabled: boolean;
  stop: StopSchedule | undefined;
}

/** The last local wall time we generate: the end of 9999-12-31, ora's last date. */
const MAX_WALL = (MAX_DATE + 1) * MS_PER_DAY - MS_PER_MINUTE;

/** Past this many wall-clock milliseconds without an existing match, give up. */
const GIVE_UP_MS = CALENDAR_CYCLE_DAYS * MS_PER_DAY;

interface Pending {
  readonly time: Time;
  readonly wall: number;
}

/**
 * A crontab-style start schedule (our addition; Apsis has no cron type).
 * Fields match local wall-clock times in `tz`. The schedule's times are the
 * instants whose local time matches, with two DST rules (docs/cron.md):
 *
 * - a matching local time that does not exist (spring-forward gap) is skipped,
 *   as daily schedules skip it (apsis-model.md §2.3);
 * - a matching local time that occurs twice (fall-back overlap) runs once, at
 *   the earlier instant, as daily schedules resolve it, unless the hour field
 *   matches every hour: then it runs at both instants, so quarter-hourly and
 *   hourly entries keep their physical spacing through the repeated hour.
 *
 * `times()` ignores `enabled`, like the other schedules: the scheduler skips
 * disabled schedules, and previews may still list their times.
 */
export class CronSchedule implements StartSchedule {
  readonly type = 'cron';
  readonly expr: string;
  readonly expression: CronExpression;
  readonly tz: TimeZone;
  readonly args: Args;
  readonly enabled: boolean;
  readonly stop: StopSchedule | undefined;

  constructor(options: CronOptions) {
    this.expression = parseCronExpression(options.expr);
    this.expr = this.expression.source;
    this.tz = options.tz;
    this.args = options.args;
    this.enabled = options.enabled;
    this.stop = options.stop;
  }

  *times(from: Time): Generator<ScheduledTime, void, undefined> {
    const expression = this.expression;
    const zone = this.tz;
    if (!expression.matchesSomeDay()) return;

    // Walking local wall times upward finds every instant >= from, except
    // that just before a fall-back, instants after `from` carry earlier wall
    // times. Start the walk low enough to cover them: at most one offset
    // change falls within any two days (the assumption localInstants makes).
    const start = Math.ceil(from / MS_PER_MINUTE) * MS_PER_MINUTE;
    const lowOffset = Math.min(zone.offsetAt(start), zone.offsetAt(start + 2 * MS_PER_DAY));
    let wall = start + lowOffset * MS_PER_MINUTE;
    let lastFound = wall;

    // Instants found but not yet yielded, ascending. The earliest instant of a
    // wall time grows with the wall time, so once wall w is seen, nothing
    // still to come precedes w's earliest instant; only the second instant of
    // an ambiguous time (everyHour) waits here for later wall times to pass it.
    const pending: Pending[] = [];
    const steady = new SteadyOffset(zone);
    for (;;) {
      const next = expression.nextWall(wall, Math.min(lastFound + GIVE_UP_MS, MAX_WALL));
      if (next === undefined) break;
      wall = next + MS_PER_MINUTE;
      const instants = steady.instants(next);
      const earliest = instants[0];
      // None: the local time falls in a spring-forward gap and is skipped.
      if (earliest === undefined) continue;
      lastFound = next;
      for (const time of expression.everyHour ? instants : [earliest]) {
        if (time >= from) insertSorted(pending, { time, wall: next });
      }
      while (pending[0] !== undefined && pending[0].time <= earliest) {
        yield this.scheduled(pending.shift() as Pending);
      }
    }
    for (const p of pending) yield this.scheduled(p);
  }

  toJso(): Record<string, unknown> {
    return {
      type: this.type,
      enabled: this.enabled,
      expr: this.expr,
      tz: this.tz.name,
      args: this.args,
    };
  }

  toString(): string {
    return `${argsPrefix(this.args)}cron ${this.expr} ${this.tz.name}`;
  }

  private scheduled({ time, wall }: Pending): ScheduledTime {
    return scheduledTime(time, () => {
      const date = Math.floor(wall / MS_PER_DAY);
      return withArgs(
        {
          date: formatDate(date),
          time: formatTime(time),
          daytime: formatDaytime(wall - date * MS_PER_DAY),
          tz: this.tz.name,
        },
        this.args,
      );
    });
  }
}

function insertSorted(list: Pending[], item: Pending): void {
  let i = list.length;
  while (i > 0 && (list[i - 1] as Pending).time > item.time) i--;
  list.splice(i, 0, item);
}

/**
 * Resolves local wall times to instants, remembering a span of instants over
 * which the zone's offset is known not to change, so that most wall times
 * cost no offset lookup (each costs microseconds). Relies on what
 * localInstants relies on: at most one offset change in any two days, and no
 * change larger than a day. Near a change it defers to localInstants.
 */
class SteadyOffset {
  private offsetMs = 0;
  private lo = 0;
  private hi = -1;

  constructor(private readonly zone: TimeZone) {}

  instants(wall: number): Time[] {
    const candidate = wall - this.offsetMs;
    // Another instant with this wall time would lie within a day of the
    // candidate and carry another offset: none if the span covers that day.
    if (candidate - MS_PER_DAY >= this.lo && candidate + MS_PER_DAY <= this.hi) return [candidate];
    if (candidate - MS_PER_DAY >= this.lo && candidate + MS_PER_DAY <= this.hi + 2 * MS_PER_DAY) {
      // Equal offsets at both ends of at most two days: no change between.
      const probe = this.hi + 2 * MS_PER_DAY;
      if (this.zone.offsetAt(probe) * MS_PER_MINUTE === this.offsetMs) {
        this.hi = probe;
        return [candidate];
      }
    }
    const offsetMs = this.zone.offsetAt(wall) * MS_PER_MINUTE;
    const guess = wall - offsetMs;
    if (
      this.zone.offsetAt(guess - MS_PER_DAY) * MS_PER_MINUTE === offsetMs &&
      this.zone.offsetAt(guess + MS_PER_DAY) * MS_PER_MINUTE === offsetMs
    ) {
      this.offsetMs = offsetMs;
      this.lo = guess - MS_PER_DAY;
      this.hi = guess + MS_PER_DAY;
      return [guess];
    }
    this.hi = this.lo - 1;
    const date = Math.floor(wall / MS_PER_DAY);
    return localInstants(date, wall - date * MS_PER_DAY, this.zone);
  }
}
