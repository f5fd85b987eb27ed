import type { RunSummary } from '../schemas/sample-result.ts';

/** A rate as a percentage with one decimal. */
function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** pass@k values in k order, `pass@1 61.2%  pass@10 80.0%`. */
function passAtLine(passAt: Record<string, number>): string {
  const entries = Object.entries(passAt).sort(([a], [b]) => Number(a.slice(5)) - Number(b.slice(5)));
  return entries.map(([k, value]) => `${k} ${percent(value)}`).join('  ') || 'n/a (no sample scored)';
}

/** A human-readable summary of one run, for the terminal. */
export function formatSummary(summary: RunSummary, folder?: string): string {
  const { samples } = summary;
  const lines = [
    `suite     ${summary.suite}`,
    `model     ${summary.model}`,
    `sandbox   ${summary.sandbox}`,
    `status    ${summary.complete ? 'complete' : `INCOMPLETE: ${samples.unscored} of ${samples.planned} samples not scored (engine errors ${samples.sandboxErrors}, model errors ${samples.modelErrors})`}`,
    `tasks     ${summary.tasks}, ${summary.tasksSolved} solved (every scored sample passed)`,
    `samples   ${samples.scored} scored of ${samples.planned} (${summary.samplesPerTask} per task): passed ${samples.passed}, failed ${samples.failed}` +
      (samples.scored > 0 ? ` (${percent(samples.passed / samples.scored)} of scored)` : ''),
    `pass@k    ${passAtLine(summary.passAt)}`,
    `tests     ${Object.entries(summary.testVerdicts).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none'} (verdicts of each test of each scored sample)`,
    `tokens    in ${summary.usage.inputTokens}, out ${summary.usage.outputTokens}`,
    `time      ${(summary.durationMs / 1000).toFixed(2)} s`,
  ];
  if (folder) lines.push(`journal   ${folder}`);
  return lines.join('\n') + '\n';
}

/**
 * A leaderboard of several runs: by suite, best pass@1 first (ties by model name). An incomplete
 * run says so in its status column and never passes for a finished one.
 */
export function formatLeaderboard(summaries: readonly RunSummary[]): string {
  const rows = [...summaries].sort(
    (a, b) =>
      a.suite.localeCompare(b.suite) ||
      (b.passAt['pass@1'] ?? -1) - (a.passAt['pass@1'] ?? -1) ||
      a.model.localeCompare(b.model) ||
      a.runId.localeCompare(b.runId),
  );
  const ks = [...new Set(rows.flatMap((summary) => Object.keys(summary.passAt)))].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const header = ['suite', 'model', ...ks, 'scored', 'passed', 'failed', 'errors', 'status', 'started', 'run'];
  const body = rows.map((summary) => [
    summary.suite,
    summary.model,
    ...ks.map((k) => (summary.passAt[k] === undefined ? '-' : percent(summary.passAt[k]))),
    `${summary.samples.scored}/${summary.samples.planned}`,
    String(summary.samples.passed),
    String(summary.samples.failed),
    String(summary.samples.sandboxErrors + summary.samples.modelErrors),
    summary.complete ? 'complete' : `INCOMPLETE (${summary.samples.unscored} unscored)`,
    summary.startedAt.slice(0, 16).replace('T', ' '),
    summary.runId,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((row) => row[column]!.length)));
  const render = (row: string[]): string => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...body.map(render)].join('\n') + '\n';
}
