import type { LeaderboardRow, ModelComparison, ReportData, SuiteReport } from './report-data.ts';
import { dollars, kOf, percent, rateWithInterval } from './report-figures.ts';

/** Every pass@k key of a suite's rows, in k order. */
function passAtKeys(suite: SuiteReport): string[] {
  return [...new Set(suite.leaderboard.flatMap((row) => Object.keys(row.passAt)))].sort((a, b) => kOf(a) - kOf(b));
}

/** `61.0% [53.3–68.1]`. */
function passAt1Cell(row: LeaderboardRow): string {
  const value = row.passAt['pass@1'];
  return value === undefined ? '-' : rateWithInterval(value, row.passAt1Interval);
}

function passAtCell(row: LeaderboardRow, key: string): string {
  if (key === 'pass@1') return passAt1Cell(row);
  const value = row.passAt[key];
  return value === undefined ? '-' : percent(value);
}

function milliseconds(value: number | undefined): string {
  if (value === undefined) return '-';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function costCell(value: number | undefined): string {
  return value === undefined ? '-' : dollars(value);
}

function statusCell(row: LeaderboardRow): string {
  return row.complete ? 'complete' : `INCOMPLETE (${row.unscored} of ${row.planned} unscored)`;
}

/** The leaderboard's cells, as text, for the table and Markdown. */
function leaderboardCells(suite: SuiteReport): { header: string[]; body: string[][] } {
  const keys = passAtKeys(suite);
  const header = ['model', 'runs', 'samples', ...keys, 'passed', 'failed', 'model errors', 'sandbox errors', 'tokens in/out', 'cost', 'latency p50', 'p95', 'status', 'started', 'run'];
  const body = suite.leaderboard.map((row) => [
    row.model,
    String(row.runIds.length),
    `${row.scored}/${row.planned}`,
    ...keys.map((key) => passAtCell(row, key)),
    String(row.passed),
    String(row.failed),
    String(row.modelErrors),
    String(row.sandboxErrors),
    `${row.inputTokens}/${row.outputTokens}`,
    costCell(row.costUsd),
    milliseconds(row.latencyP50Ms),
    milliseconds(row.latencyP95Ms),
    statusCell(row),
    row.startedAt.slice(0, 16).replace('T', ' '),
    row.runIds.join(', '),
  ]);
  return { header, body };
}

/** Align columns with two spaces between them. */
function alignColumns(header: string[], body: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((row) => row[column]!.length)));
  const render = (row: string[]): string => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...body.map(render)];
}

/** `a, b, c and 12 more`. */
function listIds(ids: readonly string[], most = 12): string {
  if (ids.length === 0) return 'none';
  const shown = ids.slice(0, most).join(', ');
  return ids.length > most ? `${shown} and ${ids.length - most} more` : shown;
}

/** `(and 2 private)` for hidden tasks in a comparison list. */
function hiddenNote(count: number): string {
  return count > 0 ? ` (and ${count} private)` : '';
}

/** What one suite's heading says: its models, tasks and hidden tasks. */
function suiteHeading(suite: SuiteReport): string {
  const models = `${suite.models.length} model${suite.models.length === 1 ? '' : 's'}`;
  const total = suite.tasks.length + suite.hiddenTasks;
  const hidden = suite.hiddenTasks > 0 ? `, ${suite.hiddenTasks} private hidden` : '';
  return `${suite.suite}: ${models}, ${total} tasks${hidden}`;
}

/** Comparison lines for the terminal and Markdown. */
function comparisonLines(suite: SuiteReport, comparison: ModelComparison, bullet: string, code: (text: string) => string): string[] {
  const a = suite.models[comparison.a]!;
  const b = suite.models[comparison.b]!;
  return [
    `${bullet}${code(a)} vs ${code(b)}: ${comparison.verdict}`,
    `${bullet}  only ${code(a)} solves (${comparison.onlyA.length + comparison.hiddenOnlyA}): ${listIds(comparison.onlyA.map(code), 20)}${hiddenNote(comparison.hiddenOnlyA)}`,
    `${bullet}  only ${code(b)} solves (${comparison.onlyB.length + comparison.hiddenOnlyB}): ${listIds(comparison.onlyB.map(code), 20)}${hiddenNote(comparison.hiddenOnlyB)}`,
    `${bullet}  both solve ${comparison.bothSolved}, neither ${comparison.neitherSolved}, of ${comparison.tasksCompared} tasks scored for both`,
  ];
}

/** The per-task matrix as aligned text. */
function matrixLines(suite: SuiteReport): string[] {
  const header = ['task', ...suite.models];
  const body = suite.tasks.map((task, row) => [
    task.split === 'private' ? `${task.id} (private)` : task.id,
    ...suite.models.map((_, column) => {
      const cell = suite.matrix[row]![column];
      if (!cell) return '-';
      return `${cell.passed}/${cell.scored}${cell.unscored > 0 ? ` (+${cell.unscored} unscored)` : ''}`;
    }),
  ]);
  return alignColumns(header, body);
}

