import pino, { type Logger } from 'pino';

/** Paths redacted from every log line (API keys, auth headers). */
export const REDACTED_PATHS = [
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
];

/** The CLI's root logger: JSON lines on stderr (stdout stays for results). */
export function createCliLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, pino.destination(2));
}
