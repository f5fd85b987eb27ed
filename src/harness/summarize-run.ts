import type { RunSummary, SampleResult, TaskSummary } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { passAt1ByTurn } from '../scoring/pass-at-1-by-turn.ts';
import { passAt1Interval } from '../scoring/pass-at-1-interval.ts';
import { passAtKSummary } from '../scoring/pass-at-k.ts';
import { passHatKSummary } from '../scoring/pass-hat-k.ts';
import { bootstrapMeanInterval } from '../scoring/bootstrap-mean-interval.ts';

export interface SummaryContext {
  runId: string;
  suite: string;
  model: string;
  sandbox: string;
  tasks: readonly Task[];
  /** Samples asked for each task. */
  samplesPerTask: number;
  startedAt: string;
  durationMs: number;
}

/**
 * A sample as the summary reads it: a sample result that may carry its multi-turn repair turns
 * (only each turn's `outcome` is read; `passed` is a pass).
 */
export type SummarizedSample = Omit<SampleResult, 'turns'> & {
  /** The sample's turns in order, the first answer first; absent or empty for a single answer. */
  turns?: ReadonlyArray<{ outcome: string }>;
};

/**
 * Summarize a run's samples. Samples lost to engine or model faults are counted apart and kept
 * out of pass rates: pass@k, pass^k, the pass@1 interval and pass@1 per turn use, per task, only
 * the samples that were scored. Test verdicts count the tests of scored samples only.
 */
export function summarizeRun(samples: readonly SummarizedSample[], context: SummaryContext): RunSummary {
  const perTask = new Map<string, { samples: number; passed: number; turnOutcomes: string[][]; scores: number[] }>();
  for (const task of context.tasks) perTask.set(task.id, { samples: 0, passed: 0, turnOutcomes: [], scores: [] });
  const testVerdicts: Record<string, number> = {};
  let passed = 0;
  let failed = 0;
  let sandboxErrors = 0;
  let modelErrors = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let hasTurns = false;
  for (const sample of samples) {
    const counts = perTask.get(sample.taskId);
    if (!counts) continue;
    inputTokens += sample.usage?.inputTokens ?? 0;
    outputTokens += sample.usage?.outputTokens ?? 0;
    if (sample.outcome === 'sandbox-error') {
      sandboxErrors += 1;
      continue;
    }
    if (sample.outcome === 'model-error') {
      modelErrors += 1;
      continue;
    }
    counts.samples += 1;
    if (sample.score !== undefined) counts.scores.push(sample.score);
    if (sample.outcome === 'passed') {
      counts.passed += 1;
      passed += 1;
    } else failed += 1;
    for (const verdict of sample.verdicts) testVerdicts[verdict.verdict] = (testVerdicts[verdict.verdict] ?? 0) + 1;
    // A sample without turns had one: its final answer.
    const turns = sample.turns ?? [];
    if (turns.length > 0) hasTurns = true;
    counts.turnOutcomes.push(turns.length > 0 ? turns.map((turn) => turn.outcome) : [sample.outcome]);
  }
  const planned = context.tasks.length * context.samplesPerTask;
  const scored = passed + failed;
  const withScores = [...perTask.values()].filter((counts) => counts.samples > 0);
  const interval = passAt1Interval(withScores);
  const taskScores = withScores.filter((counts) => counts.scores.length > 0).map((counts) => counts.scores.reduce((sum, value) => sum + value, 0) / counts.scores.length);
  const meanScore = taskScores.length > 0 ? { mean: taskScores.reduce((sum, value) => sum + value, 0) / taskScores.length, ...bootstrapMeanInterval(taskScores), tasks: taskScores.length } : undefined;
  const taskSummaries: TaskSummary[] = [...perTask].map(([taskId, counts]) => {
    const unscored = context.samplesPerTask - counts.samples;
    return { taskId, samples: counts.samples, passed: counts.passed, ...(unscored > 0 ? { unscored } : {}) };
  });
  return {
    runId: context.runId,
    suite: context.suite,
    model: context.model,
    sandbox: context.sandbox,
    complete: scored === planned,
    tasks: context.tasks.length,
    samplesPerTask: context.samplesPerTask,
    samples: { planned, scored, passed, failed, sandboxErrors, modelErrors, unscored: planned - scored },
    tasksSolved: withScores.filter((counts) => counts.passed === counts.samples).length,
    passAt: passAtKSummary(withScores),
    passHat: passHatKSummary(withScores),
    ...(interval ? { passAt1Interval: interval } : {}),
    ...(hasTurns ? { passAt1ByTurn: passAt1ByTurn(withScores.map((counts) => counts.turnOutcomes)) } : {}),
    perTask: taskSummaries,
    ...(meanScore ? { meanScore } : {}),
    testVerdicts,
    usage: { inputTokens, outputTokens },
    durationMs: Math.round(context.durationMs),
    startedAt: context.startedAt,
    finishedAt: new Date().toISOString(),
  };
}
