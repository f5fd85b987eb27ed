import { describe, expect, it } from 'vitest';
import { summarizeRun, type SummarizedSample } from '../../src/harness/summarize-run.ts';
import { runSummarySchema, type SampleResult } from '../../src/schemas/sample-result.ts';
import { taskSchema } from '../../src/schemas/task.ts';

const z = 1.959963984540054;

function sample(taskId: string, sampleIndex: number, outcome: SampleResult['outcome'], turns?: string[]): SummarizedSample {
  return {
    taskId,
    sampleIndex,
    model: 'm',
    response: 'x',
    completion: 'x',
    outcome,
    verdicts: outcome === 'passed' || outcome === 'failed' ? [{ testIndex: 0, verdict: outcome }] : [],
    modelLatencyMs: 1,
    executionMs: 2,
    sandbox: 'isolate',
    finishedAt: '',
    ...(turns ? { turns: turns.map((turnOutcome) => ({ outcome: turnOutcome })) } : {}),
  };
}

function summarize(ids: string[], samples: SummarizedSample[], samplesPerTask: number) {
  const tasks = ids.map((id) => taskSchema.parse({ id, prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: '' }] }));
  const summary = summarizeRun(samples, { runId: 'r', suite: 's', model: 'm', sandbox: 'isolate', tasks, samplesPerTask, startedAt: '', durationMs: 1 });
  // What the run writes must read back as a summary (the leaderboard reads it).
  expect(runSummarySchema.parse(JSON.parse(JSON.stringify(summary)))).toEqual(summary);
  return summary;
}

describe('summarizeRun statistics', () => {
  it('gives per-task counts in suite order, with unscored samples where some were lost', () => {
    const summary = summarize(
      ['c', 'a', 'b'],
      [sample('a', 0, 'passed'), sample('b', 0, 'failed'), sample('a', 1, 'sandbox-error'), sample('c', 0, 'passed'), sample('c', 1, 'passed'), sample('b', 1, 'model-error')],
      2,
    );
    expect(summary.perTask).toEqual([
      { taskId: 'c', samples: 2, passed: 2 },
      { taskId: 'a', samples: 1, passed: 1, unscored: 1 },
      { taskId: 'b', samples: 1, passed: 0, unscored: 1 },
    ]);
  });

  it('counts a task none of whose samples ran as all unscored', () => {
    const summary = summarize(['a', 'b'], [sample('a', 0, 'passed')], 1);
    expect(summary.perTask).toEqual([
      { taskId: 'a', samples: 1, passed: 1 },
      { taskId: 'b', samples: 0, passed: 0, unscored: 1 },
    ]);
    // b carries no evidence: left out of pass@1 and of its interval (Wilson on 1 of 1).
    expect(summary.passAt).toEqual({ 'pass@1': 1 });
    expect(summary.passAt1Interval).toEqual({ low: expect.closeTo(1 / (1 + z * z), 12), high: 1, method: 'wilson', level: 0.95 });
  });

  it('reports the Wilson interval over tasks with one sample per task', () => {
    // 3 of 4 tasks solved: p = 0.75, n = 4.
    const summary = summarize(['a', 'b', 'c', 'd'], [sample('a', 0, 'passed'), sample('b', 0, 'passed'), sample('c', 0, 'failed'), sample('d', 0, 'passed')], 1);
    const n = 4;
    const p = 0.75;
    const center = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
    const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    expect(summary.passAt1Interval).toEqual({ low: expect.closeTo(center - half, 12), high: expect.closeTo(center + half, 12), method: 'wilson', level: 0.95 });
    expect(summary.passHat).toEqual({ 'pass^1': 0.75 });
    expect(summary.passAt1ByTurn).toBeUndefined();
  });

  it('reports pass^k and a bootstrap interval with several samples per task', () => {
    // 10 samples per task: a passes 10, b passes 5, c passes 0.
    const samples = [
      ...Array.from({ length: 10 }, (_, index) => sample('a', index, 'passed')),
      ...Array.from({ length: 10 }, (_, index) => sample('b', index, index < 5 ? 'passed' : 'failed')),
      ...Array.from({ length: 10 }, (_, index) => sample('c', index, 'failed')),
    ];
    const summary = summarize(['a', 'b', 'c'], samples, 10);
    // pass@1 = (1 + 0.5 + 0) / 3 = 0.5; pass^10 = (1 + C(5,10)/C(10,10) + 0) / 3 = 1/3.
    expect(summary.passAt['pass@1']).toBeCloseTo(0.5, 12);
    expect(summary.passHat).toEqual({ 'pass^1': expect.closeTo(0.5, 12), 'pass^10': expect.closeTo(1 / 3, 12) });
    // pass@10 = (1 + (1 − C(5,10)/C(10,10)) + 0) / 3 = 2/3.
    expect(summary.passAt['pass@10']).toBeCloseTo(2 / 3, 12);
    const interval = summary.passAt1Interval!;
    expect(interval).toMatchObject({ method: 'bootstrap', level: 0.95, resamples: 2000 });
    // Rates 1, 0.5, 0: resampled means run from 0 to 1, each extreme with probability 1/27 > 2.5%.
    expect(interval.low).toBeLessThanOrEqual(0.5);
    expect(interval.high).toBeGreaterThanOrEqual(0.5);
    expect(interval.low).toBeGreaterThanOrEqual(0);
    expect(interval.high).toBeLessThanOrEqual(1);
    // The same samples in another order give the same summary statistics.
    const again = summarize(['a', 'b', 'c'], [...samples].reverse(), 10);
    expect(again.passAt1Interval).toEqual(interval);
  });

  it('has no interval and empty pass rates when nothing was scored', () => {
    const summary = summarize(['a'], [sample('a', 0, 'sandbox-error')], 1);
    expect(summary.passAt).toEqual({});
    expect(summary.passHat).toEqual({});
    expect(summary.passAt1Interval).toBeUndefined();
    expect(summary.perTask).toEqual([{ taskId: 'a', samples: 0, passed: 0, unscored: 1 }]);
  });

  it('reports pass@1 per repair turn when samples have turns, from scored samples only', () => {
    const summary = summarize(
      ['a', 'b'],
      [
        sample('a', 0, 'passed', ['passed']),
        sample('a', 1, 'passed', ['failed', 'passed']),
        sample('b', 0, 'failed', ['failed', 'failed', 'failed']),
        // Without turns: one turn with its outcome.
        sample('b', 1, 'passed'),
        // Lost to the engine: kept out even though a turn passed.
        sample('b', 2, 'sandbox-error', ['passed']),
      ],
      3,
    );
    // turn 0: a 1/2, b 1/2 → 0.5; turn 1: a 2/2, b 1/2 → 0.75; turn 2: the same, 0.75.
    expect(summary.passAt1ByTurn).toEqual([0.5, 0.75, 0.75]);
    // The last turn agrees with pass@1 of the final answers.
    expect(summary.passAt['pass@1']).toBeCloseTo(0.75, 12);
  });
});
