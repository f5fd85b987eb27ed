import type { Language, Task, TestCase } from '../schemas/task.ts';

/** The program that runs for one test of one sample, and its stdin. */
export interface AssembledProgram {
  source: string;
  stdin: string;
  /**
   * For program tests: the line the program prints after the test code has run to its end.
   * Its absence means the program stopped early (e.g. the answer called `exit(0)` before the
   * tests ran), which must not count as passing. Undefined where no statement can simply be
   * appended (C, C++) or for I/O tests.
   */
  completionMarker?: string;
}

/** A statement printing `marker` on its own stdout line, or undefined where none can be appended. */
function markerStatement(language: Language, marker: string): string | undefined {
  switch (language) {
    case 'python':
      return `print(${JSON.stringify(marker)}, flush=True)`;
    case 'javascript':
    case 'typescript':
      return `console.log(${JSON.stringify(marker)});`;
    case 'bash':
      return `echo ${marker}`;
    case 'c':
    case 'cpp':
      return undefined;
  }
}

/**
 * Build the program for one test: `codePrefix + completion` for I/O tests, and
 * `codePrefix + completion + test.code` for program tests. Dataset importers write `test.code`
 * so that this plain concatenation reproduces their upstream harness exactly; a newline is
 * added only where neither side supplies one (hand-written tasks), so the test's first line
 * never fuses with the completion's last. With a `marker` (a fresh random word per run),
 * program tests end with a statement printing it, so that a program that ends before its
 * tests finish is caught.
 */
export function assembleProgram(task: Task, completion: string, test: TestCase, marker?: string): AssembledProgram {
  const candidate = task.codePrefix + completion;
  if (test.kind === 'io') return { source: candidate, stdin: test.stdin };
  const separator = candidate === '' || candidate.endsWith('\n') || test.code.startsWith('\n') ? '' : '\n';
  const source = candidate + separator + test.code;
  const statement = marker === undefined ? undefined : markerStatement(task.language, marker);
  if (statement === undefined) return { source, stdin: '' };
  return { source: `${source}${source.endsWith('\n') ? '' : '\n'}${statement}\n`, stdin: '', completionMarker: marker };
}
