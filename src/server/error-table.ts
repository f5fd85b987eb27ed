import { SandbenchError, type SandbenchErrorCode } from '../errors/sandbench-error.ts';

/** Codes the service itself raises, beside the library's (`SandbenchErrorCode`). */
export type ServiceErrorCode =
  | 'invalid-request'
  | 'unauthorized'
  | 'not-found'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'limit-exceeded'
  | 'queue-full'
  | 'rate-limited'
  | 'shutting-down';

/** Every `error.code` an HTTP response can carry. */
export type ApiErrorCode = SandbenchErrorCode | ServiceErrorCode;

/**
 * The one table from error codes to HTTP statuses. Nothing else in the server decides a status
 * for an error: handlers throw an `ApiError` or let a library error through, and the error
 * handler looks its code up here. An engine fault is the server's side (5xx), never the caller's.
 */
export const ERROR_HTTP_STATUSES: Record<ApiErrorCode, number> = {
  // The service's own.
  'invalid-request': 400,
  unauthorized: 401,
  'not-found': 404,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'limit-exceeded': 400,
  'queue-full': 429,
  'rate-limited': 429,
  'shutting-down': 503,
  // The library's.
  'invalid-input': 400,
  'task-file': 400,
  dataset: 400,
  unsupported: 422,
  'missing-answers': 400,
  model: 400,
  'run-exists': 409,
  'resume-mismatch': 409,
  'model-unavailable': 502,
  'sandbox-unavailable': 503,
  'image-missing': 503,
  'sandbox-failure': 502,
  config: 500,
  journal: 500,
  internal: 500,
};

/** The JSON body of every error response. */
export interface ApiErrorBody {
  error: {
    /** Stable machine-readable code (see `ERROR_HTTP_STATUSES`). */
    code: ApiErrorCode;
    /** What went wrong, for people. */
    message: string;
    /** The request field at fault (`items[3].code`, `limits.timeoutMs`), when one is. */
    field?: string;
  };
}

/** An error the service raises for a request; its status comes from the table. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  /** Seconds the caller should wait before retrying (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ApiErrorCode, message: string, options: { field?: string; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_HTTP_STATUSES[this.code];
  }
}

/** Fastify's own error codes, by what they mean to a caller. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-request',
  FST_ERR_CTP_INVALID_CHARSET: 'unsupported-media-type',
  FST_ERR_VALIDATION: 'invalid-request',
  FST_ERR_NOT_FOUND: 'not-found',
};

/**
 * The code, message and field of any thrown value: an `ApiError` as it is, a library error by
 * its code, a fastify error by its code (or, failing that, its 4xx status: the body parser's
 * `SyntaxError`s carry 400), anything else `internal`.
 */
export function describeError(error: unknown): { code: ApiErrorCode; message: string; field?: string; retryAfterSeconds?: number } {
  if (error instanceof ApiError) {
    return { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...(error.retryAfterSeconds ? { retryAfterSeconds: error.retryAfterSeconds } : {}) };
  }
  if (SandbenchError.isInstance(error)) {
    const code = error.code in ERROR_HTTP_STATUSES ? error.code : 'internal';
    const field = typeof error.details.field === 'string' ? error.details.field : undefined;
    return { code, message: error.message, ...(field ? { field } : {}) };
  }
  const fastify = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (typeof fastify?.code === 'string' && fastify.code in FASTIFY_CODES) {
    return { code: FASTIFY_CODES[fastify.code]!, message: String(fastify.message) };
  }
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code = fastify.statusCode === 413 ? 'payload-too-large' : fastify.statusCode === 415 ? 'unsupported-media-type' : 'invalid-request';
    return { code, message: String(fastify.message) };
  }
  return { code: 'internal', message: 'internal error (see the server log)' };
}
