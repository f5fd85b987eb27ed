import { createHash } from 'node:crypto';
import { jsonForScript } from './escape-html.ts';
import { HTML_REPORT_SCRIPT } from './html-report-script.ts';
import { HTML_REPORT_STYLE } from './html-report-style.ts';
import { html, rawHtml, type Html } from './html-template.ts';
import { dollars, formatPValue, kOf, percent } from './report-figures.ts';
import { cellKey, type LeaderboardRow, type MatrixCell, type ModelComparison, type ReportData, type SampleDetail, type SuiteReport } from './report-data.ts';

/** A difference of rates in percentage points, signed: `+5.0`, `−3.2` (a true minus sign). */
function signedPoints(value: number): string {
  const points = (value * 100).toFixed(1);
  if (Number(points) === 0) return '0.0';
  return value > 0 ? `+${points}` : `\u2212${points.slice(1)}`;
}

const groupedNumber = new Intl.NumberFormat('en-US');

/** `12345` → `12,345`. */
function count(value: number): string {
  return groupedNumber.format(value);
}

/** `820` → `820 ms`; `2100` → `2.10 s`; `754000` → `12 min 34 s`; `3600000` → `1 h 0 min`. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** An ISO time as `2026-11-22 10:04 UTC`; text that is not a time is shown as it is. */
function dateTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `1 task`, `3 tasks`. */
function plural(value: number, noun: string): string {
  return `${count(value)} ${noun}${value === 1 ? '' : 's'}`;
}

/** A name cut to `max` characters with an ellipsis, for the chart's fixed-width labels. */
function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`;
}

function leaderboardRow(row: LeaderboardRow, rank: number): Html {
  const passAt1 = row.passAt['pass@1'];
  const interval = row.passAt1Interval;
  const otherK = Object.entries(row.passAt)
    .filter(([key]) => key !== 'pass@1')
    .sort(([a], [b]) => kOf(a) - kOf(b));
  const status = row.complete
    ? html`<span class="status-complete">complete</span>`
    : html`<span class="status-incomplete">INCOMPLETE</span><span class="interval">${count(row.unscored)} of ${count(row.planned)} samples not scored</span>`;
  return html`<tr class="${row.complete ? 'complete' : 'incomplete'}">
<td class="number rank">${rank}</td>
<td class="model">${row.model}<span class="interval">${row.sandbox}</span><span class="runs">${plural(row.runIds.length, 'run')}: ${row.runIds.map((id, index) => html`${index > 0 && ', '}<span class="mono">${id}</span>`)}</span></td>
<td class="status">${status}</td>
<td class="number pass-at-1">${passAt1 === undefined ? 'n/a' : percent(passAt1)}${
    interval && html`<span class="interval">[${percent(interval.low)}, ${percent(interval.high)}]</span>`
  }${!row.complete && html`<span class="partial">partial: scored samples only</span>`}</td>
<td class="number pass-at-k">${otherK.length === 0 ? '\u2014' : otherK.map(([key, value], index) => html`${index > 0 && html`<br>`}${key} ${percent(value)}`)}</td>
<td class="number samples">${count(row.scored)}<span class="interval">of ${count(row.planned)}: ${plural(row.tasks, 'task')} \u00d7 ${count(row.samplesPerTask)}</span></td>
<td class="number passed">${count(row.passed)}</td>
<td class="number failed">${count(row.failed)}</td>
<td class="number model-errors">${count(row.modelErrors)}</td>
<td class="number sandbox-errors">${count(row.sandboxErrors)}</td>
<td class="number tasks-solved">${count(row.tasksSolved)}</td>
<td class="number tokens">${count(row.inputTokens)}<span class="interval">out ${count(row.outputTokens)}</span></td>
<td class="number cost">${row.costUsd === undefined ? '\u2014' : dollars(row.costUsd)}</td>
<td class="number latency">${
    row.latencyP50Ms === undefined ? '\u2014' : html`${duration(row.latencyP50Ms)}<span class="interval">p95 ${row.latencyP95Ms === undefined ? '\u2014' : duration(row.latencyP95Ms)}</span>`
  }</td>
<td class="date"><time datetime="${row.finishedAt}">${dateTime(row.finishedAt)}</time><span class="interval">took ${duration(row.durationMs)}</span></td>
</tr>`;
}

function leaderboardSection(suite: SuiteReport, suiteIndex: number): Html {
  const incomplete = suite.leaderboard.filter((row) => !row.complete).length;
  return html`<section id="suite-${suiteIndex}-leaderboard" aria-labelledby="suite-${suiteIndex}-leaderboard-title">
