/**
 * pino, JSON by default and readable on a TTY (or with --log-format pretty). Every
 * line passes through the current Redactor before it is written, so a secret from
 * the config cannot reach the log whatever a caller puts in it.
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Redactor } from './config/redact.js';

export type LogFormat = 'auto' | 'json' | 'pretty';
export type { Logger };

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  /** Where JSON lines go; stdout by default (tests pass a stream to inspect). */
  destination?: NodeJS.WritableStream;
}

/** Holds the redactor in use, so that a config reload can swap it under a live logger. */
export class RedactorRef {
  constructor(public current?: Redactor) {}
}

export function createLogger(opts: LoggerOptions, ref: RedactorRef): Logger {
  const format = opts.format ?? 'auto';
  const usePretty = format === 'pretty' || (format === 'auto' && !opts.destination && process.stdout.isTTY === true);
  const destination = opts.destination
    ?? (usePretty ? pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ dest: 1, sync: true }));
  return pino({
    level: opts.level ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: {
      streamWrite: (line: string) => (ref.current ? ref.current.redact(line) : line),
    },
  }, destination);
}

/** A logger that writes nothing, for parts run where the log is not the output (verify, benchmarks). */
export function silentLogger(): Logger {
  return pino({ enabled: false });
}
