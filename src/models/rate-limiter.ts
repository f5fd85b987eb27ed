import { abortableSleep } from '../util/abortable-sleep.ts';
import type { ModelStatus } from './model.ts';

/** Time source of a limiter; tests pass a manual one so that nothing depends on real time. */
export interface LimiterClock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: LimiterClock = {
  now: () => Date.now(),
  sleep: abortableSleep,
};

export interface RateLimits {
  /** Requests started per window (a minute by default). */
  requestsPerMinute?: number;
  /** Tokens (input + output, as the answers report them) per window. */
  tokensPerMinute?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

export interface RateLimiterOptions extends RateLimits {
  /** Length of the sliding window (default 60 000 ms; tests shorten it or use a manual clock). */
  windowMs?: number;
  clock?: LimiterClock;
}

/** A request's place under the limits: report its tokens when it answered, and release it when done. */
export interface RateLimitPermit {
  /** Counts the answer's tokens against the token limit. */
  record(tokens: number): void;
  /** Frees the request's concurrency slot; idempotent. */
  release(): void;
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Request, token and concurrency limits of one model, over a sliding window. Waiters are served
 * first come, first served. Tokens are known only once an answer arrives, so a request may start
 * while the window's counted tokens are below the limit, and the answers then count against it.
 */
export class RateLimiter {
  private readonly limits: RateLimits;
  private readonly windowMs: number;
  private readonly clock: LimiterClock;
  /** Start times of requests within the window. */
  private readonly starts: number[] = [];
  /** Tokens of answers within the window, with their arrival times. */
  private readonly spent: Array<{ at: number; tokens: number }> = [];
  private inFlight = 0;
  /** Woken when a concurrency slot frees. */
  private slotFreed: Array<() => void> = [];
  /** The previous waiter's turn: each waiter starts checking only when the one before it is through. */
  private tail: Promise<void> = Promise.resolve();

  constructor(options: RateLimiterOptions) {
    this.limits = { ...options };
    this.windowMs = options.windowMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Whether any limit is set at all. */
  get limited(): boolean {
    return this.limits.requestsPerMinute !== undefined || this.limits.tokensPerMinute !== undefined || this.limits.concurrency !== undefined;
  }

  private forget(now: number): void {
    while (this.starts.length > 0 && (this.starts[0] as number) <= now - this.windowMs) this.starts.shift();
    while (this.spent.length > 0 && (this.spent[0] as { at: number }).at <= now - this.windowMs) this.spent.shift();
  }

  /** Milliseconds until the window has room for one more request (0: now). */
  private waitMs(now: number): number {
    this.forget(now);
    let wait = 0;
    const { requestsPerMinute, tokensPerMinute } = this.limits;
    if (requestsPerMinute !== undefined && this.starts.length >= requestsPerMinute) {
      // The oldest starts must leave the window until one fewer than the limit remain.
      const leaving = this.starts[this.starts.length - Math.floor(requestsPerMinute)] as number;
      wait = Math.max(wait, leaving + this.windowMs - now);
    }
    if (tokensPerMinute !== undefined) {
      let total = this.spent.reduce((sum, entry) => sum + entry.tokens, 0);
      for (const entry of this.spent) {
        if (total < tokensPerMinute) break;
        total -= entry.tokens;
        wait = Math.max(wait, entry.at + this.windowMs - now);
      }
    }
    return Math.max(0, Math.ceil(wait));
  }

  /**
   * Waits for the limits to allow one more request, telling `onStatus` while held back. Rejects
   * with the signal's reason when it aborts; an aborted waiter never holds up those behind it.
   */
  async acquire(options: { signal?: AbortSignal; onStatus?: (status: ModelStatus) => void } = {}): Promise<RateLimitPermit> {
    const previous = this.tail;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    // The next waiter goes after both the previous one and this one, even if this one gives up early.
    this.tail = previous.then(() => mine);
    try {
      await abortable(previous, options.signal);
      const { concurrency } = this.limits;
      while (concurrency !== undefined && this.inFlight >= concurrency) {
        await abortable(new Promise<void>((resolve) => this.slotFreed.push(resolve)), options.signal);
      }
      for (let wait = this.waitMs(this.clock.now()); wait > 0; wait = this.waitMs(this.clock.now())) {
        options.onStatus?.({ kind: 'rate-limited', delayMs: wait });
        await this.clock.sleep(wait, options.signal);
      }
      this.starts.push(this.clock.now());
      this.inFlight += 1;
    } finally {
      done();
    }
    let released = false;
    return {
      record: (tokens) => {
        if (Number.isFinite(tokens) && tokens > 0) this.spent.push({ at: this.clock.now(), tokens });
      },
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        const waiters = this.slotFreed;
        this.slotFreed = [];
        for (const wake of waiters) wake();
      },
    };
  }
}

/** One limiter per model and process, so every sample of a model shares its limits. */
const sharedLimiters = new Map<string, RateLimiter>();

/** The process-wide limiter of `key` (a model spec), made on first use with `options`. */
export function sharedRateLimiter(key: string, options: RateLimiterOptions): RateLimiter {
  let limiter = sharedLimiters.get(key);
  if (limiter === undefined) {
    limiter = new RateLimiter(options);
    sharedLimiters.set(key, limiter);
  }
  return limiter;
}
