import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript } from '../../src/report/escape-html.ts';
import { html, rawHtml } from '../../src/report/html-template.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import type { ReportData, SampleDetail } from '../../src/report/report-data.ts';
import { buildReportFixture, HOSTILE } from '../support/report-fixture.ts';

const fixture = buildReportFixture();
const page = renderHtml(fixture.report);

/** The page with the text of its script and style elements taken out, leaving only markup. */
function markupOnly(text: string): string {
  return text.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/g, '$1</script>').replace(/(<style\b[^>]*>)[\s\S]*?<\/style>/g, '$1</style>');
}

/** Every string in `value`, with the path of keys that leads to it. */
function stringsOf(value: unknown, path: string[] = []): Array<{ path: string[]; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringsOf(item, [...path, String(index)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringsOf(item, [...path, key]));
  return [];
}

/** The data blocks of the page by id, parsed. */
function dataBlocks(text: string): Map<string, unknown> {
  const blocks = new Map<string, unknown>();
  for (const match of text.matchAll(/<script type="application\/json" id="([^"]+)">([\s\S]*?)<\/script>/g)) blocks.set(match[1]!, JSON.parse(match[2]!));
  return blocks;
}

describe('escapeHtml and jsonForScript', () => {
  it('escapeHtml turns markup characters, quotes and the JavaScript line terminators into references', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>\u2028\u2029`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;&#x2028;&#x2029;');
  });

  it('jsonForScript writes no <, >, &, U+2028 or U+2029, and parses back to the same value', () => {
    const value = { text: HOSTILE, nested: ['</script>', '<!--', 'a & b', '\u2028\u2029'], none: null };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
    expect(jsonForScript(undefined)).toBe('null');
  });

  it('the html tag escapes every interpolated value but keeps markup it made, and joins lists', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"quoted"'}">${inner}${['<', rawHtml('<br>')]}${false}${undefined}${3}</p>`.text).toBe(
      '<p title="&quot;quoted&quot;"><b>&lt;i&gt;</b>&lt;<br>3</p>',
    );
  });
});

