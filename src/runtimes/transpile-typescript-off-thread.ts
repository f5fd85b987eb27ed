import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { DEFAULT_COMPILE_LIMITS, resolveLimits, type ExecutionLimitsInput } from '../schemas/limits.ts';
import type { TypescriptOptions } from '../schemas/task.ts';
import { SandboxError } from '../errors/sandbench-error.ts';
import { transpileTypescript } from './transpile-typescript.ts';

/** How a transpile off the host's thread ended: JavaScript, or a verdict for the sample. */
export type OffThreadTranspileResult =
  | {
      ok: true;
      /** The program, as JavaScript. */
      code: string;
      /** The test code, as JavaScript (when `testCode` was given). */
      testCode?: string;
      /** Time the transpiler worked on it. */
      durationMs: number;
    }
  | {
      ok: false;
      /** `compile-error` (syntax, too deeply nested, out of memory) or `timeout` (out of time, cancelled). */
      status: 'compile-error' | 'timeout';
      /** The transpiler's own text: diagnostics, one per line, or what stopped it. */
      diagnostics: string;
      /** One line for `ExecutionResult.message`. */
      message: string;
      durationMs: number;
    };

export interface OffThreadTranspileSettings {
  /** File name in diagnostics. Default `main.ts`. */
  fileName?: string;
  /** Test code transpiled apart with the same options (it runs as a step of its own). */
  testCode?: string;
  /** The sample's compile limits: wall clock (`timeoutMs`) and heap (`memoryBytes`) of the transpiler. */
  limits?: ExecutionLimitsInput;
  /** Cancels the transpile; the result is then a `timeout` saying so. */
  signal?: AbortSignal;
}

/** Transpiler threads kept at most (a hostile transpile holds one until its deadline; the other goes on). */
const MAXIMUM_THREADS = 2;
/** Marks a worker thread started by this module. */
const THREAD_ROLE = 'sandbench-typescript-transpiler';

interface Job {
  sources: string[];
  options: TypescriptOptions;
  fileName: string;
  timeoutMs: number;
  memoryMb: number;
  signal: AbortSignal | undefined;
  resolve: (result: OffThreadTranspileResult) => void;
  reject: (error: unknown) => void;
}

/** Thread → host. */
type ThreadMessage =
  | { type: 'ready' }
  | { type: 'done'; codes: string[] }
  | { type: 'failed'; diagnostics: string; message: string };

interface TranspilerThread {
  worker: Worker;
  memoryMb: number;
  ready: boolean;
  job: Job | undefined;
}

const threads = new Set<TranspilerThread>();
const queue: Job[] = [];

/**
 * Transpile TypeScript (transpile only, never type-checked; see `transpileTypescript`) in a worker
 * thread, never on the host's event loop: a hostile program (thousands of nested brackets, an
 * exponential parse) is bounded by the sample's compile limits — the thread's heap is capped at
 * `limits.memoryBytes`, its wall clock at `limits.timeoutMs`, after which it is killed and
 * replaced — and ends as a verdict for that sample, not as a crash or a stall of the run.
 * TypeScript is loaded in the thread, and only when a TypeScript program is transpiled.
 */
export function transpileTypescriptOffThread(
  source: string,
  options: TypescriptOptions,
  settings: OffThreadTranspileSettings = {},
): Promise<OffThreadTranspileResult> {
  const limits = resolveLimits([settings.limits], DEFAULT_COMPILE_LIMITS);
  return new Promise<OffThreadTranspileResult>((resolve, reject) => {
    const job: Job = {
      sources: settings.testCode === undefined ? [source] : [source, settings.testCode],
      options,
      fileName: settings.fileName ?? 'main.ts',
      timeoutMs: limits.timeoutMs,
      memoryMb: Math.max(1, Math.floor(limits.memoryBytes / (1024 * 1024))),
      signal: settings.signal,
      resolve,
      reject,
    };
    if (settings.signal?.aborted) {
      resolve(failure('timeout', 'TypeScript transpile cancelled', 'cancelled', 0));
      return;
    }
    settings.signal?.addEventListener(
      'abort',
      () => {
        const index = queue.indexOf(job);
        if (index >= 0) {
          queue.splice(index, 1);
          resolve(failure('timeout', 'TypeScript transpile cancelled', 'cancelled', 0));
        }
      },
      { once: true },
    );
    queue.push(job);
    pump();
  });
}

