import type { RunSummary, SampleResult } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { passAtKSummary } from '../scoring/pass-at-k.ts';

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
 * Summarize a run's samples. Samples lost to engine or model faults are counted apart and kept
 * out of pass rates: pass@k uses, per task, only the samples that were scored. Test verdicts
 * count the tests of scored samples only.
 */
export function summarizeRun(samples: readonly SampleResult[], context: SummaryContext): RunSummary {
  const perTask = new Map<string, { samples: number; passed: number }>();
  for (const task of context.tasks) perTask.set(task.id, { samples: 0, passed: 0 });
  const testVerdicts: Record<string, number> = {};
  let passed = 0;
  let failed = 0;
  let sandboxErrors = 0;
  let modelErrors = 0;
  let inputTokens = 0;
  let outputTokens = 0;
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
    if (sample.outcome === 'passed') {
      counts.passed += 1;
      passed += 1;
    } else failed += 1;
    for (const verdict of sample.verdicts) testVerdicts[verdict.verdict] = (testVerdicts[verdict.verdict] ?? 0) + 1;
  }
  const planned = context.tasks.length * context.samplesPerTask;
  const scored = passed + failed;
  const withScores = [...perTask.values()].filter((counts) => counts.samples > 0);
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
    testVerdicts,
    usage: { inputTokens, outputTokens },
    durationMs: Math.round(context.durationMs),
    startedAt: context.startedAt,
    finishedAt: new Date().toISOString(),
  };
}
