import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import { runSuite } from '../../src/harness/run-suite.ts';
import { summarizeRun } from '../../src/harness/summarize-run.ts';
import { validateSuite } from '../../src/harness/validate-suite.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { formatLeaderboard } from '../../src/report/format-summary.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';
import type { Sandbox } from '../../src/sandboxes/sandbox.ts';
import type { SampleResult } from '../../src/schemas/sample-result.ts';
import { taskSchema } from '../../src/schemas/task.ts';

describe("validate's flakiness check", () => {
  it('flags a task whose reference gives different verdicts from run to run', async () => {
    const inner = new IsolateSandbox();
    let runs = 0;
    // A real isolate, whose program sees a different input on every other run: an unstable test.
    const unstable: Sandbox = {
      name: 'isolate',
      capabilities: inner.capabilities,
      run: (request) => inner.run({ ...request, stdin: (runs++ % 2 === 0 ? 'even' : 'odd') + '\n' }),
      dispose: () => inner.dispose(),
    };
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-flaky-'));
    await writeFile(
      join(folder, 'echo.yaml'),
      "id: echo\nlanguage: javascript\nprompt: p\ntests: [{ kind: io, stdout: 'even' }]\nreference: console.log(require('fs').readFileSync(0, 'utf8').trim())\n",
    );
    try {
      const report = await validateSuite({ suite: await loadSuite(folder), sandboxes: new SandboxSet(unstable), repeats: 3 });
      const problems = report.results[0]!.problems.map((problem) => problem.check);
      expect(problems).toContain('flaky');
      expect(report.failing).toBe(1);
    } finally {
      await inner.dispose();
    }
  });

  it('does not flag a stable reference', async () => {
    const sandboxes = new SandboxSet('isolate');
    try {
      const report = await validateSuite({ suite: await loadSuite('tasks/examples', { taskIds: ['greeting'] }), sandboxes, repeats: 3 });
      expect(report.results[0]!.problems).toEqual([]);
    } finally {
      await sandboxes.dispose();
    }
  });
});

describe('backend capability refusal', () => {
  it('refuses a task the forced backend cannot run before the model is asked anything', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-refuse-'));
    await writeFile(join(folder, 'py.yaml'), 'id: py\nlanguage: python\nprompt: p\ntests: [{ kind: io, stdout: "1" }]\nreference: print(1)\n');
    let asked = 0;
    const model = await resolveModel({ id: 'test:counting', generate: async () => ((asked += 1), { text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' }) });
    const sandboxes = new SandboxSet('isolate');
    try {
      await expect(runSuite({ suite: await loadSuite(folder), model, sandboxes, outDir: join(folder, 'run') })).rejects.toSatisfy(
        (error: unknown) => SandbenchError.isInstance(error, 'unsupported') && /python, which the isolate sandbox cannot run .*use --sandbox docker/.test((error as Error).message),
      );
      expect(asked).toBe(0);
    } finally {
      await sandboxes.dispose();
    }
  });
});

describe('leaderboard order', () => {
  const tasks = ['a', 'b'].map((id) => taskSchema.parse({ id, prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: '' }] }));
  const run = (model: string, suite: string, passedA: boolean, passedB: boolean) => {
    const sample = (taskId: string, passed: boolean): SampleResult => ({
      taskId, sampleIndex: 0, model, response: '', completion: '', outcome: passed ? 'passed' : 'failed',
      verdicts: [{ testIndex: 0, verdict: passed ? 'passed' : 'failed' }], modelLatencyMs: 0, executionMs: 0, sandbox: 'isolate', finishedAt: '',
    });
    return summarizeRun([sample('a', passedA), sample('b', passedB)], { runId: `${suite}-${model}`, suite, model, sandbox: 'isolate', tasks, samplesPerTask: 1, startedAt: '2026-11-29T10:00:00Z', durationMs: 1 });
  };

  it('groups by suite and ranks by pass@1, best first', () => {
    const board = formatLeaderboard([run('weak', 's1', false, false), run('strong', 's2', true, true), run('strong', 's1', true, true), run('middle', 's1', true, false)]);
    const rows = board.trim().split('\n').slice(2).map((line) => line.split(/\s+/).slice(0, 3).join(' '));
    expect(rows).toEqual(['s1 strong 100.0%', 's1 middle 50.0%', 's1 weak 0.0%', 's2 strong 100.0%']);
  });
});