<h3 id="suite-${suiteIndex}-leaderboard-title">Leaderboard</h3>
<p class="note">Best pass@1 first; 95% interval of pass@1 below it. Model and sandbox errors are faults of the provider or the engine: kept out of the pass rates.${
    incomplete > 0 && html` <strong class="status-incomplete">${plural(incomplete, 'row')} INCOMPLETE: figures cover the scored samples only.</strong>`
  }</p>
<div class="table-scroll">
<table class="leaderboard">
<thead><tr>
<th scope="col" class="number">#</th><th scope="col">Model, sandbox, runs</th><th scope="col">Status</th><th scope="col" class="number">pass@1</th><th scope="col" class="number">pass@k</th>
<th scope="col" class="number">Samples scored</th><th scope="col" class="number">Passed</th><th scope="col" class="number">Failed</th><th scope="col" class="number">Model errors</th>
<th scope="col" class="number">Sandbox errors</th><th scope="col" class="number">Tasks solved</th><th scope="col" class="number">Tokens in / out</th><th scope="col" class="number">Cost</th>
<th scope="col" class="number">Latency p50 / p95</th><th scope="col">Finished</th>
</tr></thead>
<tbody>
${suite.leaderboard.map((row, index) => leaderboardRow(row, index + 1))}
</tbody>
</table>
</div>
</section>`;
}

/** Horizontal bars of pass@1 per model, with the 95% interval as a whisker, all labelled in text. */
function chartSection(suite: SuiteReport, suiteIndex: number): Html {
  const labelWidth = 230;
  const barLeft = 240;
  const scale = 360;
  const rowHeight = 30;
  const top = 26;
  const width = 880;
  const height = top + suite.leaderboard.length * rowHeight + 8;
  const x = (rate: number) => (barLeft + Math.min(1, Math.max(0, rate)) * scale).toFixed(1);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const titleId = `suite-${suiteIndex}-chart-title`;
  const rows = suite.leaderboard.map((row, index) => {
    const y = top + index * rowHeight;
    const middle = y + rowHeight / 2;
    const passAt1 = row.passAt['pass@1'];
    const interval = row.passAt1Interval;
    const label = passAt1 === undefined ? 'no sample scored' : `${percent(passAt1)}${interval ? ` [${percent(interval.low)}, ${percent(interval.high)}]` : ''}${row.complete ? '' : ' incomplete'}`;
    return html`<g>
<text x="${labelWidth}" y="${middle + 4}" text-anchor="end"><title>${row.model}</title>${shorten(row.model, 30)}</text>
${passAt1 !== undefined && html`<rect class="bar${row.complete ? '' : ' incomplete'}" x="${barLeft}" y="${y + 6}" width="${(Math.max(0, Math.min(1, passAt1)) * scale).toFixed(1)}" height="${rowHeight - 12}"></rect>`}
${
  interval &&
  html`<line class="whisker" x1="${x(interval.low)}" x2="${x(interval.high)}" y1="${middle}" y2="${middle}"></line><line class="whisker" x1="${x(interval.low)}" x2="${x(interval.low)}" y1="${middle - 6}" y2="${middle + 6}"></line><line class="whisker" x1="${x(interval.high)}" x2="${x(interval.high)}" y1="${middle - 6}" y2="${middle + 6}"></line>`
}
<text x="${barLeft + scale + 10}" y="${middle + 4}">${label}</text>
</g>`;
  });
  return html`<section id="suite-${suiteIndex}-chart" aria-labelledby="${titleId}">
