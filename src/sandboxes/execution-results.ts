/**
 * The results every backend builds the same way: a program that never ran because its compile
 * step failed, a run the caller cancelled, and a run lost with the worker or container that ran
 * it. A backend passes its own name and the facts it has; the shape is decided here, so these
 * outcomes read alike whatever ran them.
 */
import { emptyExecutionResult, type CollectedFile, type CompileResult, type ExecutionResult, type ExecutionStatus } from '../schemas/execution-result.ts';

/** Longest `ExecutionResult.message` kept, in characters. */
export const MESSAGE_CHARS = 4096;

/**
 * A message cut to `MESSAGE_CHARS`, saying how much was cut. Messages often carry text the guest
 * chose (an exception's, a compiler's echo of the source): it is capped like the output.
 */
export function capMessage(message: string): string {
  return message.length <= MESSAGE_CHARS ? message : `${message.slice(0, MESSAGE_CHARS)}… (${message.length - MESSAGE_CHARS} more characters)`;
}

/** What a backend knows of an execution that ended before producing anything of its own. */
export interface ExecutionFacts {
  /** Wall-clock milliseconds of the run step until it ended; 0 (the default) when it never started. */
  durationMs?: number;
  /** The compile step, when the language has one and it ran (its own status, output and time). */
  compile?: CompileResult;
  /** The files the request asked to collect, each with its content or why it could not be collected. */
  files?: CollectedFile[];
  /** Whether the request had test code: the result then says the test code did not run to its end. */
  hasTestCode?: boolean;
}

/** The facts as result fields: each one only when known. */
function factFields(facts: ExecutionFacts): Partial<ExecutionResult> {
  return {
    ...(facts.durationMs !== undefined ? { durationMs: Math.max(0, facts.durationMs) } : {}),
    ...(facts.compile ? { compile: { ...facts.compile } } : {}),
    ...(facts.files ? { files: facts.files.map((file) => ({ ...file })) } : {}),
    ...(facts.hasTestCode ? { testCompleted: false } : {}),
  };
}

/**
 * The program never ran: its compile (or transpile) step failed. The status is `compile-error`
 * whatever stopped the step — the compiler refused the program, crashed, or hit a limit — since
 * the program itself did nothing; the compile step keeps its own status (`timeout`,
 * `memory-limit`, `output-limit`, or `compile-error`), and the message says which. The step's
 * stderr is the result's stderr; the run step took no time.
 */
export function compileErrorResult(
  backend: string,
  compile: CompileResult,
  facts: Omit<ExecutionFacts, 'compile' | 'durationMs'> & {
    /** One line on why, for `ExecutionResult.message` (capped). */
    message: string;
    /** Whether the compile step's stderr was cut at the output cap. */
    stderrTruncated?: boolean;
  },
): ExecutionResult {
  // A compiler that exited non-zero or crashed refused the program; one stopped at a limit says so.
  const stepStatus: ExecutionStatus = compile.status === 'ok' || compile.status === 'runtime-error' ? 'compile-error' : compile.status;
  return emptyExecutionResult(backend, 'compile-error', capMessage(facts.message), {
    stderr: compile.stderr,
    stderrTruncated: facts.stderrTruncated ?? false,
    ...factFields({ ...facts, compile: { ...compile, status: stepStatus } }),
    durationMs: 0,
  });
}

/**
 * The caller cancelled the execution (its AbortSignal fired): a `timeout` whose message says
 * so (`cancelled`, or a longer message that starts with it), with no output of its own.
 */
export function cancelledResult(backend: string, facts: ExecutionFacts & { message?: string } = {}): ExecutionResult {
  const message = facts.message ?? 'cancelled';
  return emptyExecutionResult(backend, 'timeout', capMessage(message), factFields(facts));
}

/**
 * The run was lost with the worker or container that ran it (killed past its deadline, out of
 * memory, crashed): `status` is what the loss says of the program, `message` how it was lost.
 * Whatever the program printed was lost with it.
 */
export function lostResult(backend: string, status: ExecutionStatus, message: string, facts: ExecutionFacts = {}): ExecutionResult {
  return emptyExecutionResult(backend, status, capMessage(message), factFields(facts));
}
