import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/render-html.ts';
import { chromiumForTests, openInChromium, type OpenedPage } from '../support/open-in-chromium.ts';
import { buildReportFixture, HOSTILE_STDOUT, responseOf } from '../support/report-fixture.ts';

const browserCheck = chromiumForTests();
const fixture = buildReportFixture();
const suite = fixture.report.suites[0]!;

/** `0.889` → `88.9%`, as a reader expects to see it. */
function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

describe.skipIf(!browserCheck.available)('HTML report in headless Chromium', () => {
  let folder: string;
  let opened: OpenedPage;
  const screenshots: string[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sandbench-html-report-'));
    const file = join(folder, 'report.html');
    await writeFile(file, renderHtml(fixture.report));
    opened = await openInChromium(file);
  });

  afterAll(async () => {
    await opened?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
    for (const path of screenshots) console.log(`screenshot: ${path}`);
  });

  // A test that fails with the dialog open must not leave it open for the next one.
  afterEach(async () => {
    if (opened && (await dialogOpen())) await opened.page.click('#detail-close');
  });

  /** Open the cell's samples by clicking it; the dialog shows its first sample. */
  async function clickCell(taskIndex: number, column: number): Promise<void> {
    await opened.page.click(`button[data-cell="0:${taskIndex}:${column}"]`);
    await opened.page.waitForSelector('#sample-detail[open]');
  }

  /** Texts of the detail's text blocks (prompt, response, code, outputs). */
  async function detailBlocks(): Promise<string[]> {
    return opened.page.$$eval('#detail-body pre', (blocks) => blocks.map((block) => block.textContent ?? ''));
  }

  /** An attribute of the element that has the focus (the page's code is typed without the DOM here). */
  async function focused(attribute: string): Promise<string | null> {
    return opened.page.locator(':focus').getAttribute(attribute);
  }

  async function dialogOpen(): Promise<boolean> {
    return (await opened.page.locator('#sample-detail[open]').count()) === 1;
  }

  it('loads with no console error, no page error and no request but the file itself', async () => {
    expect(opened.pageErrors).toEqual([]);
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
    expect(await opened.page.title()).toContain('sandbench report');
  });

  it('shows the leaderboard figures of the report, the incomplete row marked INCOMPLETE', async () => {
    const rows = await opened.page.$$eval('#suite-0-leaderboard tbody tr', (trs) =>
      trs.map((tr) => {
        const text = (selector: string) => tr.querySelector(selector)?.textContent ?? '';
        return {
          className: tr.className,
          model: tr.querySelector('.model')?.firstChild?.textContent ?? '',
          status: text('.status'),
          passAt1: text('.pass-at-1'),
          passAtK: text('.pass-at-k'),
          samples: text('.samples'),
          passed: text('.passed'),
          failed: text('.failed'),
          modelErrors: text('.model-errors'),
          sandboxErrors: text('.sandbox-errors'),
          tokens: text('.tokens'),
          cost: text('.cost'),
          latency: text('.latency'),
          finished: text('.date'),
        };
      }),
    );
    expect(rows).toHaveLength(suite.leaderboard.length);
    for (const [index, row] of suite.leaderboard.entries()) {
      const shown = rows[index]!;
      expect(shown.model).toBe(row.model);
      expect(shown.passAt1.startsWith(percent(row.passAt['pass@1']!))).toBe(true);
      expect(shown.passAt1).toContain(`[${percent(row.passAt1Interval!.low)}, ${percent(row.passAt1Interval!.high)}]`);
      if (row.passAt['pass@2'] !== undefined) expect(shown.passAtK).toBe(`pass@2 ${percent(row.passAt['pass@2'])}`);
      expect(shown.samples).toBe(`${row.scored}of ${row.planned}: ${row.tasks} tasks \u00d7 ${row.samplesPerTask}`);
      expect([shown.passed, shown.failed, shown.modelErrors, shown.sandboxErrors]).toEqual([row.passed, row.failed, row.modelErrors, row.sandboxErrors].map(String));
      expect(shown.tokens).toContain(row.inputTokens.toLocaleString('en-US'));
      expect(shown.tokens).toContain(`out ${row.outputTokens.toLocaleString('en-US')}`);
      expect(shown.finished).toContain(row.finishedAt.slice(0, 10));
      if (row.complete) {
        expect(shown.className).toBe('complete');
        expect(shown.status).toBe('complete');
      } else {
        expect(shown.className).toBe('incomplete');
        expect(shown.status).toBe(`INCOMPLETE${row.unscored} of ${row.planned} samples not scored`);
        expect(shown.passAt1).toContain('partial');
      }
    }
    // The figures the fixture was made to have: an incomplete repair run with cost and latency.
    const incomplete = rows[fixture.incompleteColumn]!;
    expect(incomplete.model).toBe('openai:gpt-repair');
    expect(incomplete.passAt1.startsWith('62.5%')).toBe(true);
    expect(incomplete.cost).toBe('$1.50');
    expect(incomplete.latency).toBe('1.45 sp95 5.23 s');
  });

  it('labels each model\'s bar in the chart with pass@1 and its interval', async () => {
    const labels = await opened.page.$$eval('#suite-0-chart svg text', (texts) => texts.map((text) => text.textContent ?? ''));
    for (const row of suite.leaderboard) {
      expect(labels.some((label) => label.startsWith(`${percent(row.passAt['pass@1']!)} [${percent(row.passAt1Interval!.low)}, ${percent(row.passAt1Interval!.high)}]`))).toBe(true);
    }
    expect(await opened.page.$$eval('#suite-0-chart svg line.whisker', (lines) => lines.length)).toBe(3 * suite.leaderboard.length);
  });

  it('shows each comparison: the verdict, the tasks only one model solves, the counts and both tests', async () => {
    const shown = await opened.page.$$eval('#suite-0-comparisons article', (articles) =>
      articles.map((article) => ({
        title: article.querySelector('h4')?.textContent ?? '',
        verdict: article.querySelector('.verdict')?.textContent ?? '',
        stats: [...article.querySelectorAll('.stats dt')].map((term) => [term.textContent ?? '', term.nextElementSibling?.textContent ?? '']),
        lists: [...article.querySelectorAll('.only-lists > div')].map((list) => [...list.querySelectorAll('li')].map((item) => item.textContent ?? '')),
      })),
    );
    expect(shown).toHaveLength(suite.comparisons.length);
    for (const [index, comparison] of suite.comparisons.entries()) {
      const article = shown[index]!;
      expect(article.title).toBe(`${suite.models[comparison.a]} vs ${suite.models[comparison.b]}`);
      expect(article.verdict).toBe(comparison.verdict);
      expect(article.lists).toEqual([comparison.onlyA, comparison.onlyB]);
      const stats = Object.fromEntries(article.stats);
      expect(stats['tasks compared']).toBe(String(comparison.tasksCompared));
      expect(stats['both solve']).toBe(String(comparison.bothSolved));
      expect(stats['neither solves']).toBe(String(comparison.neitherSolved));
      expect(stats['McNemar exact test, two-sided']).toBe(`p = ${comparison.mcnemarPValue.toFixed(3)}`);
      expect(stats['paired bootstrap over tasks, 95% interval']).toContain(`p = ${comparison.bootstrap.pValue.toFixed(3)} (${comparison.bootstrap.resamples.toLocaleString('en-US')} resamples)`);
    }
    // One comparison has a hidden private task among those only one model solves.
    expect(suite.comparisons.some((comparison) => comparison.hiddenOnlyA + comparison.hiddenOnlyB > 0)).toBe(true);
    expect(await opened.page.textContent('#suite-0-comparisons')).toContain('and 1 private task (hidden)');
  });

  it('opens a cell\'s samples on click, moves between them, and closes on Escape', async () => {
    const taskIndex = 0;
    const column = fixture.turnsColumn;
    const task = suite.tasks[taskIndex]!.id;
    const model = suite.models[column]!;
    await clickCell(taskIndex, column);
    expect(await opened.page.textContent('#detail-title')).toBe(`${task} \u00b7 ${model} \u00b7 sample 0`);
    expect(await detailBlocks()).toContain(responseOf(task, model, 0));
    // Repair turns, in order, each with its response.
    expect(await opened.page.$$eval('#detail-body .turn > h4', (headings) => headings.map((heading) => heading.textContent))).toEqual(['Turn 0', 'Turn 1']);
    screenshots.push(join(tmpdir(), `sandbench-html-report-detail-${process.pid}.png`));
    await opened.page.screenshot({ path: screenshots.at(-1)! });
    await opened.page.click('#detail-next');
    expect(await detailBlocks()).toContain(responseOf(task, model, 1));
    expect(await opened.page.isDisabled('#detail-next')).toBe(true);
    await opened.page.selectOption('#detail-select', '0');
    expect(await detailBlocks()).toContain(responseOf(task, model, 0));
    await opened.page.keyboard.press('Escape');
    expect(await dialogOpen()).toBe(false);
    // Focus goes back to the cell that opened the dialog.
    expect(await focused('data-cell')).toBe(`0:${taskIndex}:${column}`);
  });

  it('closing the detail and opening another cell at once shows the new cell (the close event comes later)', async () => {
    const [first, second] = [`0:0:0`, `0:1:0`];
    await opened.page.click(`button[data-cell="${first}"]`);
    // Both in one task, before the dialog's close event is dispatched; then wait for that event.
    await opened.page.evaluate(`(async () => {
      const dialog = document.getElementById('sample-detail');
      const closed = new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
      document.getElementById('detail-close').click();
      document.querySelector('button[data-cell="${second}"]').click();
      await closed;
    })()`);
    expect(await dialogOpen()).toBe(true);
    expect(await detailBlocks()).toContain(responseOf(suite.tasks[1]!.id, suite.models[0]!, 0));
  });

  it('opens a cell from the keyboard (focus and Enter, or Space) and Escape closes it', async () => {
    const taskIndex = 3;
    const column = 0;
    const selector = `button[data-cell="0:${taskIndex}:${column}"]`;
    await opened.page.focus(selector);
    await opened.page.keyboard.press('Enter');
    await opened.page.waitForSelector('#sample-detail[open]');
    expect(await detailBlocks()).toContain(responseOf(suite.tasks[taskIndex]!.id, suite.models[column]!, 0));
    // The dialog takes the focus, and Tab moves within it (the page behind is inert).
    expect(await focused('id')).toBe('detail-close');
    await opened.page.keyboard.press('Tab');
    expect(await opened.page.locator('#detail-body :focus').count()).toBe(1);
    await opened.page.keyboard.press('Shift+Tab');
    await opened.page.keyboard.press('Shift+Tab');
    expect(await focused('id')).toBe('detail-next');
    await opened.page.keyboard.press('Escape');
    expect(await dialogOpen()).toBe(false);
    expect(await focused('data-cell')).toBe(`0:${taskIndex}:${column}`);
    await opened.page.keyboard.press('Space');
    await opened.page.waitForSelector('#sample-detail[open]');
    await opened.page.keyboard.press('Escape');
    expect(await dialogOpen()).toBe(false);
  });

  it('shows program output holding <script> and </textarea> as text, and runs none of it', async () => {
    const scriptsBefore = await opened.page.$$eval('script', (scripts) => scripts.length);
    await clickCell(fixture.hostileTask, fixture.hostileColumn);
    const blocks = await detailBlocks();
    expect(blocks).toContain(HOSTILE_STDOUT);
    expect(await opened.page.textContent('#detail-title')).toBe(`${suite.tasks[fixture.hostileTask]!.id} \u00b7 ${suite.models[fixture.hostileColumn]} \u00b7 sample 0`);
    expect(await opened.page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await opened.page.$$eval('script', (scripts) => scripts.length)).toBe(scriptsBefore);
    expect(await opened.page.$$eval('img, textarea, iframe', (elements) => elements.length)).toBe(0);
    screenshots.push(join(tmpdir(), `sandbench-html-report-hostile-${process.pid}.png`));
    await opened.page.screenshot({ path: screenshots.at(-1)! });
    await opened.page.keyboard.press('Escape');
    expect(await dialogOpen()).toBe(false);
  });

  it('sorts the matrix by a model column, by task id and by how many models solve a task, from the header buttons', async () => {
    const order = () => opened.page.$$eval('#suite-0-matrix-table tbody tr', (rows) => rows.map((row) => row.getAttribute('data-task')));
    const column = fixture.hostileColumn;
    const rate = (taskId: string) => {
      const cell = suite.matrix[suite.tasks.findIndex((task) => task.id === taskId)]![column];
      return cell && cell.scored > 0 ? cell.passed / cell.scored : -1;
    };
    const suiteOrder = suite.tasks.map((task) => task.id);
    const byRate = [...suiteOrder].sort((a, b) => rate(a) - rate(b) || suiteOrder.indexOf(a) - suiteOrder.indexOf(b));
    await opened.page.click(`#suite-0-matrix-table th[data-column="${column}"] button`);
    expect(await order()).toEqual(byRate);
    expect(await opened.page.getAttribute(`#suite-0-matrix-table th[data-column="${column}"]`, 'aria-sort')).toBe('ascending');
    // From the keyboard: the task header, Enter twice (ascending, then descending).
    await opened.page.focus('#suite-0-matrix-table th[data-sort="task"] button');
    await opened.page.keyboard.press('Enter');
    const ascending = await order();
    // Numbers in ids sort as numbers: 9 before 10.
    const id = (start: string) => suiteOrder.find((task) => task.startsWith(start));
    expect(ascending).toEqual(['examples/9', 'examples/10', 'examples/add', 'examples/broken-tests', id('examples/fizzbuzz '), id('examples/hostile '), 'examples/sort']);
    await opened.page.keyboard.press('Enter');
    expect(await order()).toEqual([...ascending].reverse());
    expect(await opened.page.getAttribute('#suite-0-matrix-table th[data-sort="task"]', 'aria-sort')).toBe('descending');
    expect(await opened.page.getAttribute(`#suite-0-matrix-table th[data-column="${column}"]`, 'aria-sort')).toBe('none');
    await opened.page.click('#suite-0-matrix-table th[data-sort="solvers"] button');
    const solvers = await opened.page.$$eval('#suite-0-matrix-table tbody tr', (rows) => rows.map((row) => Number(row.getAttribute('data-solvers'))));
    expect(solvers).toEqual([...solvers].sort((a, b) => a - b));
    expect(solvers[0]).toBe(0);
  });

  it('filters the matrix to the tasks no model solves and to those every model solves', async () => {
    const shown = () => opened.page.$$eval('#suite-0-matrix-table tbody tr:not([hidden])', (rows) => rows.map((row) => row.getAttribute('data-task')));
    await opened.page.selectOption('#suite-0-matrix select.matrix-filter', 'none');
    expect(await shown()).toEqual(suite.solvedByNone);
    expect(await opened.page.textContent('#suite-0-matrix-table-count')).toBe(`showing ${suite.solvedByNone.length} of ${suite.tasks.length} tasks`);
    await opened.page.selectOption('#suite-0-matrix select.matrix-filter', 'every');
    expect([...(await shown())].sort()).toEqual([...suite.solvedByAll].sort());
    await opened.page.selectOption('#suite-0-matrix select.matrix-filter', 'all');
    expect(await shown()).toHaveLength(suite.tasks.length);
    expect(await opened.page.textContent('#suite-0-matrix')).toContain('2 private tasks hidden');
  });

  it('leaves the cells of a suite without details closed, saying the details are not included', async () => {
    expect(await opened.page.$$eval('#suite-1-matrix button.cell', (buttons) => buttons.length)).toBe(0);
    expect(await opened.page.textContent('#suite-1-matrix')).toContain('Sample details not included in this report');
    await opened.page.click('#suite-1-matrix-table span.cell >> nth=0');
    expect(await dialogOpen()).toBe(false);
  });

  it('after all of that: still no error and no request but the file; a screenshot of the whole page', async () => {
    screenshots.push(join(tmpdir(), `sandbench-html-report-${process.pid}.png`));
    await opened.page.screenshot({ path: screenshots.at(-1)!, fullPage: true });
    expect(opened.pageErrors).toEqual([]);
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
  });
});
