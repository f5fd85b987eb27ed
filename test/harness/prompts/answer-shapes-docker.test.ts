import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/load-dataset.ts';
import { loadSuite } from '../../../src/datasets/load-suite.ts';
import { completionFromResponse } from '../../../src/harness/fit-completion.ts';
import { scoreCompletion } from '../../../src/harness/score-completion.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import type { Task } from '../../../src/schemas/task.ts';
import { dockerForTests } from '../../helpers/docker-available.ts';
import { datasets, repoRoot } from '../../helpers/paths.ts';
import { openDeclaration, pythonShapes } from './answer-shapes.ts';

const docker = await dockerForTests();

describe.runIf(docker.available)('answer shapes, Python (Docker sandbox)', () => {
  let sandbox: DockerSandbox;
  beforeAll(() => {
    sandbox = new DockerSandbox({ poolSize: 1 });
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  async function outcome(task: Task, response: string): Promise<string> {
    const score = await scoreCompletion(task, completionFromResponse(task, response, 'chat'), sandbox);
    return score.outcome;
  }

  async function shapeOutcomes(task: Task, right: string, wrong: string): Promise<{ right: Record<string, string>; wrong: Record<string, string> }> {
    const result = { right: {} as Record<string, string>, wrong: {} as Record<string, string> };
    for (const [shape, build] of Object.entries(pythonShapes())) {
      result.right[shape] = await outcome(task, build(task, right));
      result.wrong[shape] = await outcome(task, build(task, wrong));
    }
    return result;
  }

  const every = (shapes: Record<string, string>, value: string): Record<string, string> =>
    Object.fromEntries(Object.keys(shapes).map((shape) => [shape, value]));

  const byId = (tasks: readonly Task[], id: string): Task => {
    const task = tasks.find((candidate) => candidate.id === id);
    if (!task) throw new Error(`no task ${id}`);
    return task;
  };

  // 0: `from typing import List`; 10: a helper in the prompt; 32: `import math` and a helper; 2: no import.
  for (const id of ['HumanEval/0', 'HumanEval/10', 'HumanEval/32', 'HumanEval/2']) {
    it(`${id}: every shape of the reference passes, every shape of a wrong body fails`, async () => {
      const task = byId((await loadDataset(datasets.humaneval)).tasks, id);
      const result = await shapeOutcomes(task, task.reference!, '    return None\n');
      expect(result.right).toEqual(every(result.right, 'passed'));
      expect(result.wrong).toEqual(every(result.wrong, 'failed'));
    }, 120_000);
  }

  it('the later of two versions is the answer, and a cut inside the function fails', async () => {
    const task = byId((await loadDataset(datasets.humaneval)).tasks, 'HumanEval/0');
    const declaration = openDeclaration(task);
    const laterWrong = `\`\`\`python\n${declaration}${task.reference!}\`\`\`\nOr:\n\`\`\`python\n${declaration}    return False\n\`\`\``;
    const reference = task.reference!;
    const cut = `\`\`\`python\n${declaration}${reference.slice(0, reference.lastIndexOf('return'))}`;
    expect([await outcome(task, laterWrong), await outcome(task, cut)]).toEqual(['failed', 'failed']);
  }, 60_000);

  it('a top-level call the answer needs is kept (only example usage goes)', async () => {
    const task = byId((await loadDataset(datasets.humaneval)).tasks, 'HumanEval/2');
    const answer = (value: string): string =>
      `\`\`\`python\nimport sys\nsys.setrecursionlimit(500)\nLIMIT = sys.getrecursionlimit()\n\ndef truncate_number(number: float) -> float:\n    assert LIMIT == ${value}\n    return number % 1.0\n\nprint(truncate_number(3.5))\n\`\`\``;
    expect([await outcome(task, answer('500')), await outcome(task, answer('1000'))]).toEqual(['passed', 'failed']);
  }, 60_000);

  it('task file with a code prefix (python-run-length): every shape of the reference passes, of a wrong body fails', async () => {
    const suite = await loadSuite(`${repoRoot}/tasks/docker-examples`);
    const task = byId(suite.tasks, 'python-run-length');
    const result = await shapeOutcomes(task, task.reference!, '    return [(character, 1) for character in text]\n');
    expect(result.right).toEqual(every(result.right, 'passed'));
    expect(result.wrong).toEqual(every(result.wrong, 'failed'));
  }, 120_000);

  it('task file without a code prefix, I/O tests (python-mean): example-looking prints stay, they are the program', async () => {
    const suite = await loadSuite(`${repoRoot}/tasks/docker-examples`);
    const task = byId(suite.tasks, 'python-mean');
    expect(task.codePrefix).toBe('');
    const right = `Read all numbers, print the mean:\n\`\`\`python\nimport sys\n${task.reference!}\`\`\``;
    const wrong = '```python\nimport sys\nvalues = [float(token) for token in sys.stdin.read().split()]\nprint(sum(values))\n```';
    expect([await outcome(task, right), await outcome(task, wrong)]).toEqual(['passed', 'failed']);
  }, 60_000);
});
