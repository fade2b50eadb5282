/**
 * Structured logging: a message and a context object, one line each, to stderr. Context
 * carries references and hashes only — never PHI, document contents, keys or raw bytes.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogContext = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
  child(context: LogContext): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, base: LogContext = {}): Logger {
  const level = options.level ?? parseLevel(process.env.MEDCHAIN_LOG_LEVEL) ?? 'info';
  const format = options.format ?? (process.env.MEDCHAIN_LOG_FORMAT === 'json' ? 'json' : 'text');
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (at: LogLevel, message: string, context?: LogContext) => {
    if (RANK[at] < RANK[level]) {
      return;
    }
    const merged = { ...base, ...context };
    write(format === 'json' ? jsonLine(at, message, merged) : textLine(at, message, merged));
  };
  return {
    debug: (message, context) => log('debug', message, context),
    info: (message, context) => log('info', message, context),
    warn: (message, context) => log('warn', message, context),
    error: (message, context) => log('error', message, context),
    child: (context) => createLogger({ level, format, write }, { ...base, ...context }),
  };
}

function parseLevel(text: string | undefined): LogLevel | undefined {
  return text !== undefined && text in RANK ? (text as LogLevel) : undefined;
}

function jsonLine(level: LogLevel, message: string, context: LogContext): string {
  return JSON.stringify({ time: new Date().toISOString(), level, message, ...context });
}

function textLine(level: LogLevel, message: string, context: LogContext): string {
  const fields = Object.entries(context)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const time = new Date().toISOString().slice(11, 23);
  return `${time} ${level.padEnd(5)} ${message}${fields ? ` ${fields}` : ''}`;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
