import type { Task, TestCase } from '../schemas/task.ts';

/** What runs for one test of one sample. */
export interface AssembledProgram {
  /** The program: `codePrefix + completion`. */
  source: string;
  /**
   * Program tests: the test code, which runs after `source` in the same program (the sandbox
   * joins them with `joinProgram` and reports whether the test code ran to its end).
   */
  testCode?: string;
  /** Standard input (I/O tests). */
  stdin: string;
}

/**
 * The program for one test: `codePrefix + completion`, with the test's stdin for I/O tests or
 * the test's code for program tests. Dataset importers write `test.code` so that the joined
 * text reproduces their upstream harness exactly.
 */
export function assembleProgram(task: Task, completion: string, test: TestCase): AssembledProgram {
  const source = task.codePrefix + completion;
  if (test.kind === 'io') return { source, stdin: test.stdin };
  return { source, testCode: test.code, stdin: '' };
}
