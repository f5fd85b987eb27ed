import { describe, expect, it } from 'vitest';
import { formatLeaderboardCsv, formatMatrixCsv, formatReportMarkdown, formatReportTable } from '../../src/report/format-report.ts';
import type { LeaderboardRow, ReportData } from '../../src/report/report-data.ts';

function row(overrides: Partial<LeaderboardRow>): LeaderboardRow {
  return {
    column: 0,
    model: 'm',
    runIds: ['r1'],
    folders: ['runs/r1'],
    sandbox: 'isolate',
    complete: true,
    tasks: 2,
    samplesPerTask: 1,
    planned: 2,
    scored: 2,
    passed: 1,
    failed: 1,
    modelErrors: 0,
    sandboxErrors: 0,
    unscored: 0,
    tasksSolved: 1,
    passAt: { 'pass@1': 0.5 },
    passAt1Interval: { low: 0.1, high: 0.9, method: 'wilson', level: 0.95 },
    passHat: { 'pass^1': 0.5 },
    inputTokens: 0,
    outputTokens: 0,
    startedAt: '2026-11-29T10:00:00.000Z',
    finishedAt: '2026-11-29T10:01:00.000Z',
    durationMs: 60_000,
    ...overrides,
  };
}

/** Two models, the second incomplete, names and ids that are markup or formulas. */
function report(): ReportData {
  return {
    generatedAt: '2026-11-29T10:02:00.000Z',
    sandbenchVersion: '0.0.0',
    publicOnly: false,
    skipped: [],
    suites: [
      {
        suite: 'demo',
        models: ['good', '=HYPERLINK("x")|<script>'],
        leaderboard: [
          row({ column: 0, model: 'good', passAt: { 'pass@1': 1 }, passed: 2, failed: 0 }),
          row({ column: 1, model: '=HYPERLINK("x")|<script>', complete: false, planned: 4, scored: 2, unscored: 2, modelErrors: 2, runIds: ['r2'] }),
        ],
        tasks: [
          { id: 'a|b', split: 'public' },
          { id: 'c', split: 'public' },
        ],
        hiddenTasks: 0,
        matrix: [
          [{ scored: 1, passed: 1, unscored: 0 }, { scored: 1, passed: 1, unscored: 1 }],
          [{ scored: 1, passed: 1, unscored: 0 }, { scored: 1, passed: 0, unscored: 1 }],
        ],
        solvedByNone: [],
        solvedByAll: ['a|b'],
        comparisons: [],
      },
    ],
  };
}

describe('report formats', () => {
  it('mark an incomplete run in the table, Markdown and CSV so it never looks finished', () => {
    const data = report();
    expect(formatReportTable(data)).toMatch(/INCOMPLETE \(2 of 4 unscored\)/);
    const markdown = formatReportMarkdown(data);
    expect(markdown).toContain('INCOMPLETE (2 of 4 unscored)');
    expect(markdown).toContain('**Incomplete runs** cover only the samples they scored');
    const csv = formatLeaderboardCsv(data).split('\r\n');
    const header = csv[0]!.split(',');
    expect(csv[2]!.split(',')[header.indexOf('complete')]).toBe('false');
  });

  it('keep names inert: Markdown escapes cell breaks and markup, CSV quotes and defuses formulas', () => {
    const data = report();
    const markdown = formatReportMarkdown(data);
    expect(markdown).not.toContain('<script>');
    expect(markdown).toContain('&lt;script&gt;');
    expect(markdown).toContain('| a\\|b | 1/1 | 1/1 +1? |');
    const csv = formatLeaderboardCsv(data);
    expect(csv).toContain(`"'=HYPERLINK(""x"")|<script>"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    const matrix = formatMatrixCsv(data).trim().split('\r\n');
    expect(matrix).toHaveLength(1 + 4);
    expect(matrix[1]).toBe('demo,a|b,public,good,1,1,0,true');
  });

  it('says when nothing was found', () => {
    const empty: ReportData = { ...report(), suites: [] };
    expect(formatReportTable(empty)).toBe('no finished runs\n');
    expect(formatReportMarkdown(empty)).toBe('_No finished runs._\n');
  });
});
