import { errorMessage } from '../errors/sandbench-error.ts';
import type { ExecutionResult, ExecutionStatus } from '../schemas/execution-result.ts';
import type { TestVerdict, Verdict } from '../schemas/sample-result.ts';
import type { Comparator, ProgramTest, TestCase } from '../schemas/task.ts';
import { compareOutput } from './compare-output.ts';
import { quoteExcerpt } from './line-diff.ts';

/** Characters of stdout and of stderr kept in a verdict's `execution` (head and tail). */
export const VERDICT_OUTPUT_CHARS = 2048;

/** Longest stderr excerpt in a reason, in characters. */
const REASON_CHARS = 500;

/** Longest verdict reason of any origin (diffs, exception text), in characters. */
export const MAX_REASON_CHARS = 1000;

/** The comparator used for I/O tests when neither the test nor the task names one. */
export const DEFAULT_COMPARATOR: Comparator = 'trim';

/** Non-`ok` execution statuses map to the verdict of the same name. */
const STATUS_VERDICT: Record<Exclude<ExecutionStatus, 'ok'>, Verdict> = {
  'runtime-error': 'runtime-error',
  timeout: 'timeout',
  'memory-limit': 'memory-limit',
  'output-limit': 'output-limit',
  'compile-error': 'compile-error',
};

/** Fallback reasons when the backend gave no message and stderr is empty. */
const STATUS_FALLBACK: Record<Exclude<ExecutionStatus, 'ok'>, string> = {
  'runtime-error': 'the program failed',
  timeout: 'time limit exceeded',
  'memory-limit': 'memory limit exceeded',
  'output-limit': 'output limit exceeded',
  'compile-error': 'compilation failed',
};

/** Never cut a UTF-16 surrogate pair in two. */
function safeCut(text: string, index: number): number {
  const code = text.charCodeAt(index - 1);
  return code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

/**
 * Keep the head and the tail of a long output: the head shows what the program did first,
 * the tail holds the traceback or the last assertion message.
 */
export function truncateMiddle(text: string, maxChars = VERDICT_OUTPUT_CHARS): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  const headEnd = safeCut(text, half);
  const tailStart = safeCut(text, text.length - half);
  const omitted = tailStart - headEnd;
  return `${text.slice(0, headEnd)}\n… [${omitted} characters omitted] …\n${text.slice(tailStart)}`;
}

