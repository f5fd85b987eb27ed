/**
 * A hand-made `ReportData` for the report renderers' tests: two suites, the first with three
 * models (one of them INCOMPLETE, one with repair turns), private tasks hidden, sample details,
 * and hostile text from "the model" and "the program" in every string field; the second built
 * without details. Figures are worked out from per-sample outcomes, so the leaderboard, the
 * matrix and the comparisons agree with each other.
 */
import { passAt1Interval } from '../../src/scoring/pass-at-1-interval.ts';
import { passAtKSummary, type TaskPassCount } from '../../src/scoring/pass-at-k.ts';
import { passHatKSummary } from '../../src/scoring/pass-hat-k.ts';
import {
  cellKey,
  type LeaderboardRow,
  type MatrixCell,
  type ModelComparison,
  type ReportData,
  type ReportTask,
  type SampleDetail,
  type SampleTestDetail,
  type SuiteReport,
} from '../../src/report/report-data.ts';

/**
 * Text that would be markup or script if a renderer wrote it raw: it closes a script element and
 * opens one, closes a textarea, adds an image with a handler, opens a comment, holds both
 * JavaScript-only line terminators, an entity (must show as `&amp;`, not `&`) and both quotes.
 */
export const HOSTILE = '</script><script>window.__pwned=1</script></textarea><img src=x onerror="window.__pwned=2"><!--\u2028\u2029&amp;"\'';

/** `label` followed by the hostile text, so a test can tell the fields apart. */
export function hostile(label: string): string {
  return `${label} ${HOSTILE}`;
}

/** The exact stdout of the sample the browser test opens to check output shows as text. */
export const HOSTILE_STDOUT = '<script>window.__pwned=1</script>\n</textarea>\n<img src=x onerror="window.__pwned=3">\u2028end';

/** A sample's outcome: Passed, Failed, Model error, Sandbox error. */
type OutcomeLetter = 'P' | 'F' | 'M' | 'S';

interface ModelPlan {
  model: string;
  sandbox: string;
  runIds: string[];
  /** Outcomes per task id, one letter per sample; a task left out has no sample for this model. */
  outcomes: Record<string, string>;
  /** Answers repaired over two turns (first failing, then as the outcome says). */
  turns?: boolean;
  costUsd?: number;
  latency?: { p50: number; p95: number };
}

const OUTCOME: Record<OutcomeLetter, string> = { P: 'passed', F: 'failed', M: 'model-error', S: 'sandbox-error' };

const HOSTILE_TASK = hostile('examples/hostile');
const HOSTILE_FIZZBUZZ = hostile('examples/fizzbuzz');

/** Shown tasks of the first suite, in suite order (`examples/9` before `examples/10`, as a numeric sort puts them). */
const SHOWN_TASKS: ReportTask[] = [
  { id: 'examples/add', split: 'public', prompt: 'Write add(a, b).', language: 'javascript' },
  { id: HOSTILE_FIZZBUZZ, split: 'public', prompt: 'Print fizzbuzz.', language: 'python' },
  { id: HOSTILE_TASK, split: 'public', prompt: hostile('task prompt'), language: hostile('language') },
  { id: 'examples/sort', split: 'public', prompt: 'Sort numbers.', language: 'javascript' },
  { id: 'examples/broken-tests', split: 'public', prompt: 'Nobody passes these tests.', language: 'bash' },
  { id: 'examples/10', split: 'public', prompt: 'Task ten.', language: 'c' },
  { id: 'examples/9', split: 'public', prompt: 'Task nine.', language: 'cpp' },
];

/** Private tasks: in every model's totals, nowhere else. */
const PRIVATE_TASKS = ['private/secret-1', 'private/secret-2'];

