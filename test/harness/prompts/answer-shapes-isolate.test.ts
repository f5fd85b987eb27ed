import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/load-dataset.ts';
import { loadSuite } from '../../../src/datasets/load-suite.ts';
import { completionFromResponse } from '../../../src/harness/fit-completion.ts';
import { scoreCompletion } from '../../../src/harness/score-completion.ts';
import { IsolateSandbox } from '../../../src/sandboxes/isolate-sandbox.ts';
import type { Task } from '../../../src/schemas/task.ts';
import { datasets, repoRoot } from '../../helpers/paths.ts';
import { openDeclaration, scriptShapes } from './answer-shapes.ts';

let sandbox: IsolateSandbox;
beforeAll(() => {
  sandbox = new IsolateSandbox({ workers: 2 });
});
afterAll(async () => {
  await sandbox.dispose();
});

async function outcome(task: Task, response: string): Promise<string> {
  const score = await scoreCompletion(task, completionFromResponse(task, response, 'chat'), sandbox);
  return score.outcome;
}

/** Every shape of the right body passes, and of a wrong body fails; returns `{shape: outcome}` for both. */
async function shapeOutcomes(task: Task, tag: string, right: string, wrong: string): Promise<{ right: Record<string, string>; wrong: Record<string, string> }> {
  const result = { right: {} as Record<string, string>, wrong: {} as Record<string, string> };
  for (const [shape, build] of Object.entries(scriptShapes(tag))) {
    result.right[shape] = await outcome(task, build(task, right));
    result.wrong[shape] = await outcome(task, build(task, wrong));
  }
  return result;
}

function every(shapes: Record<string, string>, value: string): Record<string, string> {
  return Object.fromEntries(Object.keys(shapes).map((shape) => [shape, value]));
}

const humanEvalX = await loadDataset(datasets.humanevalXJs);
const mbxp = await loadDataset(datasets.mbxpTypescript);
const byId = (tasks: readonly Task[], id: string): Task => {
  const task = tasks.find((candidate) => candidate.id === id);
  if (!task) throw new Error(`no task ${id}`);
  return task;
};

describe('answer shapes, HumanEval-X JavaScript (isolate, silent program tests)', () => {
  // 0: one function; 10: a helper in the prefix that answers redeclare; 25: a loop mutating its argument.
  for (const id of ['JavaScript/0', 'JavaScript/10', 'JavaScript/25']) {
    it(`${id}: every shape of the reference passes, every shape of a wrong body fails`, async () => {
      const task = byId(humanEvalX.tasks, id);
      const result = await shapeOutcomes(task, 'javascript', task.reference!, '  return null;\n}\n');
      expect(result.right).toEqual(every(result.right, 'passed'));
      expect(result.wrong).toEqual(every(result.wrong, 'failed'));
    });
  }

  it('the later of two versions is the answer: a right one followed by a wrong one fails', async () => {
    const task = byId(humanEvalX.tasks, 'JavaScript/0');
    const declaration = openDeclaration(task);
    const response = `\`\`\`js\n${declaration}${task.reference!}\`\`\`\nShorter:\n\`\`\`js\n${declaration}  return false;\n}\n\`\`\``;
    expect(await outcome(task, response)).toBe('failed');
  });

  it('an answer cut at max tokens inside the function fails', async () => {
    const task = byId(humanEvalX.tasks, 'JavaScript/10');
    const reference = task.reference!;
    const response = `\`\`\`javascript\n${openDeclaration(task)}${reference.slice(0, reference.indexOf('while'))}`;
    expect(await outcome(task, response)).toBe('failed');
  });

  it('a helper the answer uses but does not repeat comes from the prefix', async () => {
    const task = byId(humanEvalX.tasks, 'JavaScript/10');
    expect(task.codePrefix).toContain('const isPalindrome');
    // The answer's own isPalindrome replaces the prefix's (no redeclaration), and without one the prefix's serves.
    const own = `\`\`\`js\nconst isPalindrome = (text) => text === [...text].reverse().join('');\n${openDeclaration(task)}${task.reference!}\`\`\``;
    const without = `\`\`\`js\n${openDeclaration(task)}${task.reference!}\`\`\``;
    expect([await outcome(task, own), await outcome(task, without)]).toEqual(['passed', 'passed']);
    const brokenHelper = `\`\`\`js\nconst isPalindrome = (text) => text.length === 0;\n${openDeclaration(task)}${task.reference!}\`\`\``;
    expect(await outcome(task, brokenHelper)).toBe('failed');
  });
});

