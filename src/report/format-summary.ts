import type { PassAt1IntervalSummary, RunSummary } from '../schemas/sample-result.ts';
import { kOf, percent, rateWithInterval as passAt1Cell } from './report-figures.ts';

/** Order `[key, value]` entries of pass@k or pass^k by k. */
function byK([a]: [string, number], [b]: [string, number]): number {
  return kOf(a) - kOf(b);
}

/** `1 task`, `3 tasks`. */
function count(value: number, noun: string): string {
  return `${value} ${noun}${value === 1 ? '' : 's'}`;
}

/** How the interval was made, in words: `95% interval: Wilson score over 164 tasks`. */
function intervalMethod(summary: RunSummary, interval: PassAt1IntervalSummary): string {
  const scored = summary.perTask.filter((task) => task.samples > 0);
  const level = `${Math.round(interval.level * 100)}% interval`;
  if (interval.method === 'bootstrap') return `${level}: bootstrap over ${count(scored.length, 'task')}, ${interval.resamples ?? '?'} resamples`;
  // Wilson is over tasks, or over the samples of the only task.
  const only = scored.length === 1 ? scored[0]! : undefined;
  return only && only.samples > 1 ? `${level}: Wilson score over the ${only.samples} samples of 1 task` : `${level}: Wilson score over ${count(scored.length, 'task')}`;
}

/** pass@k values in k order, pass@1 with its interval: `pass@1 61.0% [53.3–68.1]  pass@10 80.0% (…)`. */
function passAtLine(summary: RunSummary): string {
  const entries = Object.entries(summary.passAt).sort(byK);
  if (entries.length === 0) return 'n/a (no sample scored)';
  const line = entries.map(([k, value]) => `${k} ${k === 'pass@1' ? passAt1Cell(value, summary.passAt1Interval) : percent(value)}`).join('  ');
  return summary.passAt1Interval ? `${line} (${intervalMethod(summary, summary.passAt1Interval)})` : line;
}

/** pass^k values in k order, or undefined when only pass^1 is known (it would repeat pass@1). */
function passHatLine(summary: RunSummary): string | undefined {
  const entries = Object.entries(summary.passHat).sort(byK);
  if (!entries.some(([k]) => k !== 'pass^1')) return undefined;
  return `${entries.map(([k, value]) => `${k} ${percent(value)}`).join('  ')} (every one of k samples passes)`;
}

/** pass@1 after each repair turn, `first answer 50.0%, after repair 1 75.0%`, or undefined without turns. */
function repairLine(summary: RunSummary): string | undefined {
  if (!summary.passAt1ByTurn || summary.passAt1ByTurn.length === 0) return undefined;
  return summary.passAt1ByTurn.map((value, turn) => `${turn === 0 ? 'first answer' : `after repair ${turn}`} ${percent(value)}`).join(', ');
}

/** A human-readable summary of one run, for the terminal. */
export function formatSummary(summary: RunSummary, folder?: string): string {
  const { samples } = summary;
  const passHat = passHatLine(summary);
  const repair = repairLine(summary);
  const lines = [
    `suite     ${summary.suite}`,
    `model     ${summary.model}`,
    `sandbox   ${summary.sandbox}`,
    `status    ${summary.complete ? 'complete' : `INCOMPLETE: ${samples.unscored} of ${samples.planned} samples not scored (engine errors ${samples.sandboxErrors}, model errors ${samples.modelErrors})`}`,
    `tasks     ${summary.tasks}, ${summary.tasksSolved} solved (every scored sample passed)`,
    `samples   ${samples.scored} scored of ${samples.planned} (${summary.samplesPerTask} per task): passed ${samples.passed}, failed ${samples.failed}` +
      (samples.scored > 0 ? ` (${percent(samples.passed / samples.scored)} of scored)` : ''),
    `pass@k    ${passAtLine(summary)}`,
    ...(passHat ? [`pass^k    ${passHat}`] : []),
    ...(repair ? [`repair    pass@1 ${repair}`] : []),
    ...(summary.meanScore
      ? [`score     mean ${summary.meanScore.mean.toFixed(3)} [${summary.meanScore.low.toFixed(3)}–${summary.meanScore.high.toFixed(3)}] (95% bootstrap interval over ${summary.meanScore.tasks} scored agent/answer tasks)`]
      : []),
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
  const ks = [...new Set(rows.flatMap((summary) => Object.keys(summary.passAt)))].sort((a, b) => kOf(a) - kOf(b));
  const header = ['suite', 'model', ...ks, 'scored', 'passed', 'failed', 'errors', 'status', 'started', 'run'];
  const body = rows.map((summary) => [
    summary.suite,
    summary.model,
    ...ks.map((k) => {
      const value = summary.passAt[k];
      if (value === undefined) return '-';
      return k === 'pass@1' ? passAt1Cell(value, summary.passAt1Interval) : percent(value);
    }),
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