<h3 id="${titleId}">pass@1 by model, with its 95% interval</h3>
<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${titleId}">
${ticks.map(
  (tick) =>
    html`<line class="grid" x1="${x(tick)}" x2="${x(tick)}" y1="${top - 4}" y2="${height - 4}"></line><text class="axis-label" x="${x(tick)}" y="${top - 10}" text-anchor="middle">${tick * 100}%</text>`,
)}
${rows}
</svg>
</section>`;
}

/** The CSS class of a cell by how its samples went. */
function cellClass(cell: MatrixCell | undefined): string {
  if (!cell) return 'cell-empty';
  if (cell.scored === 0) return 'cell-unscored';
  if (cell.passed === cell.scored) return 'cell-all';
  return cell.passed === 0 ? 'cell-none' : 'cell-some';
}

/** The group a task's row belongs to, for the filter. */
type RowGroup = 'none' | 'every' | 'some' | 'unscored';

function matrixSection(suite: SuiteReport, suiteIndex: number): Html {
  const tableId = `suite-${suiteIndex}-matrix-table`;
  const solvedByNone = new Set(suite.solvedByNone);
  const solvedByAll = new Set(suite.solvedByAll);
  const groups: Record<RowGroup, number> = { none: 0, every: 0, some: 0, unscored: 0 };
  const rows = suite.tasks.map((task, taskIndex) => {
    const cells = suite.matrix[taskIndex] ?? [];
    const solvers = suite.models.filter((_, column) => {
      const cell = cells[column];
      return cell !== undefined && cell.scored > 0 && cell.passed === cell.scored;
    }).length;
    const anyScored = cells.some((cell) => cell !== undefined && cell.scored > 0);
    const group: RowGroup = solvedByNone.has(task.id) ? 'none' : solvedByAll.has(task.id) ? 'every' : anyScored ? 'some' : 'unscored';
    groups[group]++;
    const tag = group === 'none' ? html`<span class="tag">no model</span>` : group === 'every' ? html`<span class="tag">every model</span>` : '';
    const cellsHtml = suite.models.map((model, column) => {
      const cell = cells[column];
      const rate = cell && cell.scored > 0 ? cell.passed / cell.scored : -1;
      if (!cell) return html`<td class="cell-empty" data-rate="-1"><span class="cell" title="no sample">\u2014</span></td>`;
      const text = html`${cell.passed}/${cell.scored}${cell.unscored > 0 && html`<span class="unscored">+${cell.unscored} unscored</span>`}`;
      const samples = suite.details?.[cellKey(taskIndex, column)];
      const label = `${task.id}, ${model}: ${cell.passed} of ${cell.scored} scored samples passed${cell.unscored > 0 ? `, ${cell.unscored} not scored` : ''}`;
      const inner =
        samples && samples.length > 0
          ? html`<button type="button" class="cell" data-cell="${suiteIndex}:${taskIndex}:${column}" aria-label="${label}. Open the samples.">${text}</button>`
          : html`<span class="cell">${text}</span>`;
      return html`<td class="${cellClass(cell)}" data-rate="${rate}">${inner}</td>`;
    });
    return html`<tr class="row-${group}" data-group="${group}" data-order="${taskIndex}" data-task="${task.id}" data-solvers="${solvers}">
<th scope="row">${task.id}${tag}</th>${cellsHtml}<td class="number solvers">${solvers} of ${suite.models.length}</td>
</tr>`;
  });
  const option = (value: RowGroup, text: string) => groups[value] > 0 && html`<option value="${value}">${text} (${groups[value]})</option>`;
  const detailNote = suite.details
    ? 'Each cell: samples passed / scored. Click a cell, or focus it and press Enter, for its samples; Escape closes them. Click a column header (or press Enter on it) to sort.'
    : 'Each cell: samples passed / scored. Sample details not included in this report (it was built without them): cells do not open. Click a column header (or press Enter on it) to sort.';
  return html`<section id="suite-${suiteIndex}-matrix" aria-labelledby="suite-${suiteIndex}-matrix-title">