const PLANS: ModelPlan[] = [
  {
    model: 'reference',
    sandbox: 'isolate',
    runIds: ['2026-11-20T10-00-00-reference'],
    outcomes: {
      'examples/add': 'PP',
      [HOSTILE_FIZZBUZZ]: 'PP',
      [HOSTILE_TASK]: 'PP',
      'examples/sort': 'PP',
      'examples/broken-tests': 'FF',
      'examples/10': 'PP',
      'examples/9': 'PP',
      'private/secret-1': 'PP',
      'private/secret-2': 'PP',
    },
  },
  {
    model: hostile('scripted:answers'),
    sandbox: hostile('docker'),
    runIds: [hostile('run-scripted-1'), 'run-scripted-2'],
    outcomes: {
      'examples/add': 'PF',
      [HOSTILE_FIZZBUZZ]: 'FF',
      [HOSTILE_TASK]: 'PP',
      'examples/sort': 'PP',
      'examples/broken-tests': 'FF',
      'examples/10': 'FP',
      'examples/9': 'PP',
      'private/secret-1': 'FF',
      'private/secret-2': 'PP',
    },
    costUsd: 0.0123,
    latency: { p50: 820, p95: 2100 },
  },
  {
    model: 'openai:gpt-repair',
    sandbox: 'docker',
    runIds: ['2026-11-21T09-30-00-openai'],
    turns: true,
    outcomes: {
      'examples/add': 'PP',
      [HOSTILE_FIZZBUZZ]: 'PM',
      [HOSTILE_TASK]: 'PP',
      'examples/sort': 'SF',
      'examples/broken-tests': 'FF',
      'examples/9': 'FP',
      'private/secret-1': 'PF',
      'private/secret-2': 'PP',
    },
    costUsd: 1.5,
    latency: { p50: 1450, p95: 5230 },
  },
];

const SAMPLES_PER_TASK = 2;

/** The response of one sample: unique, so a test can tell which sample the detail shows. */
export function responseOf(taskId: string, model: string, sampleIndex: number): string {
  return `response to ${taskId} from ${model}, sample ${sampleIndex}\n${HOSTILE}`;
}

function testsFor(outcome: string, taskId: string, hostileStdout: boolean): SampleTestDetail[] {
  if (outcome === 'model-error') return [];
  const first: SampleTestDetail = {
    index: 0,
    name: hostile('test name'),
    verdict: 'passed',
    status: 'ok',
    exitCode: 0,
    stdout: hostileStdout ? HOSTILE_STDOUT : `ok ${taskId}\n`,
    stderr: '',
    durationMs: 12,
  };
  if (outcome === 'sandbox-error') {
    return [first, { index: 1, verdict: 'sandbox-error', reason: hostile('engine fault'), status: 'sandbox-error', exitCode: null, durationMs: 5000 }];
  }
  const passed = outcome === 'passed';
  return [
    first,
    {
      index: 1,
      name: 'edge cases',
      verdict: passed ? 'passed' : 'failed',
      reason: passed ? undefined : hostile('expected "3" got "4"'),
      status: passed ? 'ok' : 'runtime-error',
      exitCode: passed ? 0 : 1,
      stdout: passed ? '3\n' : '4\n',
      stderr: passed ? '' : `Traceback (most recent call last):\n  File "main.py", line 3\n${hostile('AssertionError')}`,
      durationMs: 31,
    },
  ];
}

function sampleDetail(plan: ModelPlan, task: ReportTask | string, sampleIndex: number, letter: OutcomeLetter): SampleDetail {
  const taskId = typeof task === 'string' ? task : task.id;
  const outcome = OUTCOME[letter];
  const hostileStdout = taskId === HOSTILE_TASK && sampleIndex === 0;
  const tests = testsFor(outcome, taskId, hostileStdout);
  const response = responseOf(taskId, plan.model, sampleIndex);
  const detail: SampleDetail = {
    taskId,
    sampleIndex,
    outcome,
    messages: [
      { role: 'system', content: hostile('system prompt') },
      { role: 'user', content: typeof task === 'string' ? 'private' : (task.prompt ?? '') },
    ],
    response,
    completion: `// extracted code for ${taskId}\n${HOSTILE}`,
    tests,
    limitsHit: outcome === 'failed' ? ['timeout'] : [],
    modelLatencyMs: 640 + sampleIndex,
    executionMs: 43,
  };
  if (outcome === 'model-error' || outcome === 'sandbox-error') detail.error = hostile(`${outcome} message`);
  if (plan.turns && outcome !== 'model-error') {
    detail.turns = [
      { turn: 0, response: hostile(`first answer, sample ${sampleIndex}`), completion: hostile('first code'), outcome: 'failed', tests: testsFor('failed', taskId, false) },
      { turn: 1, response, completion: detail.completion, outcome, tests },
    ];
  }
  return detail;
}

function taskCounts(outcomes: string): { passed: number; failed: number; modelErrors: number; sandboxErrors: number } {
  const letters = [...outcomes];
  const number = (letter: OutcomeLetter) => letters.filter((value) => value === letter).length;
  return { passed: number('P'), failed: number('F'), modelErrors: number('M'), sandboxErrors: number('S') };
}

