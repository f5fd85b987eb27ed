import { pino, type Logger } from 'pino';

/** A logger at `level` whose JSON lines the test reads back. */
export function recordingLogger(level: string): { logger: Logger; entries: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