<h3 id="suite-${suiteIndex}-matrix-title">Tasks \u00d7 models</h3>
${suite.hiddenTasks > 0 && html`<p class="hidden-tasks">${plural(suite.hiddenTasks, 'private task')} hidden (their scores count in the totals).</p>`}
<p class="note">${detailNote}</p>
<div class="matrix-tools">
<label>Show <select class="matrix-filter" data-table="${tableId}">
<option value="all">every task (${suite.tasks.length})</option>
${option('none', 'solved by no model')}
${option('every', 'solved by every model')}
${option('some', 'solved by some models')}
${option('unscored', 'not scored by any model')}
</select></label>
<span class="filter-count" id="${tableId}-count" aria-live="polite">showing ${suite.tasks.length} of ${suite.tasks.length} tasks</span>
<ul class="legend" aria-label="Legend">
<li><span class="swatch row-none"></span>row: no model solves the task</li>
<li><span class="swatch row-every"></span>row: every model solves it</li>
<li><span class="swatch cell-all"></span>every sample passed</li>
<li><span class="swatch cell-some"></span>some passed</li>
<li><span class="swatch cell-none"></span>none passed</li>
</ul>
</div>
<div class="matrix-scroll">
<table class="matrix" id="${tableId}">
<thead><tr>
<th scope="col" data-sort="task" aria-sort="none"><button type="button">Task</button></th>
${suite.models.map((model, column) => html`<th scope="col" data-sort="column" data-column="${column}" aria-sort="none"><button type="button">${model}</button></th>`)}
<th scope="col" data-sort="solvers" aria-sort="none"><button type="button">Solved by</button></th>
</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
</section>`;
}

function taskList(ids: readonly string[], hidden: number): Html {
  return html`${ids.length > 0 ? html`<ul class="task-list">${ids.map((id) => html`<li>${id}</li>`)}</ul>` : html`<p class="empty-text">none shown</p>`}${
    hidden > 0 && html`<p class="note">and ${plural(hidden, 'private task')} (hidden)</p>`
  }`;
}

function comparisonArticle(suite: SuiteReport, comparison: ModelComparison): Html {
  const a = suite.models[comparison.a] ?? `column ${comparison.a}`;
  const b = suite.models[comparison.b] ?? `column ${comparison.b}`;
  const { bootstrap } = comparison;
  return html`<article class="comparison">
<h4>${a} vs ${b}</h4>
<p class="verdict">${comparison.verdict}</p>
<dl class="stats">
<dt>tasks compared</dt><dd>${count(comparison.tasksCompared)}</dd>
<dt>pass@1 difference (first \u2212 second)</dt><dd>${signedPoints(comparison.passAt1Difference)} points</dd>
<dt>McNemar exact test, two-sided</dt><dd>${formatPValue(comparison.mcnemarPValue)}</dd>
<dt>paired bootstrap over tasks, 95% interval</dt><dd>[${signedPoints(bootstrap.low)}, ${signedPoints(bootstrap.high)}] points, ${formatPValue(bootstrap.pValue)} (${count(bootstrap.resamples)} resamples)</dd>
<dt>both solve</dt><dd>${count(comparison.bothSolved)}</dd>
<dt>neither solves</dt><dd>${count(comparison.neitherSolved)}</dd>
</dl>
<div class="only-lists">
<div><h5>Only ${a} solves (${comparison.onlyA.length + comparison.hiddenOnlyA})</h5>${taskList(comparison.onlyA, comparison.hiddenOnlyA)}</div>
<div><h5>Only ${b} solves (${comparison.onlyB.length + comparison.hiddenOnlyB})</h5>${taskList(comparison.onlyB, comparison.hiddenOnlyB)}</div>
</div>
</article>`;
}

function comparisonsSection(suite: SuiteReport, suiteIndex: number): Html {
  return html`<section id="suite-${suiteIndex}-comparisons" aria-labelledby="suite-${suiteIndex}-comparisons-title">
<h3 id="suite-${suiteIndex}-comparisons-title">Model comparisons</h3>
<p class="note">Solved: every scored sample of the task passed. The tests are paired over the tasks both models were scored on.</p>
${suite.comparisons.length === 0 ? html`<p class="empty-text">Nothing to compare (one model).</p>` : suite.comparisons.map((comparison) => comparisonArticle(suite, comparison))}
</section>`;
}

function suiteSection(suite: SuiteReport, suiteIndex: number): Html {
  const id = `suite-${suiteIndex}`;
  return html`<section class="suite" id="${id}" aria-labelledby="${id}-title">