function leaderboardRow(plan: ModelPlan, column: number, startedAt: string, finishedAt: string): LeaderboardRow {
  const perTask: TaskPassCount[] = [];
  const totals = { passed: 0, failed: 0, modelErrors: 0, sandboxErrors: 0, tasksSolved: 0 };
  for (const outcomes of Object.values(plan.outcomes)) {
    const task = taskCounts(outcomes);
    totals.passed += task.passed;
    totals.failed += task.failed;
    totals.modelErrors += task.modelErrors;
    totals.sandboxErrors += task.sandboxErrors;
    const scored = task.passed + task.failed;
    if (scored > 0 && task.passed === scored) totals.tasksSolved++;
    perTask.push({ samples: scored, passed: task.passed });
  }
  const tasks = Object.keys(plan.outcomes).length;
  const planned = tasks * SAMPLES_PER_TASK;
  const scored = totals.passed + totals.failed;
  const interval = passAt1Interval(perTask);
  return {
    column,
    model: plan.model,
    runIds: plan.runIds,
    folders: plan.runIds.map((id) => `runs/${id}`),
    sandbox: plan.sandbox,
    complete: scored === planned,
    tasks,
    samplesPerTask: SAMPLES_PER_TASK,
    planned,
    scored,
    passed: totals.passed,
    failed: totals.failed,
    modelErrors: totals.modelErrors,
    sandboxErrors: totals.sandboxErrors,
    unscored: planned - scored,
    tasksSolved: totals.tasksSolved,
    passAt: passAtKSummary(perTask, [1, 2]),
    passAt1Interval: interval && { low: interval.low, high: interval.high, method: interval.method, level: interval.level },
    passHat: passHatKSummary(perTask, [1, 2]),
    inputTokens: 1234 * tasks,
    outputTokens: 567 * tasks,
    costUsd: plan.costUsd,
    latencyP50Ms: plan.latency?.p50,
    latencyP95Ms: plan.latency?.p95,
    startedAt,
    finishedAt,
    durationMs: 12_345 + column,
  };
}

