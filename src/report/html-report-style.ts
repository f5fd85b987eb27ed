/**
 * The HTML report's style sheet, inlined into the page (the page loads nothing). System fonts
 * only; every colour that carries meaning comes with text saying the same thing.
 */
export const HTML_REPORT_STYLE = `
:root {
  color-scheme: light;
  --ink: #1d2125;
  --muted: #5a636c;
  --line: #d5dbe1;
  --paper: #ffffff;
  --wash: #f4f6f8;
  --accent: #1a5fb4;
  --pass: #d3f2dc;
  --pass-ink: #135c2a;
  --some: #fff0bf;
  --some-ink: #6b4e00;
  --fail: #fbd9d9;
  --fail-ink: #8a1c1c;
  --warn: #b34700;
}
* { box-sizing: border-box; }
body {
  margin: 0;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  color: var(--ink);
  background: var(--wash);
}
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
.page-header { padding: 20px 28px 12px; background: var(--paper); border-bottom: 1px solid var(--line); }
.page-header h1 { margin: 0 0 4px; font-size: 24px; }
.page-header p { margin: 2px 0; color: var(--muted); }
.public-note { color: var(--ink) !important; font-weight: 600; }
nav ul { list-style: none; margin: 6px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
main { padding: 8px 28px 40px; max-width: 1700px; }
.suite { margin-top: 18px; }
.suite > h2 { font-size: 21px; margin: 10px 0 4px; word-break: break-word; }
.suite > section { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin: 14px 0; }
.suite h3 { margin: 0 0 10px; font-size: 17px; }
.note { color: var(--muted); margin: 4px 0 10px; }
.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; }
th, td { padding: 6px 9px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--wash); font-weight: 600; white-space: nowrap; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.leaderboard { width: 100%; font-size: 14px; }
.leaderboard .interval { white-space: normal; }
.leaderboard .pass-at-1 .interval { white-space: nowrap; }
.leaderboard thead th { white-space: normal; vertical-align: bottom; }
.leaderboard .model { font-weight: 600; word-break: break-word; min-width: 12em; max-width: 22em; }
.leaderboard .runs { display: block; font-size: 12px; font-weight: 400; color: var(--muted); word-break: break-all; }
.leaderboard th, .leaderboard td { padding: 6px 6px; }
.leaderboard .date { min-width: 8.5em; }
.leaderboard .interval { display: block; color: var(--muted); font-size: 12px; }
.status-complete { color: var(--pass-ink); }
.status-incomplete { color: var(--warn); font-weight: 700; }
tr.incomplete > * {
  background: repeating-linear-gradient(135deg, #fff7ec, #fff7ec 8px, #ffecd6 8px, #ffecd6 16px);
}
tr.incomplete .model::after { content: " (incomplete)"; color: var(--warn); font-weight: 700; }
.partial { color: var(--warn); font-size: 12px; font-weight: 700; display: block; white-space: normal; }
.chart { width: 100%; max-width: 900px; height: auto; display: block; }
.chart text { font-size: 13px; fill: var(--ink); }
.chart .axis-label { fill: var(--muted); font-size: 11px; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .bar { fill: #8fb3e0; }
.chart .bar.incomplete { fill: #f6c99a; stroke: var(--warn); stroke-dasharray: 4 3; }
.chart .whisker { stroke: var(--ink); stroke-width: 2; }
.matrix-tools { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; margin-bottom: 10px; }
.legend { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; color: var(--muted); }
.swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid var(--line); vertical-align: -2px; margin-right: 4px; }
.swatch.cell-all { background: var(--pass); }
.swatch.cell-some { background: var(--some); }
.swatch.cell-none { background: var(--fail); }
.swatch.row-none { background: var(--fail-ink); }
.swatch.row-every { background: var(--pass-ink); }
.filter-count { color: var(--muted); font-size: 13px; }
.hidden-tasks { font-weight: 600; margin: 0; }
.matrix-scroll { overflow: auto; max-height: 78vh; border: 1px solid var(--line); }
.matrix { font-size: 13px; }
.matrix thead th { position: sticky; top: 0; z-index: 2; }
.matrix tbody th { position: sticky; left: 0; z-index: 1; background: var(--paper); font-weight: 500; max-width: 22em; word-break: break-word; border-left: 5px solid transparent; vertical-align: middle; }
.matrix thead th:first-child { left: 0; z-index: 3; text-align: left; }
.matrix thead th button { all: unset; cursor: pointer; display: inline-block; max-width: 12em; white-space: normal; word-break: break-word; }
.matrix thead th button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.matrix thead th[aria-sort="ascending"] button::after { content: " \\25B2"; }
.matrix thead th[aria-sort="descending"] button::after { content: " \\25BC"; }
.matrix td { text-align: center; vertical-align: middle; padding: 3px 5px; min-width: 5.5em; }
.matrix thead th { text-align: center; vertical-align: bottom; }
.matrix tr.row-none > th { border-left-color: var(--fail-ink); }
.matrix tr.row-every > th { border-left-color: var(--pass-ink); }
.tag { display: inline-block; font-size: 11px; font-weight: 700; padding: 0 5px; border-radius: 8px; margin-left: 6px; white-space: nowrap; }
.row-none .tag { background: var(--fail); color: var(--fail-ink); }
.row-every .tag { background: var(--pass); color: var(--pass-ink); }
.cell { font: inherit; font-variant-numeric: tabular-nums; width: 100%; padding: 3px 6px; border: 1px solid transparent; border-radius: 4px; background: transparent; color: inherit; cursor: pointer; }
span.cell { display: inline-block; cursor: default; }
td.cell-all { background: var(--pass); color: var(--pass-ink); }
td.cell-some { background: var(--some); color: var(--some-ink); }
td.cell-none { background: var(--fail); color: var(--fail-ink); }
td.cell-unscored, td.cell-empty { color: var(--muted); }
button.cell:hover { border-color: var(--ink); }
.unscored { display: block; font-size: 11px; color: var(--warn); font-weight: 700; }
.comparison { border-top: 1px solid var(--line); padding-top: 10px; margin-top: 10px; }
.comparison:first-of-type { border-top: 0; margin-top: 0; padding-top: 0; }
.comparison h4 { margin: 0 0 4px; font-size: 15px; word-break: break-word; }
.verdict { font-weight: 600; margin: 0 0 8px; }
.stats { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 0 0 8px; font-size: 14px; }
.stats dt { color: var(--muted); }
.stats dd { margin: 0; font-variant-numeric: tabular-nums; }
.only-lists { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 10px 24px; }
.only-lists h5 { margin: 4px 0; font-size: 14px; word-break: break-word; }
.task-list { margin: 0; padding-left: 18px; max-height: 16em; overflow: auto; font-size: 13px; word-break: break-word; }
dialog#sample-detail { width: min(1100px, 96vw); max-height: 94vh; padding: 0; border: 1px solid var(--line); border-radius: 8px; }
dialog#sample-detail::backdrop { background: rgba(20, 25, 30, 0.45); }
.detail-bar { position: sticky; top: 0; z-index: 1; background: var(--paper); border-bottom: 1px solid var(--line); padding: 10px 16px; display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between; }
.detail-bar h2 { margin: 0; font-size: 17px; word-break: break-word; }
.detail-nav { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.detail-nav button, .detail-nav select { font: inherit; padding: 3px 8px; }
#detail-body { padding: 6px 16px 16px; }
#detail-body h3 { font-size: 15px; margin: 16px 0 6px; }
#detail-body h4, #detail-body h5 { font-size: 14px; margin: 10px 0 4px; }
.detail-summary { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 6px 0; }
.detail-summary dt { color: var(--muted); }
.detail-summary dd { margin: 0; word-break: break-word; }
.outcome-passed { color: var(--pass-ink); font-weight: 700; }
.outcome-failed, .outcome-other { color: var(--fail-ink); font-weight: 700; }
.outcome-sandbox-error, .outcome-model-error { color: var(--warn); font-weight: 700; }
.message-role { font-weight: 600; color: var(--muted); margin-top: 6px; }
#detail-body pre { background: var(--wash); border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; margin: 2px 0 8px; white-space: pre-wrap; word-break: break-word; max-height: 22em; overflow: auto; }
.test { border-left: 4px solid var(--line); padding: 2px 0 2px 10px; margin: 8px 0; }
.test.verdict-passed { border-left-color: var(--pass-ink); }
.test.verdict-failed { border-left-color: var(--fail-ink); }
.turn { border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px; margin: 10px 0; }
.empty-text { color: var(--muted); font-style: italic; }
`;
