import type { Task, TestCase } from '../schemas/task.ts';

/** The program that runs for one test of one sample, and its stdin. */
export interface AssembledProgram {
  source: string;
  stdin: string;
}

/**
 * Build the program for one test: `codePrefix + completion` for I/O tests, and
 * `codePrefix + completion + test.code` for program tests. Dataset importers write `test.code`
 * so that this plain concatenation reproduces their upstream harness exactly; a newline is
 * added only where neither side supplies one (hand-written tasks), so the test's first line
 * never fuses with the completion's last.
 */
export function assembleProgram(task: Task, completion: string, test: TestCase): AssembledProgram {
  const candidate = task.codePrefix + completion;
  if (test.kind === 'io') return { source: candidate, stdin: test.stdin };
  const separator = candidate === '' || candidate.endsWith('\n') || test.code.startsWith('\n') ? '' : '\n';
  return { source: candidate + separator + test.code, stdin: '' };
}
