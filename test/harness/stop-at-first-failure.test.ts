import { afterAll, describe, expect, it } from 'vitest';
import { scoreCompletion } from '../../src/harness/score-completion.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import type { Sandbox } from '../../src/sandboxes/sandbox.ts';
import { taskSchema, type TaskInput } from '../../src/schemas/task.ts';

const isolate = new IsolateSandbox();
afterAll(async () => isolate.dispose());

/** The real isolate, counting the programs it runs (one per stdin), through `runBatch` or `run`. */
function counting(): { sandbox: Sandbox; stdinsRun: string[] } {
  const stdinsRun: string[] = [];
  const sandbox: Sandbox = {
    name: isolate.name,
    capabilities: isolate.capabilities,
    run: (request) => {
      stdinsRun.push(request.stdin ?? '');
      return isolate.run(request);
    },
    runBatch: (request) => {
      stdinsRun.push(...request.stdins);
      return isolate.runBatch(request);
    },
    dispose: async () => {},
  };
  return { sandbox, stdinsRun };
}

/** Doubles its input; six tests, inputs 1…6. */
function doubling(extra: Partial<TaskInput> = {}) {
  return taskSchema.parse({
    id: 'double',
    prompt: 'print twice the number read from stdin',
    language: 'javascript',
    tests: [1, 2, 3, 4, 5, 6].map((value) => ({ kind: 'io', stdin: `${value}\n`, stdout: `${value * 2}\n` })),
    ...extra,
  });
}

const READ = "const n = Number(require('fs').readFileSync(0, 'utf8'));";
/** Right except for 3. */
const WRONG_ON_THREE = `${READ} console.log(n === 3 ? 7 : n * 2)`;

describe('stopAtFirstFailure', () => {
  it('judges the tests up to the first failing one; the rest are `not-run`, which fails the sample, and say why', async () => {
    const { sandbox, stdinsRun } = counting();
    const score = await scoreCompletion(doubling({ stopAtFirstFailure: true }), WRONG_ON_THREE, sandbox);
    expect(score.outcome).toBe('failed');
    expect(score.verdicts.map((verdict) => verdict.verdict)).toEqual(['passed', 'passed', 'failed', 'not-run', 'not-run', 'not-run']);
    expect(score.verdicts.map((verdict) => verdict.testIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(score.verdicts[2]!.reason).toContain('expected "6" got "7"');
    for (const verdict of score.verdicts.slice(3)) {
      expect(verdict.reason).toBe('not run: the task stops at its first failing test (testIndex 2: failed)');
      expect(verdict.execution).toBeUndefined();
    }
    // Runs go in growing groups (1, 2, 4, …): the failure in the second group ends the scoring.
    expect(stdinsRun).toEqual(['1\n', '2\n', '3\n']);
  });

  it('runs every test of an answer that passes them all', async () => {
    const { sandbox, stdinsRun } = counting();
    const score = await scoreCompletion(doubling({ stopAtFirstFailure: true }), `${READ} console.log(n * 2)`, sandbox);
    expect(score.outcome).toBe('passed');
    expect(score.verdicts.map((verdict) => verdict.verdict)).toEqual(Array(6).fill('passed'));
    expect(stdinsRun).toEqual(['1\n', '2\n', '3\n', '4\n', '5\n', '6\n']);
  });

  it('stops at a first test that crashes', async () => {
    const { sandbox, stdinsRun } = counting();
    const score = await scoreCompletion(doubling({ stopAtFirstFailure: true }), 'throw new Error("boom")', sandbox);
    expect(score.verdicts.map((verdict) => verdict.verdict)).toEqual(['runtime-error', 'not-run', 'not-run', 'not-run', 'not-run', 'not-run']);
    expect(score.verdicts[1]!.reason).toBe('not run: the task stops at its first failing test (testIndex 0: runtime-error)');
    expect(stdinsRun).toEqual(['1\n']);
  });

  it('keeps program tests in order with I/O tests: a failing program test stops the I/O tests after it', async () => {
    const task = taskSchema.parse({
      id: 'mixed',
      prompt: 'p',
      language: 'javascript',
      stopAtFirstFailure: true,
      tests: [
        { kind: 'io', stdin: '1\n', stdout: '2\n' },
        { kind: 'program', code: '\nif (typeof double !== "function") throw new Error("no double")' },
        { kind: 'io', stdin: '2\n', stdout: '4\n' },
      ],
    });
    const { sandbox, stdinsRun } = counting();
    const score = await scoreCompletion(task, `${READ} console.log(n * 2)`, sandbox);
    expect(score.verdicts.map((verdict) => verdict.verdict)).toEqual(['passed', 'runtime-error', 'not-run']);
    expect(stdinsRun).toEqual(['1\n', '']);
  });

  it('without the option every test runs and is judged', async () => {
    const { sandbox, stdinsRun } = counting();
    const score = await scoreCompletion(doubling(), WRONG_ON_THREE, sandbox);
    expect(score.verdicts.map((verdict) => verdict.verdict)).toEqual(['passed', 'passed', 'failed', 'passed', 'passed', 'passed']);
    expect(stdinsRun).toHaveLength(6);
  });
});
