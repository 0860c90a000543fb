import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Paths that may hold secrets: pino replaces them before anything is written. */
const REDACT_PATHS = [
  'secret', '*.secret', 'secrets', '*.secrets', 'cardKey', '*.cardKey', 'keys', '*.keys', 'apiKey', '*.apiKey',
  'password', '*.password', 'token', '*.token', 'accessToken', '*.accessToken', 'authorization', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'signature', '*.signature',
];

/**
 * JSON lines for machines; readable lines when a person watches a terminal (`npm start`).
 * `destination` replaces stdout (the secret scan reads every line Kami writes).
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  if (!process.stdout.isTTY) return pino(options);
  return pino(options, pretty({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname', sync: true }));
}
export type { Logger };