/** Exact two-sided McNemar p from the discordant counts. */
function mcnemar(onlyA: number, onlyB: number): number {
  const n = onlyA + onlyB;
  if (n === 0) return 1;
  let tail = 0;
  let binomial = 1;
  for (let i = 0; i <= Math.min(onlyA, onlyB); i++) {
    tail += binomial;
    binomial = (binomial * (n - i)) / (i + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}

function solved(outcomes: string | undefined): boolean | undefined {
  if (outcomes === undefined) return undefined;
  const task = taskCounts(outcomes);
  const scored = task.passed + task.failed;
  return scored === 0 ? undefined : task.passed === scored;
}

function rate(outcomes: string): number | undefined {
  const task = taskCounts(outcomes);
  const scored = task.passed + task.failed;
  return scored === 0 ? undefined : task.passed / scored;
}

function comparison(plans: ModelPlan[], a: number, b: number): ModelComparison {
  const result: ModelComparison = {
    a,
    b,
    tasksCompared: 0,
    onlyA: [],
    onlyB: [],
    hiddenOnlyA: 0,
    hiddenOnlyB: 0,
    bothSolved: 0,
    neitherSolved: 0,
    passAt1Difference: 0,
    mcnemarPValue: 1,
    bootstrap: { low: 0, high: 0, pValue: 1, resamples: 1000 },
    verdict: '',
  };
  const differences: number[] = [];
  for (const taskId of [...SHOWN_TASKS.map((task) => task.id), ...PRIVATE_TASKS]) {
    const solvedA = solved(plans[a]!.outcomes[taskId]);
    const solvedB = solved(plans[b]!.outcomes[taskId]);
    if (solvedA === undefined || solvedB === undefined) continue;
    result.tasksCompared++;
    differences.push(rate(plans[a]!.outcomes[taskId]!)! - rate(plans[b]!.outcomes[taskId]!)!);
    const hidden = PRIVATE_TASKS.includes(taskId);
    if (solvedA && solvedB) result.bothSolved++;
    else if (!solvedA && !solvedB) result.neitherSolved++;
    else if (solvedA) hidden ? result.hiddenOnlyA++ : result.onlyA.push(taskId);
    else hidden ? result.hiddenOnlyB++ : result.onlyB.push(taskId);
  }
  const mean = differences.reduce((total, value) => total + value, 0) / Math.max(1, differences.length);
  result.passAt1Difference = mean;
  result.mcnemarPValue = mcnemar(result.onlyA.length + result.hiddenOnlyA, result.onlyB.length + result.hiddenOnlyB);
  // Not a real bootstrap: figures of the right shape around the mean, for display.
  result.bootstrap = { low: mean - 0.21, high: mean + 0.17, pValue: 0.4321, resamples: 1000 };
  result.verdict = hostile(`${plans[a]!.model} vs ${plans[b]!.model}: no clear difference`);
  return result;
}

/** Where the browser test finds things in the fixture. */
export interface ReportFixture {
  report: ReportData;
  /** Index in `suites[0].tasks` of the task whose first sample (of `hostileColumn`) has `HOSTILE_STDOUT` as its first test's stdout. */
  hostileTask: number;
  hostileColumn: number;
  /** A model with repair turns (column in `suites[0].models`). */
  turnsColumn: number;
  /** The incomplete model's column. */
  incompleteColumn: number;
}

/** Build the fixture report. */
export function buildReportFixture(): ReportFixture {
  const rows = PLANS.map((plan, index) => leaderboardRow(plan, index, `2026-11-2${index}T10:00:00.000Z`, `2026-11-2${index}T10:04:30.000Z`));
  // Leaderboard order: best pass@1 first; columns follow it.
  const order = rows.map((_, index) => index).sort((x, y) => (rows[y]!.passAt['pass@1'] ?? 0) - (rows[x]!.passAt['pass@1'] ?? 0));
  const plans = order.map((index) => PLANS[index]!);
  const leaderboard = order.map((index, column) => ({ ...rows[index]!, column }));
  const matrix: Array<Array<MatrixCell | undefined>> = [];
  const details: Record<string, SampleDetail[]> = {};
  SHOWN_TASKS.forEach((task, taskIndex) => {
    matrix.push(
      plans.map((plan, column) => {
        const outcomes = plan.outcomes[task.id];
        if (outcomes === undefined) return undefined;
        const counts = taskCounts(outcomes);
        details[cellKey(taskIndex, column)] = [...outcomes].map((letter, sampleIndex) => sampleDetail(plan, task, sampleIndex, letter as OutcomeLetter));
        return { scored: counts.passed + counts.failed, passed: counts.passed, unscored: counts.modelErrors + counts.sandboxErrors };
      }),
    );
  });
  const scoredSomewhere = (task: ReportTask) => plans.some((plan) => solved(plan.outcomes[task.id]) !== undefined);
  const solvedByNone = SHOWN_TASKS.filter((task) => scoredSomewhere(task) && plans.every((plan) => solved(plan.outcomes[task.id]) !== true)).map((task) => task.id);
  const solvedByAll = SHOWN_TASKS.filter((task) => scoredSomewhere(task) && plans.every((plan) => solved(plan.outcomes[task.id]) !== false)).map((task) => task.id);
  const comparisons: ModelComparison[] = [];
  for (let a = 0; a < plans.length; a++) for (let b = a + 1; b < plans.length; b++) comparisons.push(comparison(plans, a, b));
  const first: SuiteReport = {
    suite: hostile('examples'),
    models: plans.map((plan) => plan.model),
    leaderboard,
    tasks: SHOWN_TASKS,
    hiddenTasks: PRIVATE_TASKS.length,
    matrix,
    solvedByNone,
    solvedByAll,
    comparisons,
    details,
  };
  const second: SuiteReport = {
    suite: 'humaneval-small',
    models: ['reference'],
    leaderboard: [
      {
        ...leaderboardRow({ model: 'reference', sandbox: 'docker', runIds: ['run-humaneval'], outcomes: { 'HumanEval/0': 'PP', 'HumanEval/1': 'PF' } }, 0, '2026-11-22T08:00:00.000Z', '2026-11-22T08:01:00.000Z'),
      },
    ],
    tasks: [
      { id: 'HumanEval/0', split: 'public' },
      { id: 'HumanEval/1', split: 'public' },
    ],
    hiddenTasks: 0,
    matrix: [[{ scored: 2, passed: 2, unscored: 0 }], [{ scored: 2, passed: 1, unscored: 0 }]],
    solvedByNone: [],
    solvedByAll: ['HumanEval/0'],
    comparisons: [],
  };
  const report: ReportData = {
    generatedAt: '2026-11-23T12:00:00.000Z',
    sandbenchVersion: hostile('0.1.0'),
    publicOnly: true,
    suites: [first, second],
    skipped: [{ folder: hostile('runs/broken'), reason: hostile('not finished') }],
  };
  return {
    report,
    hostileTask: SHOWN_TASKS.findIndex((task) => task.id === HOSTILE_TASK),
    hostileColumn: plans.findIndex((plan) => plan.model.startsWith('scripted:')),
    turnsColumn: plans.findIndex((plan) => plan.turns === true),
    incompleteColumn: leaderboard.findIndex((row) => !row.complete),
  };
}