<h2 id="${id}-title">Suite: ${suite.suite}</h2>
<nav aria-label="Parts of ${suite.suite}"><ul>
<li><a href="#${id}-leaderboard">Leaderboard</a></li><li><a href="#${id}-chart">Chart</a></li><li><a href="#${id}-matrix">Tasks \u00d7 models</a></li><li><a href="#${id}-comparisons">Comparisons</a></li>
</ul></nav>
${leaderboardSection(suite, suiteIndex)}
${chartSection(suite, suiteIndex)}
${matrixSection(suite, suiteIndex)}
${comparisonsSection(suite, suiteIndex)}
</section>`;
}

/**
 * What a cell's data block holds: its samples, with the prompt written once when every sample
 * was sent the same one (100 samples of a task usually are; it is a large part of the file).
 */
interface CellPayload {
  sharedMessages?: SampleDetail['messages'];
  samples: Array<Omit<SampleDetail, 'messages'> & { messages?: SampleDetail['messages'] }>;
}

function cellPayload(samples: readonly SampleDetail[]): CellPayload {
  const first = JSON.stringify(samples[0]?.messages ?? []);
  if (samples.length < 2 || !samples.every((sample) => JSON.stringify(sample.messages) === first)) return { samples: [...samples] };
  return { sharedMessages: samples[0]!.messages, samples: samples.map(({ messages: _messages, ...rest }) => rest) };
}

/** The data blocks of a suite: the names the detail view shows, then each cell's samples. */
function dataBlocks(suite: SuiteReport, suiteIndex: number): string[] {
  const blocks = [`<script type="application/json" id="suite-${suiteIndex}-meta">${jsonForScript({ models: suite.models, tasks: suite.tasks.map((task) => task.id) })}</script>`];
  if (!suite.details) return blocks;
  for (let taskIndex = 0; taskIndex < suite.tasks.length; taskIndex++) {
    for (let column = 0; column < suite.models.length; column++) {
      const samples = suite.details[cellKey(taskIndex, column)];
      if (!samples || samples.length === 0) continue;
      blocks.push(`<script type="application/json" id="detail-${suiteIndex}-${taskIndex}-${column}">${jsonForScript(cellPayload(samples))}</script>`);
    }
  }
  return blocks;
}

/** The base64 SHA-256 of an inline script or style, as a CSP source. */
function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The Content-Security-Policy of the page: nothing may be fetched, and only the page's own
 * script and style (by hash) apply, so even markup that slipped through escaping could not run a
 * script, load an image or send a form.
 */
export function htmlReportPolicy(): string {
  return [
    "default-src 'none'",
    `script-src ${cspHash(HTML_REPORT_SCRIPT)}`,
    `style-src ${cspHash(HTML_REPORT_STYLE)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const DETAIL_DIALOG = html`<dialog id="sample-detail" aria-labelledby="detail-title">
<div class="detail-bar">
<h2 id="detail-title">Sample</h2>
<div class="detail-nav">
<button type="button" id="detail-previous">\u2190 Previous</button>
<label>Sample <select id="detail-select"></select></label>
<button type="button" id="detail-next">Next \u2192</button>
<button type="button" id="detail-close">Close (Esc)</button>
</div>
</div>
<div id="detail-body"></div>
</dialog>`;

/**
 * The report as one self-contained HTML page: leaderboard, pass@1 chart, task matrix and
 * comparisons per suite, and the sample detail opening from a matrix cell. Nothing is fetched
 * at view time; every string from a run is escaped text, and sample details sit in JSON data
 * blocks parsed only when their cell is opened.
 */
export function renderHtml(report: ReportData): string {
  const suiteNames = report.suites.map((suite) => suite.suite);
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${htmlReportPolicy()}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sandbench report${suiteNames.length > 0 && `: ${suiteNames.join(', ')}`}</title>
<style>${rawHtml(HTML_REPORT_STYLE)}</style>
</head>
<body>
<header class="page-header">
<h1>sandbench report</h1>
<p>Generated <time datetime="${report.generatedAt}">${dateTime(report.generatedAt)}</time> by sandbench ${report.sandbenchVersion}; ${plural(report.suites.length, 'suite')}.</p>
${report.publicOnly && html`<p class="public-note">Public report: private tasks' prompts, answers and outputs are left out; their scores count in the totals.</p>`}
${
  report.suites.length > 1 &&
  html`<nav aria-label="Suites"><ul>${report.suites.map((suite, index) => html`<li><a href="#suite-${index}">${suite.suite}</a></li>`)}</ul></nav>`
}
</header>
<main>
${report.suites.length === 0 && html`<p class="empty-text">No finished run to report.</p>`}
${report.suites.map(suiteSection)}
${
  report.skipped.length > 0 &&
  html`<section class="skipped" aria-labelledby="skipped-title"><h2 id="skipped-title">Folders left out</h2><ul>${report.skipped.map(
    (skip) => html`<li><span class="mono">${skip.folder}</span>: ${skip.reason}</li>`,
  )}</ul></section>`
}
</main>
${DETAIL_DIALOG}
<script>${rawHtml(HTML_REPORT_SCRIPT)}</script>
`;
  const blocks = report.suites.flatMap(dataBlocks);
  return `${page.text}${blocks.join('\n')}\n</body>\n</html>\n`;
}
