import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { InvalidInputError, SandboxError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import type { CollectedFile, CompileResult, ExecutionResult } from '../schemas/execution-result.ts';
import { resolveLimits } from '../schemas/limits.ts';
import type { Language } from '../schemas/task.ts';
import { cancelledResult, compileErrorResult, type ExecutionFacts } from './execution-results.ts';
import { isolateExecutionResult } from './isolate/isolate-execution-result.ts';
import { IsolateSession } from './isolate/isolate-session.ts';
import { defaultIsolateWorkerCount, IsolatePool, type PoolOutcome } from './isolate/isolate-pool.ts';
import {
  joinProgram,
  type Sandbox,
  type SandboxBatchRequest,
  type SandboxCapabilities,
  type SandboxRunRequest,
  type SandboxSession,
  type SandboxSessionOptions,
} from './sandbox.ts';

const MiB = 1024 * 1024;
/** Below this an isolate cannot even hold the guest prelude; smaller limits are raised to it. */
const MINIMUM_MEMORY_MB = 8;
const DEFAULT_MAX_EXECUTIONS_PER_WORKER = 1_000;

/** A program ready for the workers: JavaScript, with its test code when it has one. */
interface PreparedProgram {
  ok: true;
  code: string;
  testCode: string | undefined;
  kind: 'script' | 'module';
  filename: string;
  /** The transpile step (TypeScript), shared by every run of the program. */
  compile: CompileResult | undefined;
}

export interface IsolateSandboxOptions {
  /** Worker processes, each running one program at a time. Default: min(2, CPUs). */
  workers?: number;
  /** Logger for worker lifecycle events; silent by default. */
  logger?: Logger;
  /** Executions after which a worker process is replaced. Default 1000. */
  maxExecutionsPerWorker?: number;
  /**
   * For a process that runs one program or a few and exits (the CLI's `exec`): the worker starts
   * when the sandbox is made, and skips what pays off only over many runs (the prelude snapshot
   * and the warm-up run, tens of milliseconds of start-up; an isolate made ahead after each run).
   * The first run then pays V8's one-off first-run costs itself. Default false.
   */
  oneShot?: boolean;
}

/**
 * Runs JavaScript and TypeScript in V8 isolates (isolated-vm): a fresh isolate and context per
 * execution, inside a small pool of supervised worker processes, so a V8 abort or an isolate
 * that runs out of memory costs a worker, never the host. TypeScript is transpiled in a worker
 * thread under the sample's compile limits (transpile only, never type-checked). Guest code sees ECMAScript plus a small prelude: console,
 * timers, a `process` shim, and `require` of built-in guest modules (`assert`, a stdin-only `fs`,
 * `readline`, `util`, `events`); nothing of the host.
 */
export class IsolateSandbox implements Sandbox {
  readonly name = 'isolate';
  readonly capabilities: SandboxCapabilities = {
    languages: ['javascript', 'typescript'] as const satisfies readonly Language[],
    processes: false,
    filesystem: false,
  };
  readonly #pool: IsolatePool;
  readonly #logger: Logger;
  /** Open sessions (each with its own worker); dispose ends them. */
  readonly #sessions = new Set<IsolateSession>();

  constructor(options: IsolateSandboxOptions = {}) {
    this.#logger = options.logger ?? silentLogger;
    const workers = Math.max(1, Math.floor(options.workers ?? defaultIsolateWorkerCount()));
    this.#pool = new IsolatePool({
      workers,
      maxExecutionsPerWorker: Math.max(1, Math.floor(options.maxExecutionsPerWorker ?? DEFAULT_MAX_EXECUTIONS_PER_WORKER)),
      initialMemoryMb: memoryMb(resolveLimits([]).memoryBytes),
      logger: this.#logger,
      oneShot: options.oneShot ?? false,
    });
  }

  /** Process ids of the live worker processes (diagnostics and tests). */
  get workerPids(): number[] {
    return this.#pool.workerPids;
  }

  /**
   * Start the worker processes now (~0.15 s each to be ready), so their start-up overlaps the
   * caller's own preparations. There is nothing to check: the isolate needs no engine or image.
   */
  async warmUp(): Promise<void> {
    this.#pool.start();
  }

  async run(request: SandboxRunRequest): Promise<ExecutionResult> {
    const program = await this.#prepare(request, request.testCode);
    if (!program.ok) return program.result;
    return this.#execute(program, request, request.stdin ?? '');
  }

  /** The program transpiled once, then one run per stdin, each in its own fresh isolate. */
  async runBatch(request: SandboxBatchRequest): Promise<ExecutionResult[]> {
    const program = await this.#prepare(request, undefined);
    if (!program.ok) return request.stdins.map(() => structuredClone(program.result));
    return Promise.all(request.stdins.map((stdin) => this.#execute(program, request, stdin)));
  }

  /** Check the request and turn it into what a worker runs (TypeScript transpiled here, once). */
  async #prepare(request: SandboxBatchRequest | SandboxRunRequest, testCode: string | undefined): Promise<PreparedProgram | { ok: false; result: ExecutionResult }> {
    const { language } = request;
    if (language !== 'javascript' && language !== 'typescript') {
      throw new SandboxError(`the isolate sandbox runs JavaScript and TypeScript, not ${language}`, {
        code: 'unsupported',
        details: { language },
      });
    }
    if (request.variant !== undefined) {
      throw new SandboxError(`the isolate sandbox has no runtime variants (asked for '${request.variant}')`, {
        code: 'unsupported',
        details: { variant: request.variant },
      });
    }
    if (request.files && Object.keys(request.files).length > 0) {
      throw new SandboxError('the isolate sandbox has no filesystem: extra files cannot be provided', {
        code: 'unsupported',
        details: { files: Object.keys(request.files) },
      });
    }
    const program: PreparedProgram = { ok: true, code: request.source, testCode, kind: 'script', filename: 'main.js', compile: undefined };
    if (language !== 'typescript') return program;
    // Loaded for TypeScript only: a one-off JavaScript run (the CLI's exec) does not wait for them.
    const [{ typescriptOptionsSchema }, { formatZodIssues }, { transpileTypescriptOffThread }] = await Promise.all([
      import('../schemas/task.ts'),
      import('../schemas/format-zod-error.ts'),
      import('../runtimes/transpile-typescript-off-thread.ts'),
    ]);
    const parsed = typescriptOptionsSchema.safeParse(request.typescript ?? {});
    if (!parsed.success) {
      throw new InvalidInputError(`invalid TypeScript options: ${formatZodIssues(parsed.error.issues, 'typescript')}`);
    }
    const options = parsed.data;
    // Off the host's thread, under the sample's compile limits; the program and its test code
    // apart, with the same options (the worker runs them as two steps).
    const transpiled = await transpileTypescriptOffThread(request.source, options, {
      ...(testCode === undefined ? {} : { testCode }),
      limits: request.compileLimits,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const { durationMs } = transpiled;
    if (!transpiled.ok) {
      const stderr = transpiled.diagnostics + '\n';
      const compile: CompileResult = { status: transpiled.status, stdout: '', stderr, exitCode: transpiled.status === 'compile-error' ? 1 : null, durationMs };
      const facts = { ...collected(request), hasTestCode: testCode !== undefined };
      // A transpile cut by the caller's cancel is a cancel, like a run cut by it.
      const result =
        transpiled.status === 'timeout' && request.signal?.aborted
          ? cancelledResult(this.name, { ...facts, compile })
          : compileErrorResult(this.name, compile, { ...facts, message: transpiled.message });
      return { ok: false, result };
    }
    return {
      ok: true,
      code: transpiled.code,
      testCode: testCode === undefined ? undefined : (transpiled.testCode ?? ''),
      kind: options.module === 'esm' ? 'module' : 'script',
      filename: 'main.ts',
      compile: { status: 'ok', stdout: '', stderr: '', exitCode: 0, durationMs },
    };
  }

  /** One run of a prepared program in a fresh isolate, its outcome as an ExecutionResult. */
  async #execute(program: PreparedProgram, request: SandboxBatchRequest | SandboxRunRequest, stdin: string): Promise<ExecutionResult> {
    const { code, testCode, compile } = program;
    // What is known of this run whatever becomes of it.
    const facts: ExecutionFacts = { ...(compile ? { compile } : {}), ...collected(request), hasTestCode: testCode !== undefined };
    if (request.signal?.aborted) return cancelledResult(this.name, facts);
    const limits = resolveLimits([request.limits]);
    const started = performance.now();
    const outcome: PoolOutcome = await this.#pool.run(
      {
        code,
        ...(testCode === undefined ? {} : { testCode, testLine: lineOf(joinProgram(code, testCode)) }),
        kind: program.kind,
        filename: program.filename,
        stdin,
        limits: {
          timeoutMs: limits.timeoutMs,
          cpuTimeMs: limits.cpuTimeMs,
          memoryMb: memoryMb(limits.memoryBytes),
          maxOutputBytes: limits.maxOutputBytes,
        },
      },
      request.signal,
    );

    return isolateExecutionResult(outcome, facts, performance.now() - started);
  }

  /**
   * Opens a session for an agent episode's JavaScript (see `IsolateSession`): one persistent
   * context in a worker process of its own, its heap limited by `limits.memoryBytes`. It has
   * `evaluate` only: no commands, no files. Resolves once the worker is ready.
   */
  async openSession(options: SandboxSessionOptions): Promise<SandboxSession> {
    if (options.language !== 'javascript') {
      throw new SandboxError(`isolate sessions run JavaScript, not ${options.language}`, { code: 'unsupported', details: { language: options.language } });
    }
    if (options.files && Object.keys(options.files).length > 0) {
      throw new SandboxError('the isolate sandbox has no filesystem: a session cannot be given files', { code: 'unsupported' });
    }
    options.signal?.throwIfAborted();
    const limits = resolveLimits([options.limits]);
    const session = new IsolateSession({
      limits,
      memoryMb: memoryMb(limits.memoryBytes),
      logger: this.#logger,
      onDisposed: (closed) => this.#sessions.delete(closed),
    });
    this.#sessions.add(session);
    try {
      // The worker's start-up (and the first context) belongs to opening, not to the first call.
      const first = await session.evaluate({ code: '', ...(options.signal ? { signal: options.signal } : {}) });
      options.signal?.throwIfAborted();
      if (first.status !== 'ok') throw new SandboxError(`the isolate session did not start: ${first.message ?? first.status}`, { code: 'sandbox-failure' });
    } catch (error) {
      await session.dispose();
      throw error;
    }
    return session;
  }

  /** Kill the worker processes (sessions' too); queued runs fail with a SandboxError. Idempotent. */
  async dispose(): Promise<void> {
    await Promise.all([this.#pool.dispose(), ...[...this.#sessions].map((session) => session.dispose())]);
  }
}

/** Zero-based line of the joined program text where the test code starts. */
function lineOf({ text, testOffset }: { text: string; testOffset: number }): number {
  let line = 0;
  for (let index = text.indexOf('\n'); index >= 0 && index < testOffset; index = text.indexOf('\n', index + 1)) line++;
  return line;
}

function memoryMb(bytes: number): number {
  return Math.max(MINIMUM_MEMORY_MB, Math.floor(bytes / MiB));
}

/** Isolates have no work directory: every requested file is reported as not collectable. */
function collected(request: SandboxBatchRequest | SandboxRunRequest): { files?: CollectedFile[] } {
  if (!('collectFiles' in request) || !request.collectFiles || request.collectFiles.length === 0) return {};
  return {
    files: request.collectFiles.map((path) => ({ path, error: 'the isolate sandbox has no filesystem' })),
  };
}
