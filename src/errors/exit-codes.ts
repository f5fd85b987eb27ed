import { SandbenchError, type SandbenchErrorCode } from './sandbench-error.ts';

/**
 * Exit codes of the command line, and the one table that maps error codes to them (the HTTP
 * server maps the same codes to statuses). Documented in the README.
 */
export const EXIT = {
  /** Done: a run finished with every sample scored, a check passed. */
  ok: 0,
  /** Failures found: `validate` found unsound tasks, `exec`'s program did not end `ok`. */
  failures: 1,
  /** Bad input: a task file, a dataset, an option, a run folder that does not fit. */
  usage: 2,
  /** Engine fault: no engine, a missing image, samples left unscored by engine faults. */
  engine: 3,
  /** Model fault: samples left unanswered by the model provider after retries (`--resume` redoes them). */
  model: 4,
  /** A bug in sandbench (please report it). */
  internal: 70,
  /** Interrupted (Ctrl-C / SIGINT); finished samples are kept. */
  interrupted: 130,
  /** Stopped by SIGTERM; finished samples are kept. */
  terminated: 143,
} as const;

/** What each error code means for the exit code. */
export const ERROR_EXIT_CODES: Record<SandbenchErrorCode, number> = {
  'invalid-input': EXIT.usage,
  'task-file': EXIT.usage,
  dataset: EXIT.usage,
  unsupported: EXIT.usage,
  'run-exists': EXIT.usage,
  'resume-mismatch': EXIT.usage,
  'missing-answers': EXIT.usage,
  journal: EXIT.usage,
  model: EXIT.usage,
  'model-unavailable': EXIT.model,
  config: EXIT.usage,
  'sandbox-unavailable': EXIT.engine,
  'sandbox-failure': EXIT.engine,
  'image-missing': EXIT.engine,
  internal: EXIT.internal,
};

/** The exit code for a thrown value: its code's, or `internal` for anything not a sandbench error. */
export function exitCodeFor(error: unknown): number {
  // A code from a newer copy of the package that this table does not know is still an error.
  return SandbenchError.isInstance(error) ? (ERROR_EXIT_CODES[error.code] ?? EXIT.internal) : EXIT.internal;
}