function failure(status: 'compile-error' | 'timeout', diagnostics: string, message: string, durationMs: number): OffThreadTranspileResult {
  return { ok: false, status, diagnostics, message, durationMs };
}

/** Hand queued jobs to ready idle threads of their memory limit, starting threads as needed. */
function pump(): void {
  try {
    assign();
  } finally {
    holdEventLoop();
  }
}

/** A thread keeps the host alive only while a job runs on it or waits for it to start. */
function holdEventLoop(): void {
  for (const thread of threads) {
    if (thread.job || (!thread.ready && queue.some((job) => job.memoryMb === thread.memoryMb))) thread.worker.ref();
    else thread.worker.unref();
  }
}

function assign(): void {
  while (queue.length > 0) {
    const job = queue[0] as Job;
    const idle = [...threads].find((thread) => thread.ready && !thread.job && thread.memoryMb === job.memoryMb);
    if (idle) {
      queue.shift();
      dispatch(idle, job);
      continue;
    }
    const starting = [...threads].some((thread) => !thread.ready && thread.memoryMb === job.memoryMb);
    if (starting) return;
    if (threads.size >= MAXIMUM_THREADS) {
      // Make room: an idle thread with another memory limit goes.
      const spare = [...threads].find((thread) => thread.ready && !thread.job);
      if (!spare) return;
      retire(spare);
    }
    start(job.memoryMb);
    return;
  }
}

function start(memoryMb: number): void {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { role: THREAD_ROLE },
    // The sample's compile memory: the transpiler's heap, TypeScript itself included.
    resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(32, Math.max(1, Math.floor(memoryMb / 8))) },
  });
  const thread: TranspilerThread = { worker, memoryMb, ready: false, job: undefined };
  threads.add(thread);
  worker.on('message', (message: ThreadMessage) => {
    if (message.type === 'ready') {
      thread.ready = true;
      pump();
      return;
    }
    const job = thread.job;
    if (!job) return;
    finish(thread, message.type === 'done' ? { ok: true, code: message.codes[0] ?? '', ...(message.codes.length > 1 ? { testCode: message.codes[1] ?? '' } : {}), durationMs: 0 } : failure('compile-error', message.diagnostics, message.message, 0));
  });
  worker.on('error', (error: Error & { code?: string }) => lost(thread, error));
  worker.on('exit', () => lost(thread, undefined));
}

/** A thread died: its job (or, if it never started, the jobs waiting for it) get a verdict or an engine error. */
function lost(thread: TranspilerThread, error: (Error & { code?: string }) | undefined): void {
  if (!threads.delete(thread)) return;
  const outOfMemory = error?.code === 'ERR_WORKER_OUT_OF_MEMORY';
  const memoryFailure = () =>
    failure('compile-error', `error: the TypeScript transpiler ran out of memory (compile memory limit ${thread.memoryMb} MiB)`, `the TypeScript transpiler ran out of memory (limit ${thread.memoryMb} MiB)`, 0);
  if (thread.job) {
    const job = thread.job;
    thread.job = undefined;
    settle(job, () => job.resolve(outOfMemory ? memoryFailure() : failure('compile-error', `error: the TypeScript transpiler failed: ${error?.message ?? 'its thread exited'}`, 'the TypeScript transpiler failed', 0)));
  } else if (!thread.ready) {
    // It could not even load TypeScript: under a compile memory limit too small for it, that is
    // the sample's verdict; otherwise the engine is broken.
    for (const job of queue.filter((queued) => queued.memoryMb === thread.memoryMb)) {
      queue.splice(queue.indexOf(job), 1);
      if (outOfMemory) job.resolve(memoryFailure());
      else job.reject(new SandboxError(`the TypeScript transpiler thread failed to start: ${error?.message ?? 'it exited'}`, { cause: error }));
    }
  }
  pump();
}

