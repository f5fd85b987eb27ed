/**
 * The HTML report's own script, inlined into the page: sorting and filtering the task matrix, and
 * the sample detail dialog. It holds no data: it reads the page, and parses a cell's
 * `<script type="application/json">` block only when that cell is opened (a 16,000-sample report
 * would otherwise spend seconds parsing detail nobody looks at). Everything from a run is put on
 * the page with `textContent` and `createElement`, never as markup.
 *
 * Plain browser JavaScript in a string (no backticks, no `${` inside, so the template keeps it
 * as written); the browser test (test/report/html-browser.test.ts) is what runs it.
 */
export const HTML_REPORT_SCRIPT = `
'use strict';
(function () {
  const dialog = document.getElementById('sample-detail');
  const title = document.getElementById('detail-title');
  const body = document.getElementById('detail-body');
  const picker = document.getElementById('detail-select');
  const previousButton = document.getElementById('detail-previous');
  const nextButton = document.getElementById('detail-next');
  const closeButton = document.getElementById('detail-close');
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  const parsed = new Map();
  // What the dialog shows: the cell's samples, the one on view, and the button that opened it.
  let view = undefined;

  /** The JSON of a data block, parsed once. */
  function readBlock(id) {
    if (parsed.has(id)) return parsed.get(id);
    const element = document.getElementById(id);
    const value = element ? JSON.parse(element.textContent) : undefined;
    parsed.set(id, value);
    return value;
  }

  /** An element with a class and text (both optional). */
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** A block of program or model text; an empty one says so rather than showing a blank box. */
  function textBlock(text) {
    if (text === undefined || text === null || text === '') return element('p', 'empty-text', '(empty)');
    const block = element('pre', '', text);
    block.tabIndex = 0;
    return block;
  }

  function heading(level, text) {
    return element('h' + level, '', text);
  }

  /** A definition list of [term, value] pairs; undefined values are left out. */
  function facts(className, pairs) {
    const list = element('dl', className);
    for (const [term, value] of pairs) {
      if (value === undefined || value === null || value === '') continue;
      list.append(element('dt', '', term));
      const detail = element('dd');
      if (value instanceof Node) detail.append(value);
      else detail.textContent = String(value);
      list.append(detail);
    }
    return list;
  }

  const KNOWN_OUTCOMES = ['passed', 'failed', 'sandbox-error', 'model-error'];

  function outcomeText(outcome) {
    return element('span', 'outcome-' + (KNOWN_OUTCOMES.includes(outcome) ? outcome : 'other'), outcome);
  }

  function milliseconds(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
    return value < 1000 ? Math.round(value) + ' ms' : (value / 1000).toFixed(2) + ' s';
  }

  /** One test's verdict, reason and output, under a heading of that level. */
  function testSection(test, level) {
    const verdictClass = test.verdict === 'passed' ? 'verdict-passed' : 'verdict-failed';
    const section = element('section', 'test ' + verdictClass);
    const label = 'Test ' + test.index + (test.name ? ': ' + test.name : '');
    section.append(heading(level, label));
    const exitCode = test.exitCode === null ? 'none (killed)' : test.exitCode;
    section.append(
      facts('detail-summary', [
        ['verdict', outcomeText(test.verdict)],
        ['status', test.status],
        ['exit code', exitCode],
        ['duration', milliseconds(test.durationMs)],
      ]),
    );
    if (test.reason) {
      section.append(element('div', 'message-role', 'reason'), textBlock(test.reason));
    }
    section.append(element('div', 'message-role', 'stdout'), textBlock(test.stdout));
    section.append(element('div', 'message-role', 'stderr'), textBlock(test.stderr));
    return section;
  }

  function testsPart(tests, level) {
    const part = document.createDocumentFragment();
    if (!tests || tests.length === 0) {
      part.append(element('p', 'empty-text', 'No test ran.'));
      return part;
    }
    for (const test of tests) part.append(testSection(test, level));
    return part;
  }

  function turnSection(turn) {
    const section = element('section', 'turn');
    section.append(heading(4, 'Turn ' + turn.turn));
    section.append(facts('detail-summary', [['outcome', outcomeText(turn.outcome)]]));
    section.append(element('div', 'message-role', 'response'), textBlock(turn.response));
    section.append(element('div', 'message-role', 'extracted code'), textBlock(turn.completion));
    section.append(testsPart(turn.tests, 5));
    return section;
  }

  function render() {
    const sample = view.samples[view.index];
    const messages = sample.messages || view.sharedMessages || [];
    title.textContent = view.task + ' \\u00b7 ' + view.model + ' \\u00b7 sample ' + sample.sampleIndex;
    picker.value = String(view.index);
    previousButton.disabled = view.index === 0;
    nextButton.disabled = view.index === view.samples.length - 1;
    const passedTests = (sample.tests || []).filter((test) => test.verdict === 'passed').length;
    const parts = [
      facts('detail-summary', [
        ['outcome', outcomeText(sample.outcome)],
        ['error', sample.error],
        ['tests passed', (sample.tests || []).length ? passedTests + ' of ' + sample.tests.length : undefined],
        ['limits hit', sample.limitsHit && sample.limitsHit.length ? sample.limitsHit.join(', ') : 'none'],
        ['model answer time', milliseconds(sample.modelLatencyMs)],
        ['execution time', milliseconds(sample.executionMs)],
        ['turns', sample.turns && sample.turns.length ? String(sample.turns.length) : undefined],
      ]),
      heading(3, 'Prompt'),
    ];
    if (messages.length === 0) parts.push(element('p', 'empty-text', 'No prompt recorded.'));
    for (const message of messages) parts.push(element('div', 'message-role', message.role), textBlock(message.content));
    if (sample.turns && sample.turns.length) {
      parts.push(heading(3, 'Turns, in order (' + sample.turns.length + ')'));
      for (const turn of sample.turns) parts.push(turnSection(turn));
      parts.push(heading(3, 'Final answer'));
    }
    parts.push(heading(3, 'Response'), textBlock(sample.response));
    parts.push(heading(3, 'Extracted code'), textBlock(sample.completion));
    parts.push(heading(3, 'Tests'), testsPart(sample.tests, 4));
    body.replaceChildren(...parts);
    dialog.scrollTop = 0;
  }

  function show(index) {
    if (!view || index < 0 || index >= view.samples.length) return;
    view.index = index;
    render();
  }

  /** Open the samples of the matrix cell behind 'button' (data-cell="suite:task:column"). */
  function openCell(button) {
    const [suite, task, column] = button.dataset.cell.split(':').map(Number);
    const payload = readBlock('detail-' + suite + '-' + task + '-' + column);
    const meta = readBlock('suite-' + suite + '-meta');
    if (!payload || !meta || payload.samples.length === 0) return;
    view = {
      samples: payload.samples,
      sharedMessages: payload.sharedMessages,
      index: 0,
      task: meta.tasks[task],
      model: meta.models[column],
      opener: button,
    };
    const options = payload.samples.map((sample, index) => {
      const option = element('option', '', 'sample ' + sample.sampleIndex + ': ' + sample.outcome);
      option.value = String(index);
      return option;
    });
    picker.replaceChildren(...options);
    picker.disabled = options.length < 2;
    render();
    if (!dialog.open) dialog.showModal();
    closeButton.focus();
  }

  dialog.addEventListener('close', () => {
    // The close event comes in a later task: a cell opened since then keeps its view.
    if (dialog.open) return;
    const opener = view && view.opener;
    view = undefined;
    body.replaceChildren();
    if (opener && opener.isConnected) opener.focus();
  });
  closeButton.addEventListener('click', () => dialog.close());
  previousButton.addEventListener('click', () => view && show(view.index - 1));
  nextButton.addEventListener('click', () => view && show(view.index + 1));
  picker.addEventListener('change', () => view && show(Number(picker.value)));

  /** Sort a matrix by the header cell 'header': ascending first, then flipping. */
  function sortBy(header) {
    const table = header.closest('table');
    const rows = Array.from(table.tBodies[0].rows);
    const direction = header.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    for (const other of table.querySelectorAll('th[data-sort]')) other.setAttribute('aria-sort', 'none');
    header.setAttribute('aria-sort', direction);
    const kind = header.dataset.sort;
    const column = Number(header.dataset.column);
    const sign = direction === 'ascending' ? 1 : -1;
    const compare = (a, b) => {
      if (kind === 'task') return collator.compare(a.dataset.task, b.dataset.task);
      if (kind === 'solvers') return Number(a.dataset.solvers) - Number(b.dataset.solvers);
      // Cells: pass rate (passed / scored); no scored sample sorts below 0.
      return Number(a.cells[column + 1].dataset.rate) - Number(b.cells[column + 1].dataset.rate);
    };
    rows.sort((a, b) => sign * compare(a, b) || Number(a.dataset.order) - Number(b.dataset.order));
    table.tBodies[0].append(...rows);
  }

  /** Show the matrix rows of one group ('all', 'none', 'every', 'some'). */
  function filterRows(select) {
    const table = document.getElementById(select.dataset.table);
    let shown = 0;
    const rows = table.tBodies[0].rows;
    for (const row of rows) {
      row.hidden = select.value !== 'all' && row.dataset.group !== select.value;
      if (!row.hidden) shown++;
    }
    const count = document.getElementById(select.dataset.table + '-count');
    if (count) count.textContent = 'showing ' + shown + ' of ' + rows.length + ' tasks';
  }

  // Delegated: one listener serves every cell and header, however large the matrix.
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : undefined;
    if (!target) return;
    const cell = target.closest('button.cell');
    if (cell) {
      openCell(cell);
      return;
    }
    const sortButton = target.closest('th[data-sort] > button');
    if (sortButton) sortBy(sortButton.parentElement);
  });
  document.addEventListener('change', (event) => {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.classList.contains('matrix-filter')) filterRows(target);
  });
})();
`;
