import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured logs everywhere. JSON lines by default (what log shippers want); pretty-printed
 * when a human is watching a terminal. `LOG_LEVEL` is read here directly (not through the config
 * module) so that code which logs before configuration is parsed — the CLI's own errors — can.
 */
export function createLogger(name = 'recostream', options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  if (pretty) {
    return pino({
      name,
      level,
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ name, level, ...options });
}

/** The process-wide root logger; modules take children of it (`logger.child({ part: 'broker' })`). */
export const logger: Logger = createLogger();

/** A logger that discards everything, for tests and library callers that want silence. */
export const silentLogger: Logger = pino({ level: 'silent' });