const deadlines = new WeakMap<Job, { timer: NodeJS.Timeout; started: number; onAbort: () => void }>();

function dispatch(thread: TranspilerThread, job: Job): void {
  if (job.signal?.aborted) {
    job.resolve(failure('timeout', 'TypeScript transpile cancelled', 'cancelled', 0));
    return;
  }
  thread.job = job;
  const started = performance.now();
  const kill = (result: OffThreadTranspileResult) => {
    if (thread.job !== job) return;
    thread.job = undefined;
    threads.delete(thread);
    void thread.worker.terminate();
    settle(job, () => job.resolve(result));
    pump();
  };
  const timer = setTimeout(() => {
    const message = `the TypeScript transpiler ran out of time (compile limit ${job.timeoutMs} ms)`;
    kill(failure('timeout', `error: ${message}`, message, performance.now() - started));
  }, job.timeoutMs);
  const onAbort = () => kill(failure('timeout', 'TypeScript transpile cancelled', 'cancelled', performance.now() - started));
  job.signal?.addEventListener('abort', onAbort, { once: true });
  deadlines.set(job, { timer, started, onAbort });
  thread.worker.postMessage({ sources: job.sources, options: job.options, fileName: job.fileName });
}

function finish(thread: TranspilerThread, result: OffThreadTranspileResult): void {
  const job = thread.job as Job;
  thread.job = undefined;
  const durationMs = performance.now() - (deadlines.get(job)?.started ?? performance.now());
  settle(job, () => job.resolve({ ...result, durationMs }));
  pump();
}

/** Clear a job's deadline and abort listener, then deliver its result. */
function settle(job: Job, deliver: () => void): void {
  const deadline = deadlines.get(job);
  if (deadline) {
    clearTimeout(deadline.timer);
    job.signal?.removeEventListener('abort', deadline.onAbort);
    deadlines.delete(job);
  }
  deliver();
}

function retire(thread: TranspilerThread): void {
  threads.delete(thread);
  void thread.worker.terminate();
}

/** The thread's side: load TypeScript, say so, then transpile whatever arrives. */
function serveTranspiles(): void {
  const port = parentPort;
  if (!port) return;
  // Load the compiler now, before any job's deadline runs.
  transpileTypescript('', { target: 'es2022', module: 'commonjs' });
  port.postMessage({ type: 'ready' } satisfies ThreadMessage);
  port.on('message', (job: { sources: string[]; options: TypescriptOptions; fileName: string }) => {
    try {
      const codes: string[] = [];
      for (const source of job.sources) {
        const result = transpileTypescript(source, job.options, job.fileName);
        if (!result.ok) {
          port.postMessage({ type: 'failed', diagnostics: result.diagnostics, message: `TypeScript transpile failed: ${result.diagnostics.split('\n')[0] ?? ''}` } satisfies ThreadMessage);
          return;
        }
        codes.push(result.code);
      }
      port.postMessage({ type: 'done', codes } satisfies ThreadMessage);
    } catch (error) {
      // TypeScript's parser recurses per nesting level: a program nested deeply enough overflows
      // the thread's stack. That is the program's doing: a compile error, never a host crash.
      const text = error instanceof RangeError ? 'the program nests too deeply for the TypeScript transpiler' : `the TypeScript transpiler failed on the program`;
      const reason = error instanceof Error ? error.message : String(error);
      port.postMessage({ type: 'failed', diagnostics: `${job.fileName}: error: ${text} (${reason})`, message: `${text} (${reason})` } satisfies ThreadMessage);
    }
  });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === THREAD_ROLE) serveTranspiles();
