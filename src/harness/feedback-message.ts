import type { TestVerdict } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';

/** Characters of a failing test's output sent back to the model. */
export const FEEDBACK_OUTPUT_CHARS = 2000;

function cap(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n… [${text.length - limit} more characters cut]`;
}

/**
 * The user message of a repair turn (`--feedback-turns`): the first test that did not pass, with
 * its reason and output, capped, and the request for a corrected answer in the same form.
 */
export function feedbackMessage(task: Task, verdicts: readonly TestVerdict[]): string {
  const failing = verdicts.find((verdict) => verdict.verdict !== 'passed');
  const lines: string[] = [];
  if (failing === undefined) {
    lines.push('Your answer did not pass the tests.');
  } else {
    const name = failing.name ? ` (${failing.name})` : '';
    lines.push(`Your answer did not pass test ${failing.testIndex + 1} of ${task.tests.length}${name}: ${failing.verdict}.`);
    if (failing.reason) lines.push('', 'Reason:', cap(failing.reason, FEEDBACK_OUTPUT_CHARS));
    const execution = failing.execution;
    if (execution?.stdout) lines.push('', 'Standard output:', cap(execution.stdout, FEEDBACK_OUTPUT_CHARS));
    if (execution?.stderr) lines.push('', 'Standard error:', cap(execution.stderr, FEEDBACK_OUTPUT_CHARS));
  }
  lines.push('', 'Fix the code. Reply with the complete corrected code in one fenced code block.');
  return lines.join('\n');
}
