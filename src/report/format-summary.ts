import type { RunSummary } from '../schemas/sample-result.ts';

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** A human-readable summary of one run, for the terminal. */
export function formatSummary(summary: RunSummary, folder?: string): string {
  const scored = summary.passed + summary.failed;
  const lines = [
    `suite     ${summary.suite}`,
    `model     ${summary.model}`,
    `sandbox   ${summary.sandbox}`,
    `tasks     ${summary.tasks} (${summary.tasksPassed} fully passed)`,
    `samples   ${summary.samples}: passed ${summary.passed}, failed ${summary.failed}, sandbox errors ${summary.errors}` +
      (scored > 0 ? ` (${percent(summary.passed / scored)} of scored)` : ''),
    `pass@k    ${Object.entries(summary.passAt).map(([k, v]) => `${k} ${percent(v)}`).join('  ') || 'n/a'}`,
    `verdicts  ${Object.entries(summary.verdicts).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `tokens    in ${summary.usage.inputTokens}, out ${summary.usage.outputTokens}`,
    `time      ${(summary.durationMs / 1000).toFixed(2)} s`,
  ];
  if (folder) lines.push(`journal   ${folder}`);
  return lines.join('\n') + '\n';
}

/** A leaderboard of several runs, best pass@1 first. */
export function formatLeaderboard(summaries: readonly RunSummary[]): string {
  const rows = [...summaries].sort((a, b) => (b.passAt['pass@1'] ?? 0) - (a.passAt['pass@1'] ?? 0));
  const header = ['model', 'suite', 'sandbox', 'tasks', 'pass@1', 'pass@10', 'passed', 'failed', 'errors', 'time s'];
  const body = rows.map((summary) => [
    summary.model,
    summary.suite,
    summary.sandbox,
    String(summary.tasks),
    summary.passAt['pass@1'] === undefined ? '-' : percent(summary.passAt['pass@1']),
    summary.passAt['pass@10'] === undefined ? '-' : percent(summary.passAt['pass@10']),
    String(summary.passed),
    String(summary.failed),
    String(summary.errors),
    (summary.durationMs / 1000).toFixed(1),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((row) => row[column]!.length)));
  const render = (row: string[]): string => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...body.map(render)].join('\n') + '\n';
}
