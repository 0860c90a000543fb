import { pino, type Logger } from 'pino';

/** Paths that may hold secrets: pino replaces them before anything is written. */
export const REDACT_PATHS = [
  'secret', '*.secret', 'secrets', '*.secrets', 'cardKey', '*.cardKey', 'keys', '*.keys', 'apiKey', '*.apiKey',
  'password', '*.password', 'token', '*.token', 'accessToken', '*.accessToken', 'authorization', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'signature', '*.signature',
];

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
export type { Logger };
