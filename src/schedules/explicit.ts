import { formatTime, type Time } from '../time/index.js';
import {
  argsPrefix,
  withArgs,
  type Args,
  scheduledTime,
  type ScheduledTime,
  type StartSchedule,
  type StopSchedule,
} from './schedule.js';

export interface ExplicitOptions {
  times: readonly Time[];
  args: Args;
  enabled: boolean;
  stop: StopSchedule | undefined;
}

/** A fixed list of times (apsis-model.md §2.5). */
export class ExplicitSchedule implements StartSchedule {
  readonly type = 'explicit';
  readonly enabled: boolean;
  readonly args: Args;
  readonly stop: StopSchedule | undefined;
  /** Ascending. */
  readonly timeList: readonly Time[];

  constructor(options: ExplicitOptions) {
    this.timeList = [...options.times].sort((a, b) => a - b);
    this.args = options.args;
    this.enabled = options.enabled;
    this.stop = options.stop;
  }

  *times(from: Time): Generator<ScheduledTime, void, undefined> {
    let lo = 0;
    let hi = this.timeList.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.timeList[mid] as Time) < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.timeList.length; i++) {
      const time = this.timeList[i] as Time;
      yield scheduledTime(time, () => withArgs({ time: formatTime(time) }, this.args));
    }
  }

  toJso(): Record<string, unknown> {
    return {
      type: this.type,
      enabled: this.enabled,
      times: this.timeList.map(formatTime),
      args: this.args,
    };
  }

  toString(): string {
    return `${argsPrefix(this.args)}${this.timeList.map(formatTime).join(',')}`;
  }
}
