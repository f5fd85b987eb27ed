import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SandboxError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { emptyExecutionResult, executionResultSchema, type ExecutionResult } from '../schemas/execution-result.ts';
import { LANGUAGES } from '../schemas/names.ts';
import type { Language } from '../schemas/task.ts';
import { abortableSleep } from '../util/abortable-sleep.ts';
import { postJson } from './remote/post-json.ts';
import type { Sandbox, SandboxCapabilities, SandboxRunRequest } from './sandbox.ts';

/** Where the remote backend sends executions, and how. */
export interface RemoteSandboxOptions {
  /** Base URLs of sandbench services (`http://host:8787`), one per replica. */
  urls: string[];
  /** Bearer token the services expect. */
  token?: string;
  /**
   * Requests in flight per replica before it counts as full (default: the `concurrency` its
   * `/healthz` reports, else 4).
   */
  slotsPerReplica?: number;
  /** How long a replica that failed is left alone before it is tried again (default 2,000 ms). */
  failureBackoffMs?: number;
  /** Failed attempts (faults, not 429s) on one execution before it is a sandbox error (default: 2 per replica, at least 3). */
  maxFailures?: number;
  logger?: Logger;
}

interface Replica {
  url: string;
  inFlight: number;
  slots: number;
  /** Slots set by the URL's `#slots=N`: not replaced by the replica's own concurrency. */
  fixedSlots: boolean;
  /** Not tried before this time (a 429's Retry-After, or a fault's backoff). */
  resumeAt: number;
}

/** The `error.code` of a service's error body, if it has one. */
function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** A bound on one HTTP attempt: the execution's own limits and a margin for queueing and transfer. */
function attemptTimeoutMs(request: SandboxRunRequest): number {
  const run = request.limits?.timeoutMs ?? 10_000;
  const compile = request.compileLimits?.timeoutMs ?? 30_000;
  return run + compile + 30_000;
}

/** A body the service's `/v1/execute` takes. Binary files cannot travel as JSON text. */
function executeBody(request: SandboxRunRequest): Record<string, unknown> {
  const files: Record<string, string> = {};
  for (const [path, content] of Object.entries(request.files ?? {})) {
    if (typeof content !== 'string') throw new SandboxError(`the remote backend sends text files only: '${path}' is binary`, { code: 'unsupported' });
    files[path] = content;
  }
  return {
    language: request.language,
    code: request.source,
    ...(request.testCode !== undefined ? { testCode: request.testCode } : {}),
    ...(Object.keys(files).length > 0 ? { files } : {}),
    stdin: request.stdin ?? '',
    ...(request.limits ? { limits: request.limits } : {}),
    ...(request.compileLimits ? { compileLimits: request.compileLimits } : {}),
    ...(request.typescript ? { typescript: request.typescript } : {}),
    ...(request.variant ? { variant: request.variant } : {}),
    ...(request.collectFiles ? { collectFiles: request.collectFiles } : {}),
  };
}

/** Seconds of a `Retry-After` header (delta seconds or an HTTP date), else 1. */
function retryAfterMs(header: string | null): number {
  if (header === null) return 1000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 1000;
}

/**
 * The `remote` backend: each execution goes to one of several sandbench services over HTTP
 * (`POST /v1/execute`), which runs it in its own isolate or Docker backend and answers the
 * `ExecutionResult`; the verdict is made here from that one result, as locally. Work goes to the
 * replica with the most free slots; a replica that answers 429 (or 503 while it stops) is left
 * alone for its `Retry-After` and the execution goes elsewhere (never counted against the
 * sample); one that fails, times out, goes away or lacks the backend (503 `sandbox-unavailable`)
 * is left alone for a moment and the execution is retried on another. Only when every attempt failed is it a `SandboxError` (the sample's `sandbox-error`).
 */
export class RemoteSandbox implements Sandbox {
  readonly name = 'remote';
  readonly capabilities: SandboxCapabilities = { languages: LANGUAGES, processes: true, filesystem: true };
  readonly #replicas: Replica[];
  readonly #options: RemoteSandboxOptions;
  readonly #logger: Logger;
  readonly #slotWaiters: Array<() => void> = [];
  readonly #disposed = new AbortController();

