import { randomBytes } from 'node:crypto';
import type { ExecutionResult } from '../schemas/execution-result.ts';
import type { Language } from '../schemas/task.ts';
import { joinProgram } from './sandbox.ts';

/**
 * A statement that prints `marker` on its own stdout line, for languages where one can simply
 * be appended after the test code; undefined elsewhere (C and C++ tests are `main` functions).
 */
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
    case 'java':
    case 'go':
    case 'rust':
      return undefined;
  }
}

/**
 * The program text for `source` + `testCode`, ending (where the language allows) with a
 * statement that prints a fresh random marker once the test code has run to its end.
 */
export function appendCompletionMarker(
  language: Language,
  source: string,
  testCode: string | undefined,
): { text: string; marker?: string } {
  const { text } = joinProgram(source, testCode);
  if (testCode === undefined) return { text };
  const marker = `__sandbench_done_${randomBytes(9).toString('hex')}__`;
  const statement = markerStatement(language, marker);
  if (statement === undefined) return { text };
  return { text: `${text}${text.endsWith('\n') ? '' : '\n'}${statement}\n`, marker };
}

/**
 * Read the marker off a result: `testCompleted` is true only when the marker is the last line
 * of stdout; the marker line is removed, since it is not the program's own output.
 */
export function takeCompletionMarker(result: ExecutionResult, marker: string | undefined): ExecutionResult {
  if (marker === undefined) return result;
  const line = marker + '\n';
  if (result.stdout.endsWith(line)) {
    return { ...result, stdout: result.stdout.slice(0, -line.length), testCompleted: true };
  }
  return { ...result, testCompleted: false };
}
