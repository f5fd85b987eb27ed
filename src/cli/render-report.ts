import type { ReportData } from '../report/report-data.ts';

/** Formats `report --format` writes. */
export const REPORT_FORMATS = ['table', 'json', 'csv', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A built report as the text of one format (each format's module is loaded only when used). */
export async function renderReport(report: ReportData, format: ReportFormat, options: { matrix?: boolean } = {}): Promise<string> {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'html': {
      const { renderHtml } = await import('../report/render-html.ts');
      return renderHtml(report);
    }
    case 'csv': {
      const { formatLeaderboardCsv, formatMatrixCsv } = await import('../report/format-report.ts');
      return options.matrix ? formatMatrixCsv(report) : formatLeaderboardCsv(report);
    }
    case 'markdown': {
      const { formatReportMarkdown } = await import('../report/format-report.ts');
      return formatReportMarkdown(report);
    }
    case 'table': {
      const { formatReportTable } = await import('../report/format-report.ts');
      return formatReportTable(report, options);
    }
  }
}