describe('renderHtml', () => {
  it('writes one self-contained page: a strict Content-Security-Policy first, no URL anywhere, only same-page links', () => {
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="')).toBe(true);
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)![1]!.replaceAll('&#39;', "'");
    // The only script and style that may run are the page's own, by hash.
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');
    expect(policy.split('; ')).toEqual([
      "default-src 'none'",
      `script-src 'sha256-${sha256(script)}'`,
      `style-src 'sha256-${sha256(style)}'`,
      'img-src data:',
      "base-uri 'none'",
      "form-action 'none'",
    ]);
    expect(page).not.toMatch(/https?:|\/\/[a-z0-9]/i);
    expect(page).not.toMatch(/@import|url\(/i);
    const tags = [...markupOnly(page).matchAll(/<([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)];
    expect(tags.length).toBeGreaterThan(100);
    for (const [tag, name, attributes] of tags) {
      expect(name, tag).not.toMatch(/^(img|iframe|object|embed|link|audio|video|source|form|base)$/i);
      for (const [, attribute, value] of attributes!.matchAll(/\s([^\s=>]+)(?:="([^"]*)")?/g)) {
        expect(attribute, tag).not.toMatch(/^(src|srcset|action|formaction|poster|background|on.*)$/i);
        if (attribute === 'href') expect(value, tag).toMatch(/^#[\w-]+$/);
      }
    }
  });

  it('escapes every string of the run: the hostile text is never in the page raw, and each shown field is there as text', () => {
    expect(page).not.toContain('</textarea');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<!--');
    expect(page).not.toContain('window.__pwned=1</script>');
    expect(page).not.toMatch(/[\u2028\u2029]/);
    // The only script elements: the page's own, one data block per suite, one per cell with samples.
    const cellsWithSamples = fixture.report.suites.reduce((total, suite) => total + Object.values(suite.details ?? {}).filter((samples) => samples.length > 0).length, 0);
    const dataBlockCount = fixture.report.suites.length + cellsWithSamples;
    expect(page.match(/<script/g)).toHaveLength(1 + dataBlockCount);
    expect(page.match(/<\/script>/g)).toHaveLength(1 + dataBlockCount);
    expect(page.match(/<script type="application\/json" id="[\w-]+">/g)).toHaveLength(dataBlockCount);

    const hostileStrings = stringsOf(fixture.report).filter(({ text }) => text.includes(HOSTILE));
    // Every kind of field carries the hostile text (a fixture that lost it would prove nothing).
    const fields = new Set(hostileStrings.map(({ path }) => path.filter((key) => !/^\d+$/.test(key)).at(-1)));
    for (const field of ['suite', 'model', 'sandbox', 'runIds', 'id', 'prompt', 'language', 'folders', 'verdict', 'onlyA', 'solvedByAll', 'models', 'content', 'response', 'completion', 'name', 'reason', 'stderr', 'error', 'folder', 'sandbenchVersion']) {
      expect(fields, field).toContain(field);
    }
    // Fields the page does not show (run folders, the task list's prompt and language: the detail shows the prompt sent).
    const notShown = new Set(['folders', 'prompt', 'language']);
    for (const { path, text } of hostileStrings) {
      expect(page.includes(text), path.join('.')).toBe(false);
      if (path.some((key) => notShown.has(key))) continue;
      const asText = page.includes(escapeHtml(text));
      const asJson = page.includes(jsonForScript(text));
      expect(asText || asJson, path.join('.')).toBe(true);
    }
  });

  it('embeds each cell\'s samples losslessly, writing a prompt shared by every sample of the cell once', () => {
    const blocks = dataBlocks(page);
    const suite = fixture.report.suites[0]!;
    expect(blocks.get('suite-0-meta')).toEqual({ models: suite.models, tasks: suite.tasks.map((task) => task.id) });
    let cells = 0;
    for (const [key, samples] of Object.entries(suite.details!)) {
      const [taskIndex, column] = key.split(':');
      const block = blocks.get(`detail-0-${taskIndex}-${column}`) as { sharedMessages?: SampleDetail['messages']; samples: Array<Partial<SampleDetail>> };
      const restored = block.samples.map((sample) => ({ ...sample, messages: sample.messages ?? block.sharedMessages }));
      expect(restored).toEqual(JSON.parse(JSON.stringify(samples)));
      if (samples.length > 1) {
        expect(block.sharedMessages).toEqual(samples[0]!.messages);
        expect(block.samples.every((sample) => sample.messages === undefined)).toBe(true);
      }
      cells++;
    }
    expect(cells).toBeGreaterThan(15);
    // The suite built without details has its names block and no cell blocks.
    expect([...blocks.keys()].filter((id) => id.startsWith('detail-1-'))).toEqual([]);
    expect(blocks.has('suite-1-meta')).toBe(true);
  });

  it('marks an incomplete row INCOMPLETE and partial, never as complete', () => {
    const rows = [...page.matchAll(/<tr class="(complete|incomplete)">([\s\S]*?)<\/tr>/g)];
    const suite = fixture.report.suites[0]!;
    expect(rows.length).toBe(suite.leaderboard.length + fixture.report.suites[1]!.leaderboard.length);
    const incomplete = rows[fixture.incompleteColumn]!;
    expect(incomplete[1]).toBe('incomplete');
    expect(incomplete[2]).toContain('INCOMPLETE');
    expect(incomplete[2]).toContain('2 of 16 samples not scored');
    expect(incomplete[2]).toContain('partial: scored samples only');
    expect(incomplete[2]).not.toContain('status-complete');
    for (const [index, row] of rows.entries()) if (index !== fixture.incompleteColumn) expect(row[2]).toContain('<span class="status-complete">complete</span>');
  });

  it('says how many private tasks are hidden, marks the tasks no model and every model solves, and offers their filters', () => {
    expect(page).toContain('2 private tasks hidden');
    const suite = fixture.report.suites[0]!;
    expect(suite.solvedByNone).toEqual(['examples/broken-tests']);
    expect(page).toMatch(/<tr class="row-none" data-group="none" data-order="4" data-task="examples\/broken-tests" data-solvers="0">/);
    for (const id of suite.solvedByAll) expect(page).toContain(`<tr class="row-every" data-group="every" data-order="${suite.tasks.findIndex((task) => task.id === id)}" data-task="${escapeHtml(id)}"`);
    expect(page).toContain('<option value="none">solved by no model (1)</option>');
    expect(page).toContain(`<option value="every">solved by every model (${suite.solvedByAll.length})</option>`);
  });

  it('leaves the cells of a suite built without details unopenable and says the details are not included', () => {
    const second = page.slice(page.indexOf('<section class="suite" id="suite-1"'), page.indexOf('</main>'));
    expect(second).toContain('Sample details not included in this report');
    expect(second).not.toContain('data-cell=');
    expect(second).toContain('<span class="cell">2/2</span>');
    expect(page).toContain(`data-cell="0:${fixture.hostileTask}:${fixture.hostileColumn}"`);
  });

  it('renders a row with nothing scored, and an empty report, without failing', () => {
    const report: ReportData = structuredClone(fixture.report);
    const row = report.suites[1]!.leaderboard[0]!;
    Object.assign(row, { passAt: {}, passAt1Interval: undefined, scored: 0, passed: 0, failed: 0, unscored: row.planned, complete: false });
    report.suites[1]!.matrix = [[{ scored: 0, passed: 0, unscored: 2 }], [undefined]];
    const text = renderHtml(report);
    expect(text).toContain('no sample scored');
    expect(text).toContain('<td class="number pass-at-1">n/a');
    expect(text).toContain('<td class="cell-unscored" data-rate="-1"><span class="cell">0/0<span class="unscored">+2 unscored</span></span></td>');
    const empty = renderHtml({ generatedAt: 'not a date', sandbenchVersion: '0.1.0', publicOnly: false, suites: [], skipped: [] });
    expect(empty).toContain('No finished run to report.');
    expect(empty).toContain('>not a date</time>');
  });
});
