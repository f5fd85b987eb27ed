/**
 * The HTML report of a large run, as a reader meets it: a 16,400-sample report (HumanEval's 164
 * tasks × 100 samples of one model, plus 164 × 10 of a second, incomplete one) beside the same
 * page for a 164-sample report (one model, one sample per task) as the baseline.
 *
 * The run folders are real: `run.json`, `tasks.jsonl`, `samples.jsonl` and `summary.json`
 * written through the harness's own journal and summary code, every sample record checked
 * against `sampleResultSchema`. The tasks are HumanEval's (prompts ~450 B); the answers come
 * from bench/realistic-answers.ts (canonical, reformatted, exceptions, wrong values, 1 in 200
 * an infinite loop), wrapped in a chat answer (~400 B); outcomes follow the answer's kind
 * (not scored in a sandbox: this times the report, not the scoring). A failing sample carries a
 * Python traceback of 1-2 KB in stderr and a reason with the expected / got difference; the
 * second model also loses 1% of its samples to engine faults.
 *
 * Printed per report: samples, HTML size, `buildReport` and `renderHtml` times (medians of the
 * rounds), and in headless Chromium (file://, fresh context per round): first contentful paint,
 * the whole matrix in the document, its first row painted (Element Timing), the `load` event, opening
 * one cell's sample detail (the click handler, which parses the cell's JSON and builds the view,
 * and the time to the frame after it) and sorting the matrix by a model column; each beside the
 * baseline's, with the ratio. Never asserts on time; a page error, a request other than the file, or a detail that
 * does not open stops the script.
 *
 *   ./sandbench --node bench/report-html.ts
 *
 * Environment: BENCH_ROUNDS (browser and render rounds, default 3; 1 with BENCH_QUICK=1);
 * BENCH_SAMPLES (samples per task of the large model, default 100; 10 with BENCH_QUICK=1);
 * BENCH_KEEP=1 keeps the temporary folder (run folders and both HTML files); SANDBENCH_DATA.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { loadSuite } from '../src/datasets/load-suite.ts';
import { RunJournal } from '../src/harness/run-journal.ts';
import { runManifestSchema } from '../src/harness/run-manifest.ts';
import { summarizeRun } from '../src/harness/summarize-run.ts';
import { buildReport } from '../src/report/build-report.ts';
import { renderHtml } from '../src/report/render-html.ts';
import { sampleResultSchema, type SampleResult, type TestVerdict } from '../src/schemas/sample-result.ts';
import type { Task } from '../src/schemas/task.ts';
import { SANDBENCH_VERSION } from '../src/version.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/support/open-in-chromium.ts';
import { envNumber, quickMode } from './bench-env.ts';
import { HUMANEVAL_FILE, loadHumanEval, type HumanEvalRecord } from './humaneval-programs.ts';
import { formatMs, formatRatio, machineLoad, median, printTable } from './print-table.ts';
import { realisticAnswers, SeededRandom, type RealisticAnswer } from './realistic-answers.ts';

const quick = quickMode();
const rounds = envNumber('BENCH_ROUNDS', quick ? 1 : 3);
const samplesPerTask = envNumber('BENCH_SAMPLES', quick ? 10 : 100);
const keep = process.env.BENCH_KEEP === '1';
const folder = mkdtempSync(join(tmpdir(), 'sandbench-report-html-'));

const SYSTEM_PROMPT = 'You are an expert Python programmer. Complete the function. Answer with one ```python code block holding the whole function.';

/** What a failing answer of each kind looks like when HumanEval's check runs it. */
function failure(kind: RealisticAnswer['kind'], record: HumanEvalRecord, random: SeededRandom): { verdict: TestVerdict['verdict']; status: 'runtime-error' | 'timeout'; reason: string; error: string } {
  const asserts = record.test.split('\n').filter((line) => line.trim().startsWith('assert'));
  const failing = (asserts.length > 0 ? random.pick(asserts) : '    assert False').trim();
  switch (kind) {
    case 'raises':
      return { verdict: 'runtime-error', status: 'runtime-error', reason: `NotImplementedError: ${record.entry_point} is not implemented yet`, error: `NotImplementedError: ${record.entry_point} is not implemented yet` };
    case 'undefined-name':
      return { verdict: 'runtime-error', status: 'runtime-error', reason: `NameError: name '${record.entry_point}_helper' is not defined`, error: `NameError: name '${record.entry_point}_helper' is not defined` };
    case 'index-out-of-range':
      return { verdict: 'runtime-error', status: 'runtime-error', reason: 'IndexError: list index out of range', error: 'IndexError: list index out of range' };
    case 'cut-off':
      return { verdict: 'runtime-error', status: 'runtime-error', reason: "SyntaxError: '(' was never closed", error: "SyntaxError: '(' was never closed" };
    case 'infinite-loop':
      return { verdict: 'timeout', status: 'timeout', reason: 'timeout: still running after 3000 ms of CPU time (limit 3000 ms); killed', error: '' };
    default:
      return {
        verdict: 'failed',
        status: 'runtime-error',
        reason: `assertion failed: ${failing}\n--- expected\n+++ got\n@@ value @@\n-True\n+False\n(the check's first failing assert; the answer returned a different value)`,
        error: 'AssertionError',
      };
  }
}

