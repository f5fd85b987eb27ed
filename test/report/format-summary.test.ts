import { describe, expect, it } from 'vitest';
import { summarizeRun, type SummarizedSample } from '../../src/harness/summarize-run.ts';
import { formatLeaderboard, formatSummary } from '../../src/report/format-summary.ts';
import type { RunSummary } from '../../src/schemas/sample-result.ts';
import { taskSchema } from '../../src/schemas/task.ts';

/** A run of `passes.length` tasks; `passes[i]` lists the outcomes of task i's samples (true: passed), each with the given turns. */
function run(model: string, passes: boolean[][], turns?: (taskIndex: number, sampleIndex: number) => string[]): RunSummary {
  const tasks = passes.map((_, index) => taskSchema.parse({ id: `t${index}`, prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: '' }] }));
  const samples: SummarizedSample[] = passes.flatMap((outcomes, taskIndex) =>
    outcomes.map((passed, sampleIndex) => ({
      taskId: `t${taskIndex}`, sampleIndex, model, response: '', completion: '', outcome: passed ? 'passed' : 'failed',
      verdicts: [{ testIndex: 0, verdict: passed ? 'passed' : 'failed' }], modelLatencyMs: 0, executionMs: 0, sandbox: 'isolate', finishedAt: '',
      ...(turns ? { turns: turns(taskIndex, sampleIndex).map((outcome) => ({ outcome })) } : {}),
    })),
  );
  const samplesPerTask = Math.max(1, ...passes.map((outcomes) => outcomes.length));
  return summarizeRun(samples, { runId: `run-${model}`, suite: 's', model, sandbox: 'isolate', tasks, samplesPerTask, startedAt: '2026-11-29T10:00:00Z', durationMs: 1 });
}

/** 100 of 164 tasks solved, one sample each. */
const wilsonRun = run('m', Array.from({ length: 164 }, (_, index) => [index < 100]));

describe('formatSummary', () => {
  it('shows pass@1 with its 95% interval and the method', () => {
    // 100/164 = 60.98%; Wilson 95%: 0.53340 to 0.68108 (by the formula, in Python and in
    // test/scoring/wilson-interval.test.ts), rounded to one decimal of a percent.
    const text = formatSummary(wilsonRun);
    expect(text).toContain('pass@k    pass@1 61.0% [53.3–68.1] (95% interval: Wilson score over 164 tasks)');
    // One sample per task: pass^1 would only repeat pass@1, and there are no repair turns.
    expect(text).not.toMatch(/pass\^/);
    expect(text).not.toMatch(/^repair/m);
  });

  it('names the bootstrap and shows pass^k with several samples per task', () => {
    // 10 samples per task: t0 passes all, t1 half, t2 none. pass@1 = 50.0%, pass@10 = 2/3, pass^10 = 1/3.
    const summary = run('m', [Array(10).fill(true), Array.from({ length: 10 }, (_, index) => index < 5), Array(10).fill(false)]);
    const text = formatSummary(summary);
    const { low, high } = summary.passAt1Interval!;
    expect(text).toContain(`pass@k    pass@1 50.0% [${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)}]  pass@10 66.7% (95% interval: bootstrap over 3 tasks, 2000 resamples)`);
    expect(text).toContain('pass^k    pass^1 50.0%  pass^10 33.3% (every one of k samples passes)');
  });

  it('says when the Wilson interval is over the samples of the only task', () => {
    // 7 of 10 samples pass: Wilson [39.7–89.2] (the textbook 7 of 10).
    const summary = run('m', [Array.from({ length: 10 }, (_, index) => index < 7)]);
    expect(formatSummary(summary)).toContain('pass@k    pass@1 70.0% [39.7–89.2]  pass@10 100.0% (95% interval: Wilson score over the 10 samples of 1 task)');
    expect(formatSummary(run('m', [[true]]))).toContain('(95% interval: Wilson score over 1 task)');
  });

  it('shows pass@1 after each repair turn when samples have turns', () => {
    // t0 passes at the first answer; t1 after one repair; t2 never (three turns).
    const summary = run('m', [[true], [true], [false]], (taskIndex) => [['passed'], ['failed', 'passed'], ['failed', 'failed', 'failed']][taskIndex]!);
    // By turn: 1/3, 2/3, 2/3.
    expect(formatSummary(summary)).toContain('repair    pass@1 first answer 33.3%, after repair 1 66.7%, after repair 2 66.7%');
  });

  it('says so when nothing was scored, with no interval', () => {
    const summary = run('m', [[]]);
    expect(summary.passAt1Interval).toBeUndefined();
    expect(formatSummary(summary)).toContain('pass@k    n/a (no sample scored)');
  });
});

describe('formatLeaderboard', () => {
  it('shows each pass@1 with its interval, best first', () => {
    const strong = run('strong', [[true], [true], [true], [false]]);
    const weak = run('weak', [[false], [false], [false], [true]]);
    const rows = formatLeaderboard([weak, strong]).trim().split('\n');
    expect(rows[0]).toMatch(/^suite\s+model\s+pass@1\s+scored/);
    const bounds = (summary: RunSummary) => `[${(summary.passAt1Interval!.low * 100).toFixed(1)}–${(summary.passAt1Interval!.high * 100).toFixed(1)}]`;
    expect(rows[2]).toMatch(new RegExp(`^s\\s+strong\\s+75\\.0% ${bounds(strong).replace(/[[\]]/g, '\\$&')}\\s+4/4`));
    expect(rows[3]).toMatch(new RegExp(`^s\\s+weak\\s+25\\.0% ${bounds(weak).replace(/[[\]]/g, '\\$&')}\\s+4/4`));
  });

  it('shows a bare pass@1 for a summary without an interval', () => {
    const { passAt1Interval: _dropped, ...older } = run('m', [[true], [false]]);
    expect(formatLeaderboard([older]).split('\n')[2]).toMatch(/^s\s+m\s+50\.0%\s+2\/2/);
  });
});
