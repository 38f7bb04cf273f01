/**
 * The one logger (pino). Patient data, note text and secrets are redacted by path, and callers are expected to
 * log identifiers (message ids, job ids) rather than record bodies in the first place.
 */
import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS: readonly string[] = [
  'patient',
  '*.patient',
  'nhsNumber',
  '*.nhsNumber',
  'name',
  '*.name',
  'birthDate',
  '*.birthDate',
  'note',
  '*.note',
  'narrative',
  '*.narrative',
  'body',
  '*.body',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
];

export interface LoggerOptions {
  readonly level: string;
  /** A writable destination; tests pass one to read what was logged. */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'sp-fhir-adapter' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** A logger that writes nothing, for tests and tools that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