/** Bodies written for MBXP TypeScript tasks (the dataset has no reference solutions). */
const MBXP_BODIES: Record<string, { right: string; wrong: string }> = {
  'HumanEval_typescript/0': {
    right:
      '  for (let i = 0; i < numbers.length; i++) {\n    for (let j = i + 1; j < numbers.length; j++) {\n      if (Math.abs(numbers[i] - numbers[j]) < threshold) return true;\n    }\n  }\n  return false;\n}\n',
    wrong: '  for (let i = 1; i < numbers.length; i++) {\n    if (Math.abs(numbers[i] - numbers[i - 1]) < threshold) return true;\n  }\n  return false;\n}\n',
  },
  'HumanEval_typescript/2': { right: '  return number0 % 1;\n}\n', wrong: '  return Math.round((number0 % 1) * 100) / 100;\n}\n' },
  'HumanEval_typescript/12': {
    right: '  if (strings.length === 0) return undefined;\n  let best: string = strings[0];\n  for (const text of strings) if (text.length > best.length) best = text;\n  return best;\n}\n',
    wrong: '  let best: string = strings[0];\n  for (const text of strings) if (text.length >= best.length) best = text;\n  return best;\n}\n',
  },
  'HumanEval_typescript/29': { right: '  return strings.filter((text) => text.startsWith(prefix));\n}\n', wrong: '  return strings.filter((text) => text.endsWith(prefix));\n}\n' },
};

describe('answer shapes, MBXP TypeScript (isolate, ES5 transpile)', () => {
  for (const [id, bodies] of Object.entries(MBXP_BODIES)) {
    it(`${id}: every shape of a right body passes, every shape of a wrong body fails`, async () => {
      const task = byId(mbxp.tasks, id);
      const result = await shapeOutcomes(task, 'typescript', bodies.right, bodies.wrong);
      expect(result.right).toEqual(every(result.right, 'passed'));
      expect(result.wrong).toEqual(every(result.wrong, 'failed'));
    });
  }
});

describe('answer shapes, task files (isolate)', () => {
  it('with a code prefix (count-vowels): every shape of the reference passes, of a wrong body fails', async () => {
    const suite = await loadSuite(`${repoRoot}/tasks/examples`);
    const task = byId(suite.tasks, 'count-vowels');
    const result = await shapeOutcomes(task, 'javascript', task.reference!, '  return text.length;\n};\n');
    expect(result.right).toEqual(every(result.right, 'passed'));
    expect(result.wrong).toEqual(every(result.wrong, 'failed'));
  });

  it('without a code prefix, program tests (fibonacci-fast): usage is dropped, the function kept', async () => {
    const suite = await loadSuite(`${repoRoot}/tasks/examples`);
    const task = byId(suite.tasks, 'fibonacci-fast');
    const program = (body: string): string =>
      `Here you go:\n\`\`\`javascript\nconst cache = new Map();\nfunction fib(n) {\n${body}}\n\nconsole.log(fib(10));\nfib(20);\n\`\`\`\nUsage printed above.`;
    const right = '  let a = 0n, b = 1n;\n  for (let i = 0; i < n; i += 1) [a, b] = [b, a + b];\n  return a;\n';
    const wrong = '  let a = 0n, b = 1n;\n  for (let i = 1; i < n; i += 1) [a, b] = [b, a + b];\n  return a;\n';
    expect([await outcome(task, program(right)), await outcome(task, program(wrong))]).toEqual(['passed', 'failed']);
  });

  it('without a code prefix, I/O tests (sum-two-numbers): the program keeps its main code', async () => {
    const suite = await loadSuite(`${repoRoot}/tasks/examples`);
    const task = byId(suite.tasks, 'sum-two-numbers');
    const program = (operator: string): string =>
      `\`\`\`js\nconst [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a ${operator} b);\n\`\`\``;
    expect([await outcome(task, program('+')), await outcome(task, program('-'))]).toEqual(['passed', 'failed']);
  });
});