/** Terminal text: per suite, the leaderboard, the tasks no model / every model solves, comparisons (and the matrix if asked). */
export function formatReportTable(report: ReportData, options: { matrix?: boolean } = {}): string {
  if (report.suites.length === 0) return 'no finished runs\n';
  const blocks = report.suites.map((suite) => {
    const { header, body } = leaderboardCells(suite);
    const lines = [suiteHeading(suite), ...alignColumns(header, body), ''];
    lines.push(`tasks no model solves (${suite.solvedByNone.length}): ${listIds(suite.solvedByNone)}`);
    lines.push(`tasks every model solves (${suite.solvedByAll.length}): ${listIds(suite.solvedByAll)}`);
    for (const comparison of suite.comparisons) lines.push(...comparisonLines(suite, comparison, '', (text) => text));
    if (options.matrix) lines.push('', ...matrixLines(suite));
    return lines.join('\n');
  });
  const note = report.publicOnly ? '\n(public report: private tasks are counted in the totals and not shown)\n' : '\n';
  return blocks.join('\n\n') + note;
}

/** Text safe in a Markdown table cell: no markup, no cell break, no line break. */
function markdownText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|#~]/g, (character) => `\\${character}`)
    .replace(/\r?\n|\r/g, ' ');
}

/** Markdown for a README or a pull request: per suite the leaderboard, comparisons and the matrix (folded). */
export function formatReportMarkdown(report: ReportData): string {
  if (report.suites.length === 0) return '_No finished runs._\n';
  const tableRows = (header: string[], body: string[][]) => [
    `| ${header.map(markdownText).join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...body.map((row) => `| ${row.map(markdownText).join(' | ')} |`),
  ];
  const code = (text: string) => markdownText(text);
  const blocks = report.suites.map((suite) => {
    const { header, body } = leaderboardCells(suite);
    const lines = [`## ${markdownText(suiteHeading(suite))}`, '', ...tableRows(header, body), ''];
    if (suite.leaderboard.some((row) => !row.complete)) lines.push('**Incomplete runs** cover only the samples they scored; resume them before publishing.', '');
    lines.push(`- Tasks no model solves (${suite.solvedByNone.length}): ${listIds(suite.solvedByNone.map(code), 30)}`);
    lines.push(`- Tasks every model solves (${suite.solvedByAll.length}): ${listIds(suite.solvedByAll.map(code), 30)}`);
    if (suite.comparisons.length > 0) lines.push('', '### Comparisons', '', ...suite.comparisons.flatMap((comparison) => comparisonLines(suite, comparison, '- ', code).map((line, index) => (index === 0 ? line : line.replace(/^- +/, '  - ')))));
    const matrixBody = suite.tasks.map((task, row) => [
      task.split === 'private' ? `${task.id} (private)` : task.id,
      ...suite.models.map((_, column) => {
        const cell = suite.matrix[row]![column];
        return cell ? `${cell.passed}/${cell.scored}${cell.unscored > 0 ? ` +${cell.unscored}?` : ''}` : '-';
      }),
    ]);
    lines.push('', `<details><summary>Per-task matrix (passed/scored samples)</summary>`, '', ...tableRows(['task', ...suite.models], matrixBody), '', '</details>');
    return lines.join('\n');
  });
  const note = report.publicOnly ? '\n\n_Public report: private tasks count in the totals; their content is not shown._' : '';
  return `# sandbench report\n\n${blocks.join('\n\n')}${note}\n`;
}

/** One CSV field (RFC 4180), with text that a spreadsheet would run as a formula made inert. */
function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const inert = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}

function csvLines(rows: ReadonlyArray<ReadonlyArray<string | number | boolean | undefined>>): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The leaderboards of every suite as one CSV table (rates as fractions in [0, 1]). */
export function formatLeaderboardCsv(report: ReportData): string {
  const keys = [...new Set(report.suites.flatMap(passAtKeys))].sort((a, b) => kOf(a) - kOf(b));
  const header = [
    'suite', 'model', 'runs', 'run_ids', 'complete', 'tasks', 'samples_per_task', 'planned', 'scored', 'passed', 'failed',
    'model_errors', 'sandbox_errors', 'unscored', 'tasks_solved', ...keys, 'pass@1_low', 'pass@1_high', 'pass@1_interval',
    'input_tokens', 'output_tokens', 'cost_usd', 'latency_p50_ms', 'latency_p95_ms', 'started_at', 'finished_at', 'duration_ms',
  ];
  const rows = report.suites.flatMap((suite) =>
    suite.leaderboard.map((row) => [
      suite.suite, row.model, row.runIds.length, row.runIds.join(' '), row.complete, row.tasks, row.samplesPerTask, row.planned,
      row.scored, row.passed, row.failed, row.modelErrors, row.sandboxErrors, row.unscored, row.tasksSolved,
      ...keys.map((key) => row.passAt[key]), row.passAt1Interval?.low, row.passAt1Interval?.high, row.passAt1Interval?.method,
      row.inputTokens, row.outputTokens, row.costUsd, row.latencyP50Ms, row.latencyP95Ms, row.startedAt, row.finishedAt, row.durationMs,
    ]),
  );
  return csvLines([header, ...rows]);
}

/** The matrix of every suite as one long CSV table: a line per task and model. */
export function formatMatrixCsv(report: ReportData): string {
  const header = ['suite', 'task', 'split', 'model', 'passed', 'scored', 'unscored', 'solved'];
  const rows = report.suites.flatMap((suite) =>
    suite.tasks.flatMap((task, row) =>
      suite.models.flatMap((model, column) => {
        const cell = suite.matrix[row]![column];
        return cell ? [[suite.suite, task.id, task.split, model, cell.passed, cell.scored, cell.unscored, cell.scored > 0 && cell.passed === cell.scored]] : [];
      }),
    ),
  );
  return csvLines([header, ...rows]);
}
