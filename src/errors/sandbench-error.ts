/**
 * Every engine error is a `SandbenchError` with a stable `code`. User-code failures are never
 * errors: they are data in an `ExecutionResult`. An error means the engine or its input is at
 * fault (a bad task file, a missing image, a daemon that went away).
 */
export type SandbenchErrorCode =
  | 'invalid-input'
  | 'task-file'
  | 'dataset'
  | 'unsupported'
  | 'sandbox-unavailable'
  | 'sandbox-failure'
  | 'image-missing'
  | 'model'
  | 'journal'
  | 'internal';

export interface SandbenchErrorOptions {
  /** Structured facts about the failure (file, field path, container id…). */
  details?: Record<string, unknown>;
  /** The underlying error, when there is one. */
  cause?: unknown;
}

export class SandbenchError extends Error {
  /** Stable machine-readable code; the HTTP server maps it to a status. */
  readonly code: SandbenchErrorCode;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown>;

  constructor(code: SandbenchErrorCode, message: string, options: SandbenchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SandbenchError';
    this.code = code;
    this.details = options.details ?? {};
  }

  static is(value: unknown, code?: SandbenchErrorCode): value is SandbenchError {
    return value instanceof SandbenchError && (code === undefined || value.code === code);
  }
}

/** A task file, dataset or request failed validation; the message names file, task and field. */
export class InvalidInputError extends SandbenchError {
  constructor(message: string, options: SandbenchErrorOptions & { code?: 'invalid-input' | 'task-file' | 'dataset' } = {}) {
    super(options.code ?? 'invalid-input', message, options);
    this.name = 'InvalidInputError';
  }
}

/**
 * The sandbox engine failed (daemon unreachable, image missing, worker lost for a reason that
 * is not the guest's fault). Recorded as `sandbox-error` and kept out of score denominators.
 */
export class SandboxError extends SandbenchError {
  constructor(
    message: string,
    options: SandbenchErrorOptions & { code?: 'sandbox-unavailable' | 'sandbox-failure' | 'image-missing' | 'unsupported' } = {},
  ) {
    super(options.code ?? 'sandbox-failure', message, options);
    this.name = 'SandboxError';
  }
}

/** Render any thrown value as a one-line message, for logs and journals. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
