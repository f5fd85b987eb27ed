/**
 * Messages between the host (`IsolatePool`) and an isolate worker process. Only plain strings,
 * numbers and booleans cross: source text and stdin in, captured text and figures out.
 */

/** Marks the line a dying worker writes to stderr just before it kills itself. */
export const DEATH_MARK = 'sandbench-isolate-worker:';

/** Worker argument: it serves a short-lived host (see `IsolatePoolOptions.oneShot`). */
export const ONE_SHOT_ARGUMENT = '--one-shot';

/**
 * Worker argument: cap its own resident memory with a watchdog thread, for hosts that cannot read
 * it (no Linux `/proc`; see `ResidentMemoryWatch`).
 */
export const WATCH_OWN_MEMORY_ARGUMENT = '--watch-own-memory';

/** Limits as the worker applies them. */
export interface WorkerLimits {
  /** Wall clock for the whole execution (evaluation plus the guest's timers), less time the guest spent waiting for a CPU. */
  timeoutMs: number;
  /** CPU time of the thread(s) running the guest. */
  cpuTimeMs: number;
  /** Isolate `memoryLimit`, in MiB. */
  memoryMb: number;
  /** Cap on stdout plus stderr, in bytes. */
  maxOutputBytes: number;
}

/** Host → worker: run one program in a fresh isolate. */
export interface RunMessage {
  type: 'run';
  id: number;
  /** JavaScript to evaluate: the program. */
  code: string;
  /**
   * JavaScript of the program's test code, run after `code` in the same context as a step of its
   * own, so the worker itself sees whether it returned (`ResultMessage.testCompleted`).
   */
  testCode?: string;
  /** Zero-based line where the test code starts in the joined program text (stack positions). */
  testLine?: number;
  /** `script`: CommonJS-style program; `module`: an ES module (`import` of built-in guest modules). */
  kind: 'script' | 'module';
  /** File name shown in stack traces. */
  filename: string;
  stdin: string;
  limits: WorkerLimits;
  /**
   * Evaluate `code` as a classic script in the worker's persistent session context (made on the
   * first such run, or again after a limit discarded it) instead of a fresh isolate: its globals
   * survive for the next session run. Never with `testCode`; `kind` must be `script`.
   */
  session?: boolean;
}

/** Host → worker: stop the current run (the request's AbortSignal fired). */
export interface CancelMessage {
  type: 'cancel';
  id: number;
}

export type HostMessage = RunMessage | CancelMessage;

/** How a guest run ended, as the worker saw it. */
export type WorkerStatus = 'ok' | 'runtime-error' | 'timeout' | 'memory-limit' | 'output-limit';

/** Worker → host: the outcome of one run. */
export interface ResultMessage {
  type: 'result';
  id: number;
  status: WorkerStatus;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
  cpuTimeMs: number | null;
  memoryBytes: number | null;
  message?: string;
  /** For runs with test code: whether the test code's own step returned and the run then ended normally. */
  testCompleted?: boolean;
  /** Where the worker's time went, in milliseconds (logged by the pool at trace level). */
  phases: RunPhases;
  /**
   * The worker's resident memory, in bytes, when this run's guest started (its fresh isolate
   * included, nothing of the guest's yet): the host caps the worker's next run from it.
   */
  residentBytes: number;
  /**
   * Session runs: true when this run got a fresh context because the worker discarded the
   * session's previous one (a limit, `process.exit` or a cancel ended the run that used it).
   */
  contextReset?: boolean;
}

/** Worker-side timings of one run. */
export interface RunPhases {
  /** Making the isolate, context and prelude this run used (done ahead of the run when possible). */
  prepareMs: number;
  /** Whether that preparation happened ahead of the run (off its critical path). */
  preparedAhead: boolean;
  /** Compiling the program. */
  compileMs: number;
  /** Evaluating it, microtasks included. */
  evaluateMs: number;
  /** Draining the guest's timer queue. */
  drainMs: number;
  /** Total time inside `execute`. */
  totalMs: number;
  /** 1, or 2 when the first attempt was cut before reaching a limit and the run was done again, measured as it went. */
  attempts: number;
}

/** Worker → host: the worker loaded isolated-vm and accepts runs. */
export interface ReadyMessage {
  type: 'ready';
  /** Whether its isolates start from a prelude snapshot it made (else each one installs the prelude). */
  snapshot: boolean;
  /** Whether it made a throwaway run to take the one-off costs of a first run. */
  warmUp: boolean;
  /** Milliseconds from the process's start to this message. */
  startMs: number;
}

/** Worker → host: isolated-vm reported a catastrophic error; the worker exits right after. */
export interface FatalMessage {
  type: 'fatal';
  message: string;
}

/** Worker → host: the run could not be carried out for a reason that is not the guest's. */
export interface FailureMessage {
  type: 'failure';
  id: number;
  message: string;
}

/**
 * Worker → host: the run is being done again (its first attempt was cut before reaching a
 * limit, typically starved of CPU); wait up to `timeoutMs` more for it instead of the plain limit.
 */
export interface ExtendMessage {
  type: 'extend';
  id: number;
  timeoutMs: number;
}

export type WorkerMessage = ResultMessage | ReadyMessage | FatalMessage | FailureMessage | ExtendMessage;
