import { z } from 'zod';

/**
 * How a user program ended. User-code failure is data, never an exception:
 * - `ok`: ran to completion (exit code 0 / no uncaught error);
 * - `runtime-error`: non-zero exit, uncaught exception, killed by a signal;
 * - `timeout`: wall-clock or CPU-time limit;
 * - `memory-limit`: killed for memory (OOM killer, isolate heap limit);
 * - `output-limit`: more output than `maxOutputBytes`;
 * - `compile-error`: the compile / transpile step failed, the program never ran.
 */
export const executionStatusSchema = z.enum([
  'ok',
  'runtime-error',
  'timeout',
  'memory-limit',
  'output-limit',
  'compile-error',
]);
export type ExecutionStatus = z.infer<typeof executionStatusSchema>;

/** A file collected from the sandbox after a run. */
export const collectedFileSchema = z.object({
  /** Path relative to the work directory. */
  path: z.string(),
  /** Content, base64-encoded (files may be binary). */
  contentBase64: z.string().optional(),
  /** Why the file could not be collected (missing, a symlink, not a regular file, too large). */
  error: z.string().optional(),
});
export type CollectedFile = z.infer<typeof collectedFileSchema>;

/** The outcome of one compile step (when the language has one). */
export const compileResultSchema = z.object({
  status: executionStatusSchema,
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
});
export type CompileResult = z.infer<typeof compileResultSchema>;

/** One result shape for every outcome of one execution, whatever the backend. */
export const executionResultSchema = z.object({
  /** How the program ended. */
  status: executionStatusSchema,
  /** Process exit code (isolates: 0 on success, 1 on an uncaught error); null when killed. */
  exitCode: z.number().int().nullable(),
  /** Signal that killed the process, when one did. */
  signal: z.string().nullable().default(null),
  /** Captured standard output (UTF-8, invalid bytes replaced), capped. */
  stdout: z.string(),
  /** Captured standard error, capped. */
  stderr: z.string(),
  /** True when stdout was cut at the output cap. */
  stdoutTruncated: z.boolean(),
  /** True when stderr was cut at the output cap. */
  stderrTruncated: z.boolean(),
  /** Wall-clock duration of the run step in milliseconds. */
  durationMs: z.number().nonnegative(),
  /** CPU time used in milliseconds, when the backend can measure it. */
  cpuTimeMs: z.number().nonnegative().nullable(),
  /** Peak (or final) memory in bytes, when the backend can measure it. */
  memoryBytes: z.number().nonnegative().nullable(),
  /** Short human-readable explanation of a non-`ok` status (the exception, the limit hit). */
  message: z.string().optional(),
  /** The compile step, for compiled languages. */
  compile: compileResultSchema.optional(),
  /**
   * For runs with test code (`SandboxRunRequest.testCode`): whether the test code ran to its
   * end. Absent when there was no test code or the backend cannot tell (C, C++).
   */
  testCompleted: z.boolean().optional(),
  /** Files collected after the run, when requested. */
  files: z.array(collectedFileSchema).optional(),
  /** Which backend ran it (`isolate`, `docker`, or a user-supplied backend's name). */
  backend: z.string(),
});
export type ExecutionResult = z.infer<typeof executionResultSchema>;

/**
 * The result of an execution that produced nothing of its own — it never ran (a compile
 * error), was cancelled, or was lost with its worker — with `overrides` for what is known.
 */
export function emptyExecutionResult(
  backend: string,
  status: ExecutionStatus,
  message: string,
  overrides: Partial<ExecutionResult> = {},
): ExecutionResult {
  return {
    status,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 0,
    cpuTimeMs: null,
    memoryBytes: null,
    message,
    backend,
    ...overrides,
  };
}
