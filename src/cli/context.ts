import { loadConfig, type Config } from '../config/index.js';
import { calendarsFromDir } from '../jobs/index.js';
import type { CalendarResolver } from '../time/index.js';

/** Where a command writes; the bin passes the process's streams. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit codes, as Apsis's commands use them. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

export interface CommandConfig {
  config: Config;
  calendars: CalendarResolver;
}

/**
 * Loads `--config` and `--override` for a command. Warnings (unknown keys)
 * go to stderr; problems throw.
 */
export function commandConfig(
  io: Io,
  options: { config?: string; override?: string[] },
): CommandConfig {
  const { config, warnings } = loadConfig({
    path: options.config,
    overrides: options.override,
    env: process.env,
  });
  for (const warning of warnings) io.err(`warning: ${warning}\n`);
  return { config, calendars: calendarsFromDir(config.calendarDir) };
}
