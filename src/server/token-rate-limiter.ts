/** A token bucket per caller. */
interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface TokenRateLimiterOptions {
  /** Requests per second refilled. */
  requestsPerSecond: number;
  /** Requests that may arrive at once. */
  burst: number;
  /** The clock (tests may pass their own). */
  now?: () => number;
}

/**
 * Per-caller request rate: each caller (one bearer token) has a bucket of `burst` requests,
 * refilled at `requestsPerSecond`. `take` says whether a request may go on, or how many seconds
 * until it could.
 */
export class TokenRateLimiter {
  readonly #options: Required<TokenRateLimiterOptions>;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: TokenRateLimiterOptions) {
    this.#options = { now: () => performance.now(), ...options };
  }

  /** Take one request from `caller`'s bucket: `0` when allowed, else the seconds to wait (≥ 1). */
  take(caller: string): number {
    const now = this.#options.now();
    const { requestsPerSecond, burst } = this.#options;
    let bucket = this.#buckets.get(caller);
    if (!bucket) this.#buckets.set(caller, (bucket = { tokens: burst, updatedMs: now }));
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * requestsPerSecond);
    bucket.updatedMs = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / requestsPerSecond));
  }
}
