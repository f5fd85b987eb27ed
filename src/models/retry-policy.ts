import { APICallError } from 'ai';
import { abortableSleep } from '../util/abortable-sleep.ts';
import { SandbenchError } from '../errors/sandbench-error.ts';
import type { ModelStatus } from './model.ts';

/** How failed model requests are retried. */
export interface RetryPolicyOptions {
  /** Attempts in all, the first included (default 6: five retries). */
  maxAttempts?: number;
  /** Ceiling of the first backoff; each later one doubles (default 1000 ms). */
  baseDelayMs?: number;
  /** No single wait is longer, `Retry-After` included (default 60 000 ms). */
  maxDelayMs?: number;
  /** Time one attempt may take before it is abandoned and retried (default 120 000 ms). */
  timeoutMs?: number;
  /** Random source in [0, 1) for the jitter (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Defaults: six attempts with a doubling ceiling from 1 s wait at most 1+2+4+8+16 = 31 s in
 * backoff (less with jitter), enough to ride out a provider's short outage without holding a
 * run for minutes; a `Retry-After` may ask for up to 60 s per wait. Two minutes per attempt
 * leaves room for long completions from slow local servers.
 */
export const DEFAULT_RETRY_POLICY: Required<Omit<RetryPolicyOptions, 'random'>> = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  timeoutMs: 120_000,
};

/** What the policy makes of one failed attempt. */
export interface FailureAssessment {
  retryable: boolean;
  /** Short and key-free: `HTTP 429 (Rate limit reached)`, `timeout after 120000 ms`, `network error (…)`. */
  reason: string;
  /** HTTP status, when the provider answered. */
  status?: number;
  /** The server's own wait, from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
  retryAfterMs?: number;
  /** The request itself was refused before it left (a bug of the caller, not the provider's fault). */
  invalidRequest?: boolean;
}

/** SDK errors raised before anything is sent: the request is at fault, not the provider. */
const INVALID_REQUEST_ERRORS = new Set(['AI_InvalidPromptError', 'AI_InvalidArgumentError', 'AI_UnsupportedFunctionalityError', 'AI_InvalidMessageRoleError']);

/** Statuses worth another try: timeouts, conflicts, rate limits, every server fault (529 included). */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);

/** The first error code found along a chain of causes (undici nests them). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Milliseconds a `retry-after-ms` / `retry-after` header asks for, when it is readable. */
export function retryAfterMs(headers: Record<string, string | undefined> | undefined, now = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const milliseconds = headers['retry-after-ms'];
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds.trim())) return Number(milliseconds);
  const value = headers['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** One line of a provider's message, cut short: it lands in errors and logs. */
function shortMessage(message: string): string {
  const line = message.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Classifies a failed attempt. Timeouts of the attempt itself are judged by `withRetries`. */
export function assessFailure(error: unknown): FailureAssessment {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined) {
      // No answer at all (refused, reset, closed): the SDK marks these retryable.
      return { retryable: error.isRetryable, reason: `network error (${shortMessage(error.message)})` };
    }
    const after = retryAfterMs(error.responseHeaders);
    return {
      retryable: retryableStatus(status) && !/invalid json response/i.test(error.message),
      reason: `HTTP ${status} (${shortMessage(error.message)})`,
      status,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    };
  }
  const code = networkCode(error);
  if (code !== undefined) return { retryable: true, reason: `network error (${code})` };
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? shortMessage(error.message) : String(error);
  if (typeof name === 'string' && INVALID_REQUEST_ERRORS.has(name)) return { retryable: false, invalidRequest: true, reason: `${name}: ${message}` };
  // An answer that arrived but could not be read (bad JSON, wrong shape, no choices) is final:
  // the request got an answer and is never sent again.
  return { retryable: false, reason: `${typeof name === 'string' ? name : 'error'}: ${message}` };
}

export interface WithRetriesOptions extends RetryPolicyOptions {
  /** The run's signal: its abort ends everything at once and is never retried. */
  signal?: AbortSignal;
  /** Told before each retry's wait. */
  onStatus?: (status: ModelStatus) => void;
  /** Names the model in the final error (`openai:gpt-4o`). */
  modelId: string;
  /** Removes secrets from any text that goes into the final error. */
  redact?: (text: string) => string;
  /** Runs before each attempt, before its timeout starts (a rate limiter's wait goes here). */
  beforeAttempt?: () => Promise<void>;
}

/** The backoff before retry number `retry` (1-based): full jitter under a doubling ceiling, or the server's `Retry-After`. */
export function backoffDelay(retry: number, assessment: FailureAssessment, options: Required<Omit<RetryPolicyOptions, 'random' | 'timeoutMs' | 'maxAttempts'>> & { random: () => number }): number {
  if (assessment.retryAfterMs !== undefined) return Math.min(options.maxDelayMs, assessment.retryAfterMs);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(options.random() * ceiling);
}

/**
 * Runs `attempt` until it answers, retrying retryable failures with backoff. Each attempt gets
 * a signal that aborts at the run's abort or at the per-attempt timeout. A run abort rethrows
 * the signal's reason; anything else that ends the attempts is a `model-unavailable` error whose
 * message gives the reason and the attempts made.
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: WithRetriesOptions,
): Promise<{ value: T; retries: number }> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts);
  const timeoutMs = options.timeoutMs ?? DEFAULT_RETRY_POLICY.timeoutMs;
  const delays = {
    baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
    random: options.random ?? Math.random,
  };
  const redact = options.redact ?? ((text: string) => text);
  let last: FailureAssessment | undefined;
  let made = 0;
  for (let number = 1; number <= maxAttempts; number += 1) {
    options.signal?.throwIfAborted();
    await options.beforeAttempt?.();
    made = number;
    // The attempt's own signal, released as soon as it ends (AbortSignal.timeout and .any keep
    // their timer and links for the whole timeout: ~25 KB per request, 250 MB over 10,000).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`the attempt took longer than ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    const onRunAbort = (): void => controller.abort(options.signal!.reason);
    options.signal?.addEventListener('abort', onRunAbort, { once: true });
    try {
      return { value: await attempt(controller.signal), retries: number - 1 };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      last = timedOut ? { retryable: true, reason: `timeout after ${timeoutMs} ms` } : assessFailure(error);
      if (!last.retryable || number === maxAttempts) break;
      const delayMs = backoffDelay(number, last, delays);
      options.onStatus?.({ kind: 'retrying', attempt: number + 1, delayMs, reason: redact(last.reason) });
      await abortableSleep(delayMs, options.signal);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onRunAbort);
    }
  }
  const reason = redact(last?.reason ?? 'no attempt made');
  if (last?.invalidRequest) {
    throw new SandbenchError('model', `model ${options.modelId}: the request is invalid: ${reason}`, { details: { model: options.modelId, reason } });
  }
  const attempts = `${made} attempt${made === 1 ? '' : 's'}${last?.retryable === false ? ', not retryable' : ''}`;
  throw new SandbenchError('model-unavailable', `model ${options.modelId} did not answer: ${reason}; ${attempts}`, {
    details: {
      model: options.modelId,
      reason,
      attempts: made,
      retryable: last?.retryable ?? false,
      ...(last?.status === undefined ? {} : { status: last.status }),
    },
  });
}