/** A Python traceback of 1-2 KB: frames through the check's asserts, as a failing HumanEval program prints. */
function traceback(record: HumanEvalRecord, error: string, random: SeededRandom): string {
  const lines = record.test.split('\n').filter((line) => line.trim() !== '');
  const frames: string[] = ['Traceback (most recent call last):', `  File "/work/main.py", line ${120 + random.below(40)}, in <module>`, `    check(${record.entry_point})`];
  let size = frames.join('\n').length;
  const target = 1024 + random.below(1024);
  for (let depth = 0; size < target; depth++) {
    const line = lines[depth % Math.max(1, lines.length)] ?? 'assert candidate()';
    const frame = `  File "/work/main.py", line ${60 + depth}, in ${depth === 0 ? 'check' : `${record.entry_point}`}\n    ${line.trim().slice(0, 160)}`;
    frames.push(frame);
    size += frame.length + 1;
  }
  frames.push(error);
  return `${frames.join('\n')}\n`;
}

/** One journal record for `answer`, shaped like a provider run's (transcript, usage, latency). */
function sampleRecord(record: HumanEvalRecord, task: Task, answer: RealisticAnswer, model: string, random: SeededRandom, faultRate: number): SampleResult {
  const signature = record.prompt.split('\n').find((line) => line.startsWith(`def ${record.entry_point}(`)) ?? `def ${record.entry_point}():`;
  const response = `Here is an implementation of \`${record.entry_point}\`:\n\n\`\`\`python\n${signature}\n${answer.completion.replace(/\n*$/, '\n')}\`\`\`\n\nIt follows the docstring and handles the empty input.`;
  const completion = `${signature}\n${answer.completion}`;
  const modelLatencyMs = 400 + random.below(3600);
  const finishedAt = new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + random.below(3_600_000)).toISOString();
  const base = {
    taskId: task.id,
    sampleIndex: answer.sampleIndex,
    model,
    response,
    completion,
    usage: { inputTokens: Math.round((SYSTEM_PROMPT.length + task.prompt.length) / 4), outputTokens: Math.round(response.length / 4) },
    modelLatencyMs,
    sandbox: 'docker',
    finishedAt,
    transcript: {
      messages: [
        { role: 'system' as const, content: SYSTEM_PROMPT },
        { role: 'user' as const, content: task.prompt },
        { role: 'assistant' as const, content: response },
      ],
      finishReason: 'stop',
    },
  };
  if (random.next() < faultRate) {
    const error = 'Docker engine did not answer within 30000 ms (container create); the sample is not scored and --resume redoes it';
    return sampleResultSchema.parse({ ...base, outcome: 'sandbox-error', error, executionMs: 30_000, verdicts: [{ testIndex: 0, verdict: 'sandbox-error', reason: error }] });
  }
  if (answer.kind === 'canonical' || answer.kind === 'canonical-reformatted') {
    const executionMs = 25 + random.below(40);
    return sampleResultSchema.parse({
      ...base,
      outcome: 'passed',
      executionMs,
      verdicts: [{ testIndex: 0, verdict: 'passed', execution: { status: 'ok', exitCode: 0, stdout: '', stderr: '', durationMs: executionMs } }],
    });
  }
  const fault = failure(answer.kind, record, random);
  const executionMs = fault.status === 'timeout' ? 3000 : 25 + random.below(40);
  const stderr = fault.status === 'timeout' ? '' : traceback(record, fault.error, random);
  return sampleResultSchema.parse({
    ...base,
    outcome: 'failed',
    executionMs,
    verdicts: [
      { testIndex: 0, verdict: fault.verdict, reason: fault.reason, execution: { status: fault.status, exitCode: fault.status === 'timeout' ? null : 1, stdout: '', stderr, durationMs: executionMs } },
    ],
  });
}

