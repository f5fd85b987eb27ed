import type { RunSummary, SampleResult } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { passAtKSummary } from '../scoring/pass-at-k.ts';

export interface SummaryContext {
  runId: string;
  suite: string;
  model: string;
  sandbox: string;
  tasks: readonly Task[];
  startedAt: string;
  durationMs: number;
}

/**
 * Summarize a run's samples. Samples lost to engine faults (`sandbox-error`) are counted
 * apart and kept out of pass rates: pass@k uses, per task, only the samples that were scored.
 */
export function summarizeRun(samples: readonly SampleResult[], context: SummaryContext): RunSummary {
  const perTask = new Map<string, { samples: number; passed: number; total: number }>();
  for (const task of context.tasks) perTask.set(task.id, { samples: 0, passed: 0, total: 0 });
  const verdicts: Record<string, number> = {};
  let passed = 0;
  let failed = 0;
  let errors = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  for (const sample of samples) {
    const counts = perTask.get(sample.taskId);
    if (!counts) continue;
    counts.total += 1;
    if (sample.outcome === 'sandbox-error') errors += 1;
    else {
      counts.samples += 1;
      if (sample.outcome === 'passed') {
        counts.passed += 1;
        passed += 1;
      } else failed += 1;
    }
    for (const verdict of sample.verdicts) verdicts[verdict.verdict] = (verdicts[verdict.verdict] ?? 0) + 1;
    inputTokens += sample.usage?.inputTokens ?? 0;
    outputTokens += sample.usage?.outputTokens ?? 0;
  }
  const scored = [...perTask.values()].filter((counts) => counts.samples > 0);
  const tasksPassed = [...perTask.values()].filter((counts) => counts.samples > 0 && counts.passed === counts.samples).length;
  return {
    runId: context.runId,
    suite: context.suite,
    model: context.model,
    sandbox: context.sandbox,
    tasks: context.tasks.length,
    samples: passed + failed + errors,
    passed,
    failed,
    errors,
    tasksPassed,
    passAt: scored.length > 0 ? passAtKSummary(scored.map(({ samples: n, passed: c }) => ({ samples: n, passed: c }))) : {},
    verdicts,
    usage: { inputTokens, outputTokens },
    durationMs: Math.round(context.durationMs),
    startedAt: context.startedAt,
    finishedAt: new Date().toISOString(),
  };
}
