import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { prettyDestination } from './pretty-log.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** JSON lines, or human-readable lines (for a terminal). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

type Fields = Record<string, unknown>;

/**
 * The logger every service receives. JSON lines (or pretty ones), one child per module
 * (`logger.child({ module: 'archive' })`).
 */
export interface Logger {
  trace(message: string, fields?: Fields): void;
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(bindings: Fields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** json by default. */
  format?: LogFormat;
  /** ANSI colours in pretty lines. */
  color?: boolean;
  /** Where the lines go; standard output by default. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    destinationOf(options),
  );
  return wrap(base);
}

function destinationOf(options: LoggerOptions): DestinationStream {
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  if (options.format !== 'pretty') return out;
  return prettyDestination(out, { color: options.color ?? false });
}

function wrap(log: PinoLogger): Logger {
  return {
    trace: (message, fields) => log.trace(fields ?? {}, message),
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
    child: (bindings) => wrap(log.child(bindings)),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
