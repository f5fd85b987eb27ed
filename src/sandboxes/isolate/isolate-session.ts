import type { Logger } from 'pino';
import { InvalidInputError, SandboxError } from '../../errors/sandbench-error.ts';
import type { ExecutionResult } from '../../schemas/execution-result.ts';
import { resolveLimits, type ExecutionLimits } from '../../schemas/limits.ts';
import { cancelledResult } from '../execution-results.ts';
import type { SandboxSession, SessionEvaluateRequest } from '../sandbox.ts';
import { IsolatePool } from './isolate-pool.ts';
import { isolateExecutionResult } from './isolate-execution-result.ts';

/** Said (first in `message`) by the first evaluation after the session's context was replaced. */
export const CONTEXT_RESET_NOTE =
  "the session's JavaScript context was reset (an earlier call hit a limit, exited or was cancelled): globals of earlier calls are gone";

/** File name the session's scripts carry in stack traces. */
const SESSION_FILENAME = 'session.js';

export interface IsolateSessionOptions {
  /** The session's limits: its heap (`memoryBytes`, fixed for the session) and its calls' defaults. */
  limits: ExecutionLimits;
  /** Isolate memory limit in MiB, from `limits.memoryBytes`. */
  memoryMb: number;
  logger: Logger;
  /** Called when the session is disposed (the sandbox stops tracking it). */
  onDisposed?: (session: IsolateSession) => void;
}

/**
 * An agent episode's JavaScript: one persistent context in a worker process of the session's own
 * (a crash, or a guest that runs a worker out of memory, touches no other session), with the
 * guest prelude of one-shot runs (console, timers, the `process` shim, `require` of the built-in
 * guest modules; nothing of the host). Each `evaluate` runs its code as a classic script in that
 * context: top-level declarations and globals stay for later calls, timers it schedules run
 * before it returns. A call stopped by a limit, `process.exit` or a cancel loses the context:
 * the next call gets a fresh one and its `message` starts with `CONTEXT_RESET_NOTE`. Calls run
 * one at a time, in the order made.
 */
export class IsolateSession implements SandboxSession {
  readonly backend = 'isolate';
  readonly #pool: IsolatePool;
  readonly #options: IsolateSessionOptions;
  #queue: Promise<unknown> = Promise.resolve();
  #disposed = false;
  /** Pid of the worker that holds the context; another worker means a fresh context. */
  #contextPid: number | undefined;

  constructor(options: IsolateSessionOptions) {
    this.#options = options;
    this.#pool = new IsolatePool({
      workers: 1,
      // Never recycled: the worker holds the session's state.
      maxExecutionsPerWorker: Number.MAX_SAFE_INTEGER,
      initialMemoryMb: options.memoryMb,
      logger: options.logger,
    });
    this.#pool.start();
  }

  /** Pid of the session's worker process, when one is running (diagnostics, tests). */
  get workerPid(): number | undefined {
    return this.#pool.workerPids[0];
  }

  async evaluate(request: SessionEvaluateRequest): Promise<ExecutionResult> {
    if (this.#disposed) throw new SandboxError('the isolate session was disposed', { code: 'sandbox-failure' });
    if (typeof request.code !== 'string') throw new InvalidInputError('evaluate needs code: a string of JavaScript');
    const next = this.#queue.then(() => this.#evaluate(request));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Ends the session's worker and its context; idempotent. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#options.onDisposed?.(this);
    await this.#pool.dispose();
  }

  async #evaluate(request: SessionEvaluateRequest): Promise<ExecutionResult> {
    if (this.#disposed) throw new SandboxError('the isolate session was disposed', { code: 'sandbox-failure' });
    if (request.signal?.aborted) return cancelledResult('isolate', { message: 'cancelled before it started' });
    // The heap is the session's; a call sets its time and output.
    const limits = resolveLimits([this.#options.limits, request.limits]);
    const started = performance.now();
    const outcome = await this.#pool.run(
      {
        code: request.code,
        kind: 'script',
        filename: SESSION_FILENAME,
        stdin: '',
        limits: { timeoutMs: limits.timeoutMs, cpuTimeMs: limits.cpuTimeMs, memoryMb: this.#options.memoryMb, maxOutputBytes: limits.maxOutputBytes },
        session: true,
      },
      request.signal,
    );
    const result = isolateExecutionResult(outcome, {}, performance.now() - started);
    if (outcome.type !== 'result') return result;
    const pid = this.workerPid;
    const reset = outcome.contextReset === true || (this.#contextPid !== undefined && pid !== this.#contextPid);
    this.#contextPid = pid;
    if (reset) result.message = result.message ? `${CONTEXT_RESET_NOTE}; ${result.message}` : CONTEXT_RESET_NOTE;
    return result;
  }
}
