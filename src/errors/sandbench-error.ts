/**
 * Every engine error is a `SandbenchError` with a stable `code`. User-code failures are never
 * errors: they are data in an `ExecutionResult`. An error means the engine or its input is at
 * fault (a bad task file, a missing image, a daemon that went away).
 *
 * Errors are recognised by a marker, not by `instanceof`: an application may load two copies of
 * the package (two versions, or ESM and a bundle), and each copy's classes are different objects.
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
  | 'model-unavailable'
  | 'config'
  | 'journal'
  | 'run-exists'
  | 'resume-mismatch'
  | 'missing-answers'
  | 'internal';

export interface SandbenchErrorOptions {
  /** Structured facts about the failure (file, field path, container id…). */
  details?: Record<string, unknown>;
  /** The underlying error, when there is one. */
  cause?: unknown;
}

/** Marks every sandbench error; shared by all copies of the package through the global symbol registry. */
const ERROR_MARKER: unique symbol = Symbol.for('sandbench.error');
/** Marks the `SandboxError` family (engine faults of a sandbox backend). */
const SANDBOX_ERROR_MARKER: unique symbol = Symbol.for('sandbench.error.sandbox');
/** Marks the `InvalidInputError` family (bad task files, datasets, options, requests). */
const INVALID_INPUT_MARKER: unique symbol = Symbol.for('sandbench.error.invalid-input');

function hasMarker(value: unknown, marker: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}

export class SandbenchError extends Error {
  /** Stable machine-readable code; `EXIT_CODES` (and the HTTP server) map it to an exit code or status. */
  readonly code: SandbenchErrorCode;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown>;
  private readonly [ERROR_MARKER] = true;

  constructor(code: SandbenchErrorCode, message: string, options: SandbenchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SandbenchError';
    this.code = code;
    this.details = options.details ?? {};
  }

  /** Whether `value` is a sandbench error from any copy of the package (optionally with `code`). */
  static isInstance(value: unknown, code?: SandbenchErrorCode): value is SandbenchError {
    return hasMarker(value, ERROR_MARKER) && (code === undefined || (value as SandbenchError).code === code);
  }

  /** Shorthand for `isInstance`. */
  static is(value: unknown, code?: SandbenchErrorCode): value is SandbenchError {
    return SandbenchError.isInstance(value, code);
  }
}

/** A task file, dataset or request failed validation; the message names file, task and field. */
export class InvalidInputError extends SandbenchError {
  private readonly [INVALID_INPUT_MARKER] = true;

  constructor(
    message: string,
    options: SandbenchErrorOptions & { code?: 'invalid-input' | 'task-file' | 'dataset' | 'run-exists' | 'resume-mismatch' | 'missing-answers' } = {},
  ) {
    super(options.code ?? 'invalid-input', message, options);
    this.name = 'InvalidInputError';
  }

  static override isInstance(value: unknown): value is InvalidInputError {
    return hasMarker(value, INVALID_INPUT_MARKER);
  }
}

/**
 * The sandbox engine failed (daemon unreachable, image missing, worker lost for a reason that
 * is not the guest's fault). Recorded as `sandbox-error` and kept out of score denominators.
 */
export class SandboxError extends SandbenchError {
  private readonly [SANDBOX_ERROR_MARKER] = true;

  constructor(
    message: string,
    options: SandbenchErrorOptions & { code?: 'sandbox-unavailable' | 'sandbox-failure' | 'image-missing' | 'unsupported' } = {},
  ) {
    super(options.code ?? 'sandbox-failure', message, options);
    this.name = 'SandboxError';
  }

  static override isInstance(value: unknown): value is SandboxError {
    return hasMarker(value, SANDBOX_ERROR_MARKER);
  }
}

/** Render any thrown value as a one-line message, for logs and journals. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
