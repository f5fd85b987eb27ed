import { ApiError } from './error-table.ts';

export interface AdmissionQueueOptions {
  /** Units of work running at once. */
  concurrency: number;
  /** Most units admitted (running plus waiting). */
  capacity: number;
}

/** What `admit` hands back: the right to run `units` pieces of work, one slot at a time. */
export interface Admission {
  /**
   * Wait for a slot, then run `work` in it. Rejects with `shutting-down` or the signal's reason
   * if cancelled while waiting. Each call uses one of the admitted units.
   */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Give back the units not used (the request ended early). Idempotent. */
  release(): void;
}

interface Waiter {
  start: () => void;
  cancel: (reason: unknown) => void;
}

/**
 * Admission control in front of the sandboxes. A request is admitted whole (one unit per
 * execution or scored completion) or refused at once with 429 and a Retry-After estimate, so a
 * caller backs off instead of waiting without end. Admitted work waits FIFO for one of
 * `concurrency` slots; the sandbox's clock starts only when the work runs, so waiting never
 * turns into a `timeout` verdict.
 */
export class AdmissionQueue {
  readonly #options: AdmissionQueueOptions;
  readonly #waiting: Waiter[] = [];
  #outstanding = 0;
  #running = 0;
  /** Recent mean seconds per unit of work, for Retry-After. */
  #meanSeconds = 0.05;
  #closed = false;

  constructor(options: AdmissionQueueOptions) {
    this.#options = { concurrency: Math.max(1, options.concurrency), capacity: Math.max(1, options.capacity) };
  }

  /** Units waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Units running now. */
  get running(): number {
    return this.#running;
  }

  /** Units admitted and not yet finished or released. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Seconds a caller refused now should wait: the admitted work drained at the recent pace. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.#outstanding / this.#options.concurrency) * this.#meanSeconds));
  }

  /** Admit `units` pieces of work, or throw `queue-full` (429) when they do not fit. */
  admit(units: number): Admission {
    if (this.#closed) throw new ApiError('shutting-down', 'the server is shutting down', { retryAfterSeconds: 1 });
    if (this.#outstanding + units > this.#options.capacity) {
      throw new ApiError('queue-full', `the server is busy: ${this.#outstanding} units of work admitted, room for ${this.#options.capacity}; retry later`, {
        retryAfterSeconds: this.retryAfterSeconds(),
      });
    }
    this.#outstanding += units;
    let left = units;
    const useOne = (): void => {
      if (left <= 0) throw new Error('admission: more work run than admitted');
      left -= 1;
    };
    return {
      run: async <T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
        useOne();
        try {
          await this.#slot(signal);
        } catch (error) {
          this.#outstanding -= 1;
          throw error;
        }
        const started = performance.now();
        try {
          return await work();
        } finally {
          this.#meanSeconds = 0.9 * this.#meanSeconds + 0.1 * ((performance.now() - started) / 1000);
          this.#running -= 1;
          this.#outstanding -= 1;
          this.#next();
        }
      },
      release: () => {
        this.#outstanding -= left;
        left = 0;
      },
    };
  }

  /** Refuse new work; queued work is cancelled with `shutting-down`. */
  close(): void {
    this.#closed = true;
  }

  /** Cancel every unit still waiting for a slot. */
  cancelWaiting(reason: unknown): void {
    for (const waiter of this.#waiting.splice(0)) waiter.cancel(reason);
  }

  #slot(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.#options.concurrency && this.#waiting.length === 0) {
      this.#running += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(waiter);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#running += 1;
          resolve();
        },
        cancel: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #next(): void {
    while (this.#running < this.#options.concurrency && this.#waiting.length > 0) this.#waiting.shift()!.start();
  }
}
