import { pino, type Logger } from 'pino';

/**
 * The library's default logger: discards everything. It writes to a no-op stream on purpose:
 * pino's default stdout destination registers a process-wide 'exit' listener (to flush), and a
 * library must not add process listeners that the embedding application did not ask for.
 */
export const silentLogger: Logger = pino({ level: 'silent' }, { write: () => {} });