/** Write a finished run folder through the harness's journal; returns the folder. */
async function writeRun(name: string, model: string, tasks: readonly Task[], records: ReadonlyMap<string, HumanEvalRecord>, samples: number, seed: string, faultRate: number, suite: string): Promise<string> {
  const runFolder = join(folder, name);
  const random = new SeededRandom(`${seed}-run`);
  const answers = realisticAnswers(
    tasks.map((task) => records.get(task.id)!),
    samples,
    seed,
  );
  const taskById = new Map(tasks.map((task) => [task.id, task]));
  const results = answers.map((answer) => sampleRecord(records.get(answer.task_id)!, taskById.get(answer.task_id)!, answer, model, random, faultRate));
  const startedAt = '2026-11-22T10:00:00.000Z';
  const manifest = runManifestSchema.parse({
    runId: name,
    suite,
    suiteSource: HUMANEVAL_FILE,
    suiteHash: 'bench',
    limitsHash: 'bench',
    taskFilter: {},
    tasks: tasks.length,
    model,
    modelFingerprint: null,
    samples,
    sandbox: 'docker',
    temperature: samples > 1 ? 0.8 : 0,
    sandbenchVersion: SANDBENCH_VERSION,
    startedAt,
    finishedAt: '2026-11-22T11:00:00.000Z',
    parts: [{ startedAt, finishedAt: '2026-11-22T11:00:00.000Z', durationMs: 3_600_000 }],
  });
  mkdirSync(runFolder);
  const journal = new RunJournal(runFolder);
  await journal.create(manifest);
  await journal.rewrite(results);
  await journal.writeTasks(tasks);
  await journal.writeSummary(summarizeRun(results, { runId: name, suite, model, sandbox: 'docker', tasks, samplesPerTask: samples, startedAt, durationMs: 3_600_000 }));
  return runFolder;
}

/** What the browser measured on one page load. */
interface PageFigures {
  firstPaintMs: number;
  matrixParsedMs: number;
  matrixPaintedMs: number;
  loadMs: number;
  openHandlerMs: number;
  openDetailMs: number;
  sortMs: number;
}

/**
 * Installed before the page's own script: marks the matrix's first row for the Element Timing API
 * as soon as the parser adds it (before any frame can paint it), and notes when the whole matrix
 * is in the document (the section after it exists).
 */
const PAINT_PROBE = `
  window.__bench = {};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.identifier === 'matrix-first-row') window.__bench.matrixPainted = entry.renderTime || entry.startTime;
  }).observe({ type: 'element', buffered: true });
  const observer = new MutationObserver(() => {
    const firstRow = document.querySelector('#suite-0-matrix-table tbody tr th');
    if (firstRow && !firstRow.hasAttribute('elementtiming')) firstRow.setAttribute('elementtiming', 'matrix-first-row');
    if (!document.getElementById('suite-0-comparisons')) return;
    window.__bench.matrixParsed = performance.now();
    observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
`;

/**
 * Click a cell and wait two frames (the dialog drawn); check it shows a sample, close it. Gives the
 * click handler's own time (parsing the cell's JSON, building the first sample's view) and the
 * time to the frame after it (which adds the wait for the next frame), in milliseconds; -1 when
 * the detail did not show.
 */
const OPEN_CELL = (selector: string) => `(async () => {
  const button = document.querySelector(${JSON.stringify(selector)});
  const start = performance.now();
  button.click();
  const handler = performance.now() - start;
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const frame = performance.now() - start;
  const shown = document.getElementById('sample-detail').open && document.querySelectorAll('#detail-body pre').length > 0;
  document.getElementById('detail-close').click();
  return shown ? [handler, frame] : [-1, -1];
})()`;

const SORT_COLUMN = `(async () => {
  const button = document.querySelector('#suite-0-matrix-table th[data-column="0"] button');
  const start = performance.now();
  button.click();
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  return performance.now() - start;
})()`;

