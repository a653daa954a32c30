import { pino, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../runtime/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The daemon's log: readable lines on a terminal, JSON lines otherwise (for
 * journald, files and tests that read the log).
 */
export function createPino(
  level: LogLevel,
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Pino {
  const options = { level, base: { pid: process.pid } };
  if (stream.isTTY)
    return pino(
      options,
      pretty({
        sync: true,
        colorize: true,
        destination: stream as NodeJS.WritableStream & { fd?: number },
      }),
    );
  return pino(options, pino.destination({ dest: (stream as { fd?: number }).fd ?? 1, sync: true }));
}

/** The runtime's narrow logger over pino. */
export function runtimeLogger(log: Pino): Logger {
  return {
    debug: (message, data) => log.debug(data ?? {}, message),
    info: (message, data) => log.info(data ?? {}, message),
    warn: (message, data) => log.warn(data ?? {}, message),
    error: (message, data) => log.error(data ?? {}, message),
  };
}
