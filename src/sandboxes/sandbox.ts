import type { ExecutionLimitsInput } from '../schemas/limits.ts';
import type { ExecutionResult } from '../schemas/execution-result.ts';
import type { Language, TypescriptOptions } from '../schemas/task.ts';

/** One program to execute. */
export interface SandboxRunRequest {
  /** Language of `source`; the backend must list it in `capabilities.languages`. */
  language: Language;
  /** The program's main source file content. */
  source: string;
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
  /** Work-directory paths to read back after the run (never following links out of it). */
  collectFiles?: string[];
  /** Cancels the execution; the result is then a `timeout` with a message saying so. */
  signal?: AbortSignal;
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
  /** Backend name: `isolate`, `docker`, `process`, or a user-supplied one. */
  readonly name: string;
  readonly capabilities: SandboxCapabilities;
  run(request: SandboxRunRequest): Promise<ExecutionResult>;
  dispose(): Promise<void>;
}