async function measurePage(browser: Browser, file: string, cellSelectors: readonly string[]): Promise<PageFigures> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const url = pathToFileURL(file).href;
  const problems: string[] = [];
  context.on('request', (request) => {
    if (request.url() !== url) problems.push(`request: ${request.url()}`);
  });
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    await page.addInitScript(PAINT_PROBE);
    await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
    let probe: { matrixParsed?: number; matrixPainted?: number } = {};
    for (let tries = 0; tries < 200 && probe.matrixPainted === undefined; tries++) {
      probe = (await page.evaluate('window.__bench')) as typeof probe;
      if (probe.matrixPainted === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const loadMs = (await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventStart")) as number;
    const firstPaintMs = (await page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN")) as number;
    const opens: Array<[number, number]> = [];
    for (const selector of cellSelectors) opens.push((await page.evaluate(OPEN_CELL(selector))) as [number, number]);
    if (opens.some(([handler]) => handler < 0)) problems.push('a cell did not open its detail');
    const sortMs = (await page.evaluate(SORT_COLUMN)) as number;
    if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
    return { firstPaintMs, matrixParsedMs: probe.matrixParsed ?? Number.NaN, matrixPaintedMs: probe.matrixPainted ?? Number.NaN, loadMs, openHandlerMs: median(opens.map(([handler]) => handler)), openDetailMs: median(opens.map(([, frame]) => frame)), sortMs };
  } finally {
    await context.close();
  }
}

interface Subject {
  name: string;
  folders: string[];
  samples: number;
  html?: string;
  buildMs: number[];
  renderMs: number[];
  pages: PageFigures[];
}

try {
  const suite = await loadSuite(HUMANEVAL_FILE);
  const records = new Map(loadHumanEval().map((record) => [record.task_id, record]));
  console.log(`sandbench HTML report: ${suite.tasks.length} HumanEval tasks; ${machineLoad()}`);
  console.log('writing run folders…');
  const large = await writeRun('large-model', 'openai:bench-large', suite.tasks, records, samplesPerTask, 'report-large', 0, suite.name);
  const small = await writeRun('small-model', 'openai:bench-small', suite.tasks, records, 10, 'report-small', 0.01, suite.name);
  const single = await writeRun('baseline-model', 'openai:bench-large', suite.tasks, records, 1, 'report-large', 0, suite.name);
  const subjects: Subject[] = [
    { name: `baseline: ${suite.tasks.length} samples (1 model, 1 per task)`, folders: [single], samples: suite.tasks.length, buildMs: [], renderMs: [], pages: [] },
    {
      name: `${suite.tasks.length * samplesPerTask} + ${suite.tasks.length * 10} samples (2 models)`,
      folders: [large, small],
      samples: suite.tasks.length * (samplesPerTask + 10),
      buildMs: [],
      renderMs: [],
      pages: [],
    },
  ];
  for (let round = 0; round < rounds; round++) {
    for (const subject of subjects) {
      let start = performance.now();
      const report = await buildReport(subject.folders);
      subject.buildMs.push(performance.now() - start);
      start = performance.now();
      const text = renderHtml(report);
      subject.renderMs.push(performance.now() - start);
      subject.html ??= join(folder, `${subject.folders.length}-models-${subject.samples}.html`);
      writeFileSync(subject.html, text);
    }
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  try {
    // Cells of the best model (column 0): five tasks spread over the matrix.
    const cells = [0, 40, 81, 122, 163].map((task) => `button[data-cell="0:${task}:0"]`);
    for (let round = 0; round < rounds; round++) {
      // Alternate which page goes first, so a slow patch of the machine hits both alike.
      const order = round % 2 === 0 ? subjects : [...subjects].reverse();
      for (const subject of order) subject.pages.push(await measurePage(browser, subject.html!, cells));
    }
  } finally {
    await browser.close();
  }

  const [baseline, big] = subjects as [Subject, Subject];
  const megabytes = (file: string) => statSync(file).size / 1_000_000;
  const pick = (subject: Subject, figure: keyof PageFigures) => median(subject.pages.map((page) => page[figure]));
  const row = (name: string, base: number, value: number, format: (value: number) => string) => [name, format(base), format(value), formatRatio(value / base)];
  console.log(`\nmedians of ${rounds} round(s); browser figures from navigation start, in headless Chromium (${CHROMIUM_PATH})\n`);
  printTable(
    ['figure', baseline.name, big.name, 'ratio'],
    [
      ['samples', String(baseline.samples), String(big.samples), formatRatio(big.samples / baseline.samples)],
      row('HTML size', megabytes(baseline.html!), megabytes(big.html!), (value) => `${value.toFixed(2)} MB`),
      row('buildReport (read the run folders)', median(baseline.buildMs), median(big.buildMs), formatMs),
      row('renderHtml', median(baseline.renderMs), median(big.renderMs), formatMs),
      row('first contentful paint', pick(baseline, 'firstPaintMs'), pick(big, 'firstPaintMs'), formatMs),
      row('matrix in the document (parsed)', pick(baseline, 'matrixParsedMs'), pick(big, 'matrixParsedMs'), formatMs),
      row('matrix first row painted', pick(baseline, 'matrixPaintedMs'), pick(big, 'matrixPaintedMs'), formatMs),
      row('load event', pick(baseline, 'loadMs'), pick(big, 'loadMs'), formatMs),
      row('open a cell: click handler (median of 5 cells)', pick(baseline, 'openHandlerMs'), pick(big, 'openHandlerMs'), (value) => `${value.toFixed(1)} ms`),
      row('open a cell: to the frame after (median of 5)', pick(baseline, 'openDetailMs'), pick(big, 'openDetailMs'), formatMs),
      row('sort the matrix by a model', pick(baseline, 'sortMs'), pick(big, 'sortMs'), formatMs),
    ],
  );
  console.log(`\nsamples per cell opened: baseline 1, large report ${samplesPerTask}`);
  if (keep) console.log(`kept: ${folder} (HTML: ${baseline.html}, ${big.html})`);
} finally {
  if (!keep) rmSync(folder, { recursive: true, force: true });
}