  constructor(options: RemoteSandboxOptions) {
    if (options.urls.length === 0) throw new SandboxError('the remote backend needs at least one service URL (--remote <url>)', { code: 'sandbox-unavailable' });
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#replicas = options.urls.map((url) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new SandboxError(`not a service URL: ${url}`, { code: 'sandbox-unavailable' });
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SandboxError(`not an http(s) URL: ${url}`, { code: 'sandbox-unavailable' });
      // The fragment never goes over the wire: it carries this client's option for the URL, the
      // requests in flight it may hold (for one URL standing for many replicas, a Service).
      let fixed: number | undefined;
      if (parsed.hash !== '') {
        const match = /^#slots=([1-9]\d{0,4})$/.exec(parsed.hash);
        if (!match) throw new SandboxError(`${url}: ${parsed.hash}: the only option a service URL takes is #slots=<n> (1-99999)`, { code: 'sandbox-unavailable' });
        fixed = Number(match[1]);
        parsed.hash = '';
      }
      return { url: parsed.href.replace(/\/$/, ''), inFlight: 0, slots: fixed ?? options.slotsPerReplica ?? 4, fixedSlots: fixed !== undefined, resumeAt: 0 };
    });
  }

  #headers(): Record<string, string> {
    return { 'content-type': 'application/json', ...(this.#options.token ? { authorization: `Bearer ${this.#options.token}` } : {}) };
  }

  /** Check that some replica answers and is ready, and learn each one's concurrency. */
  async warmUp(languages: readonly Language[]): Promise<void> {
    const problems: string[] = [];
    let ready = 0;
    await Promise.all(
      this.#replicas.map(async (replica) => {
        try {
          const response = await fetch(`${replica.url}/healthz`, { headers: this.#headers(), signal: AbortSignal.timeout(10_000) });
          const body = (await response.json()) as { status?: string; queue?: { concurrency?: number } };
          if (!replica.fixedSlots && this.#options.slotsPerReplica === undefined && typeof body.queue?.concurrency === 'number') {
            replica.slots = Math.max(1, body.queue.concurrency);
          }
          if (response.ok) ready += 1;
          else problems.push(`${replica.url}: ${body.status ?? response.status}`);
        } catch (error) {
          problems.push(`${replica.url}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    if (ready === 0) {
      throw new SandboxError(`no sandbench service is ready for ${languages.join(', ')}: ${problems.join('; ')}`, { code: 'sandbox-unavailable', details: { problems } });
    }
    if (problems.length > 0) this.#logger.warn({ problems }, 'some remote replicas are not ready');
  }

  async describe(): Promise<Record<string, unknown>> {
    return { replicas: this.#replicas.map((replica) => replica.url), slots: this.#replicas.map((replica) => replica.slots) };
  }

  /** The replica to try next: open, with a free slot, most free slots first; undefined when none. */
  #pick(avoid: ReadonlySet<Replica>): Replica | undefined {
    const now = Date.now();
    const open = this.#replicas.filter((replica) => replica.resumeAt <= now && replica.inFlight < replica.slots);
    const preferred = open.filter((replica) => !avoid.has(replica));
    const pool = preferred.length > 0 ? preferred : open;
    return pool.sort((a, b) => b.slots - b.inFlight - (a.slots - a.inFlight))[0];
  }

  /** Wait until a slot may have freed or a replica's pause ended. */
  async #waitForReplica(signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const paused = this.#replicas.filter((replica) => replica.resumeAt > now).map((replica) => replica.resumeAt - now);
    const wait = paused.length > 0 ? Math.min(...paused) : 1000;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        const index = this.#slotWaiters.indexOf(done);
        if (index >= 0) this.#slotWaiters.splice(index, 1);
        resolve();
      };
      const timer = setTimeout(done, Math.max(10, wait));
      this.#slotWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #release(replica: Replica): void {
    replica.inFlight -= 1;
    this.#slotWaiters.shift()?.();
  }

  async run(request: SandboxRunRequest): Promise<ExecutionResult> {
    const body = JSON.stringify(executeBody(request));
    const signal = request.signal ? AbortSignal.any([request.signal, this.#disposed.signal]) : this.#disposed.signal;
    // One id for every attempt: the services' logs tie the attempts of one execution together.
    const executionId = randomUUID();
    const maxFailures = this.#options.maxFailures ?? Math.max(3, 2 * this.#replicas.length);
    const failures: string[] = [];
    const tried = new Set<Replica>();
    while (failures.length < maxFailures) {
      if (signal.aborted) return emptyExecutionResult(this.name, 'timeout', 'the execution was cancelled');
      const replica = this.#pick(tried);
      if (!replica) {
        await this.#waitForReplica(signal);
        continue;
      }
      replica.inFlight += 1;
      tried.add(replica);
      try {
        const response = await postJson(
          `${replica.url}/v1/execute`,
          { ...this.#headers(), 'x-sandbench-execution': executionId },
          body,
          AbortSignal.any([signal, AbortSignal.timeout(attemptTimeoutMs(request))]),
        );
        const text = response.text;
        if (response.status === 429 || (response.status === 503 && errorCode(text) !== 'sandbox-unavailable')) {
          // Busy or stopping: not this execution's fault. Leave the replica alone as it asks.
          replica.resumeAt = Date.now() + retryAfterMs(response.retryAfter);
          tried.delete(replica);
          continue;
        }
        if (response.status >= 200 && response.status < 300) {
          const parsed = executionResultSchema.safeParse(JSON.parse(text));
          if (parsed.success) return parsed.data;
          failures.push(`${replica.url}: an answer that is not an ExecutionResult`);
          continue;
        }
        const message = (() => {
          try {
            return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 300);
          } catch {
            return text.slice(0, 300);
          }
        })();
        if (response.status >= 400 && response.status < 500) {
          // The service refused the request itself: another replica would too.
          throw new SandboxError(`the service at ${replica.url} refused the execution (${response.status}): ${message}`, { code: response.status === 422 ? 'unsupported' : 'sandbox-failure' });
        }
        failures.push(`${replica.url}: ${response.status} ${message}`);
        replica.resumeAt = Date.now() + (this.#options.failureBackoffMs ?? 2000);
      } catch (error) {
        if (SandboxError.isInstance(error)) throw error;
        if (signal.aborted) return emptyExecutionResult(this.name, 'timeout', 'the execution was cancelled');
        failures.push(`${replica.url}: ${error instanceof Error ? error.message : String(error)}`);
        replica.resumeAt = Date.now() + (this.#options.failureBackoffMs ?? 2000);
        this.#logger.warn({ replica: replica.url, executionId, err: error }, 'remote execution failed; retrying elsewhere');
      } finally {
        this.#release(replica);
      }
      await abortableSleep(50, signal).catch(() => undefined);
    }
    throw new SandboxError(`every attempt at the execution failed (${failures.length}): ${failures.join('; ')}`, { code: 'sandbox-unavailable', details: { failures } });
  }

  async dispose(): Promise<void> {
    this.#disposed.abort(new Error('the remote backend was disposed'));
  }
}