function truncateEnd(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, safeCut(text, maxChars))}…`;
}

// An exception line: `AssertionError`, `ZeroDivisionError: division by zero`,
// `AssertionError [ERR_ASSERTION]: …`, `error: expected ';'` — not an indented stack frame.
const ERROR_LINE = /^(?:[\w.$]*(?:Error|Exception|Interrupt)\b|error\b|fatal error\b|[^\s:]+:\d+(?::\d+)?: (?:fatal )?error\b)/;

/**
 * The most telling part of stderr: the last line that names an exception or a compiler error
 * (the last lines of a Node stack trace are frames and `Node.js v24…`, of a Python traceback the
 * exception), else the last three non-empty lines.
 */
export function summarizeStderr(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  if (lines.length === 0) return undefined;
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index] as string;
    if (ERROR_LINE.test(line)) return truncateEnd(line, REASON_CHARS);
  }
  return truncateEnd(lines.slice(-3).join('\n'), REASON_CHARS);
}

/** Why a non-`ok` execution failed: the backend's message, plus the error line of stderr when it adds something. */
function failureReason(execution: ExecutionResult, status: Exclude<ExecutionStatus, 'ok'>): string {
  const stderr = status === 'compile-error' && execution.compile ? execution.compile.stderr || execution.compile.stdout : execution.stderr;
  const fromStderr = summarizeStderr(stderr) ?? (status === 'compile-error' ? summarizeStderr(execution.stderr) : undefined);
  const message = execution.message?.trim();
  if (message) return fromStderr && !message.includes(fromStderr) ? `${message}: ${fromStderr}` : message;
  if (fromStderr) return fromStderr;
  if (status === 'runtime-error') {
    if (execution.signal) return `killed by ${execution.signal}`;
    if (execution.exitCode !== null) return `exit code ${execution.exitCode}`;
  }
  return STATUS_FALLBACK[status];
}

/** The first non-blank line of some output, quoted, for `exit-zero-silent` failures. */
function firstOutputLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '');
  return quoteExcerpt(line ?? text);
}

/** The journal copy of an execution: outputs cut to `VERDICT_OUTPUT_CHARS` each. */
function verdictExecution(execution: ExecutionResult): NonNullable<TestVerdict['execution']> {
  return {
    status: execution.status,
    exitCode: execution.exitCode,
    stdout: truncateMiddle(execution.stdout),
    stderr: truncateMiddle(execution.stderr),
    durationMs: execution.durationMs,
  };
}

/** The test code ended the program with its wrong-answer exit code (not a signal, not a limit). */
function reportsWrongAnswer(test: ProgramTest, execution: ExecutionResult): boolean {
  return test.wrongAnswerExitCode !== undefined && execution.status === 'runtime-error' && execution.exitCode === test.wrongAnswerExitCode;
}

/** The last non-blank line of some output, cut to a reason's length. */
function lastLine(text: string): string | undefined {
  const line = text.split('\n').findLast((candidate) => candidate.trim() !== '');
  return line === undefined ? undefined : truncateEnd(line.trim(), REASON_CHARS);
}

/**
 * Judge one execution against one test. `ok` runs are compared (I/O tests: stdout under the
 * test's comparator, else the task's, else `trim`) or accepted (program tests; with
 * `passWhen: 'exit-zero-silent'` only when nothing was written to stdout or stderr). Other
 * statuses become the verdict of the same name, with the backend's message or stderr as reason.
 * A program test whose run reports `testCompleted: false` fails: the program ended before its
 * test code did. A program test with `wrongAnswerExitCode` whose run exits with that code fails
 * (`failed`, not `runtime-error`): its test code found the answer's result wrong.
 * `testIndex` defaults to 0: callers that judge many tests pass it (or spread it in).
 */
export function judgeTest(test: TestCase, execution: ExecutionResult, taskComparator?: Comparator, testIndex = 0): TestVerdict {
  const base: TestVerdict = { testIndex, verdict: 'passed' };
  if (test.name !== undefined) base.name = test.name;
  const finish = (verdict: Verdict, reason?: string): TestVerdict => ({
    ...base,
    verdict,
    // Reasons quote program output and exception text: keep journal lines small.
    ...(reason === undefined ? {} : { reason: truncateMiddle(reason, MAX_REASON_CHARS) }),
    execution: verdictExecution(execution),
  });

  if (test.kind === 'program' && reportsWrongAnswer(test, execution)) return finish('failed', lastLine(execution.stderr) ?? 'wrong answer');
  if (execution.status !== 'ok') return finish(STATUS_VERDICT[execution.status], failureReason(execution, execution.status));

  if (test.kind === 'io') {
    const comparison = compareOutput(execution.stdout, test.stdout, test.comparator ?? taskComparator ?? DEFAULT_COMPARATOR);
    if (comparison.passed) return finish('passed');
    // A cut stdout explains a mismatch better than the diff of its last line.
    const cut = execution.stdoutTruncated ? ' (stdout was truncated at the output cap)' : '';
    return finish('failed', `${comparison.reason ?? 'output differs'}${cut}`);
  }

  // The backend saw the program end before its test code did (an answer that exits early).
  if (execution.testCompleted === false) {
    return finish('failed', 'the program ended before its test code finished (did the answer exit early?)');
  }
  if (test.passWhen === 'exit-zero-silent') {
    // Upstream HumanEval-X: `console.assert` prints instead of throwing, so any output fails.
    if (execution.stderr !== '') return finish('failed', `wrote to stderr: ${firstOutputLine(execution.stderr)}`);
    if (execution.stdout !== '') return finish('failed', `wrote to stdout: ${firstOutputLine(execution.stdout)}`);
  }
  return finish('passed');
}

/**
 * The verdict for a test the engine could not run (daemon gone, worker lost): `sandbox-error`,
 * kept out of score denominators, never counted as the model failing.
 */
export function judgeSandboxError(testIndex: number, error: unknown, test?: TestCase): TestVerdict {
  const verdict: TestVerdict = { testIndex, verdict: 'sandbox-error', reason: errorMessage(error) };
  if (test?.name !== undefined) verdict.name = test.name;
  return verdict;
}
