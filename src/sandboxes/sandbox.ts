import type { ExecutionLimitsInput } from '../schemas/limits.ts';
import type { CollectedFile, ExecutionResult } from '../schemas/execution-result.ts';
import type { Language, TypescriptOptions } from '../schemas/task.ts';

/** One program to execute. */
export interface SandboxRunRequest {
  /** Language of `source`; the backend must list it in `capabilities.languages`. */
  language: Language;
  /** The program's main source file content. */
  source: string;
  /**
   * Test code that runs after `source`, in the same program and scope (HumanEval-style program
   * tests). The program's text is `joinProgram(source, testCode)`. The backend reports in
   * `ExecutionResult.testCompleted` whether the test code ran to its end, by a signal the
   * program cannot produce (the isolate evaluates it as its own script) or can produce only by
   * attacking the harness itself (processes; see the README).
   */
  testCode?: string;
  /** Extra files placed in the work directory beside the source (relative path → content). */
  files?: Record<string, string | Uint8Array>;
  /** Standard input for the program. */
  stdin?: string;
  /** Limits of the run step (defaults filled by `resolveLimits`). */
  limits?: ExecutionLimitsInput;
  /** Limits of the compile step, for languages that have one. */
  compileLimits?: ExecutionLimitsInput;
  /** TypeScript transpile options (TypeScript only). */
  typescript?: TypescriptOptions;
  /**
   * A named variant of the language's runtime profile (a dataset harness's compile flags and
   * layout); a backend without it refuses the request (`unsupported`).
   */
  variant?: string;
  /** Work-directory paths to read back after the run (never following links out of it). */
  collectFiles?: string[];
  /** Cancels the execution; the result is then a `timeout` with a message saying so. */
  signal?: AbortSignal;
}

/**
 * One program run once per standard input, compiled (or transpiled) once: I/O tests of one
 * answer. Each run is as isolated from the others as separate `run` calls would be.
 */
export interface SandboxBatchRequest extends Omit<SandboxRunRequest, 'stdin' | 'testCode' | 'collectFiles'> {
  /** One run per entry, in order, each with this standard input. */
  stdins: string[];
}

/**
 * Opens a session: one sandbox that lives for an agent episode, its work directory and (for the
 * isolate) its global scope kept between calls, with the same hardening as one-shot runs.
 */
export interface SandboxSessionOptions {
  /** Runtime whose image hosts the session (Docker: `python` gives bash + python3). */
  language: Language;
  /** Files placed in the work directory before the first call (relative path → content). */
  files?: Record<string, string | Uint8Array>;
  /**
   * Limits of the whole session's sandbox (memory, processes, disk of the work directory); the
   * runtime's defaults otherwise. Each call has its own `limits` for time and output.
   */
  limits?: ExecutionLimitsInput;
  /** Cancels opening the session. */
  signal?: AbortSignal;
}

/** One command run in a session's work directory. */
export interface SessionCommandRequest {
  /** Program and arguments, run directly (no shell unless `argv` names one: `['bash', '-c', …]`). */
  argv: string[];
  /** Standard input. */
  stdin?: string | Uint8Array;
  /** Limits of this command (timeout, CPU, output cap); the session's defaults fill the rest. */
  limits?: ExecutionLimitsInput;
  /** Cancels the command; the result is then a `timeout` saying so. */
  signal?: AbortSignal;
}

/** JavaScript evaluated in a session's persistent context (its globals survive between calls). */
export interface SessionEvaluateRequest {
  /** Script text; what it prints (console.log) is the result's stdout. */
  code: string;
  limits?: ExecutionLimitsInput;
  signal?: AbortSignal;
}

/**
 * A live session. Guest failures are data (`ExecutionResult.status`), engine faults throw
 * `SandboxError`. A backend implements the methods it can serve: Docker the commands and files,
 * the isolate `evaluate`. `dispose` is idempotent, removes everything the session made, and
 * belongs in a `finally`.
 */
export interface SandboxSession {
  /** Backend name (`docker`, `isolate`). */
  readonly backend: string;
  /** Runs a command in the work directory; its effects on files persist for later calls. */
  runCommand?(request: SessionCommandRequest): Promise<ExecutionResult>;
  /** Evaluates JavaScript in the session's context. */
  evaluate?(request: SessionEvaluateRequest): Promise<ExecutionResult>;
  /**
   * Reads work-directory files (relative paths), at most `maxBytes` each, never following a link
   * out of the work directory; a missing or unreadable file is an entry with `error`.
   */
  readFiles?(paths: string[], maxBytes?: number): Promise<CollectedFile[]>;
  /** Writes files into the work directory (relative paths; folders created). */
  writeFiles?(files: Record<string, string | Uint8Array>): Promise<void>;
  dispose(): Promise<void>;
}

/** What a backend can do; the harness refuses a task a backend cannot serve. */
export interface SandboxCapabilities {
  /** Languages this backend runs. */
  languages: readonly Language[];
  /** Whether guest code can start processes. */
  processes: boolean;
  /** Whether guest code sees a filesystem (work directory, collected files). */
  filesystem: boolean;
}

/**
 * The sandbox contract. `run` returns user-code failures as data (`ExecutionResult.status`)
 * and throws `SandboxError` only for engine faults. `dispose` is idempotent and belongs in a
 * `finally`.
 */
export interface Sandbox {
  /** Backend name: `isolate`, `docker`, or a user-supplied one. */
  readonly name: string;
  readonly capabilities: SandboxCapabilities;
  run(request: SandboxRunRequest): Promise<ExecutionResult>;
  /**
   * Optional: run one program once per stdin, compiling it once. One result per stdin, in
   * order; a compile error is every run's result. Without it the harness calls `run` per stdin.
   */
  runBatch?(request: SandboxBatchRequest): Promise<ExecutionResult[]>;
  /**
   * Optional: check now that this backend can serve these languages (engine reachable, images
   * present) and start what it needs. Throws a `SandboxError` whose message gives the fixing
   * command. The harness calls it before a run's first sample.
   */
  warmUp?(languages: readonly Language[]): Promise<void>;
  /**
   * Optional: what a run's manifest should record about this backend for these languages, so
   * the run can be reproduced (e.g. the Docker image ids).
   */
  describe?(languages: readonly Language[]): Promise<Record<string, unknown>>;
  /**
   * Optional: open a session that lives for an agent episode (see `SandboxSession`). Backends
   * without it cannot host agent tasks' tools.
   */
  openSession?(options: SandboxSessionOptions): Promise<SandboxSession>;
  dispose(): Promise<void>;
}

/**
 * The text of a program with its test code: `source + testCode`, with a newline between them
 * only where neither side supplies one (so a hand-written test's first line never fuses with
 * the answer's last, while dataset importers that write exact upstream text are reproduced
 * byte for byte). `testOffset` is where the test code starts in `text`.
 */
export function joinProgram(source: string, testCode: string | undefined): { text: string; testOffset: number } {
  if (testCode === undefined) return { text: source, testOffset: source.length };
  const separator = source === '' || source.endsWith('\n') || testCode.startsWith('\n') ? '' : '\n';
  const text = source + separator + testCode;
  return { text, testOffset: source.length + separator.length };
}
