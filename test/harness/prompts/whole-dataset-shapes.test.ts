import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/load-dataset.ts';
import { completionFromResponse } from '../../../src/harness/fit-completion.ts';
import { scoreCompletion } from '../../../src/harness/score-completion.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { IsolateSandbox } from '../../../src/sandboxes/isolate-sandbox.ts';
import type { Sandbox } from '../../../src/sandboxes/sandbox.ts';
import type { Task } from '../../../src/schemas/task.ts';
import { dockerForTests } from '../../helpers/docker-available.ts';
import { datasets } from '../../helpers/paths.ts';
import { openDeclaration } from './answer-shapes.ts';

/**
 * Over a whole dataset: the reference sent back by a chat model as the whole function in a fence
 * (with prose and a usage line) scores exactly as the reference continuation does upstream.
 */
async function compareShapes(tasks: readonly Task[], sandbox: Sandbox, tag: string, usage: (entry: string) => string): Promise<{ continuation: Record<string, string>; chat: Record<string, string> }> {
  const continuation: Record<string, string> = {};
  const chat: Record<string, string> = {};
  const queue = [...tasks];
  const worker = async (): Promise<void> => {
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
      const response = `Here is the function:\n\n\`\`\`${tag}\n${openDeclaration(task)}${task.reference!}\n${usage(task.entryPoint!)}\n\`\`\`\n`;
      continuation[task.id] = (await scoreCompletion(task, completionFromResponse(task, task.reference!, 'continuation'), sandbox)).outcome;
      chat[task.id] = (await scoreCompletion(task, completionFromResponse(task, response, 'chat'), sandbox)).outcome;
    }
  };
  await Promise.all([worker(), worker()]);
  return { continuation, chat };
}

describe('whole datasets: the whole function repeated scores as the continuation does', () => {
  const isolate = new IsolateSandbox({ workers: 2 });
  afterAll(async () => {
    await isolate.dispose();
  });

  it('HumanEval-X JavaScript, 164 tasks (isolate)', async () => {
    const { tasks } = await loadDataset(datasets.humanevalXJs);
    const { continuation, chat } = await compareShapes(tasks, isolate, 'javascript', (entry) => `console.log(${entry}());`);
    expect(chat).toEqual(continuation);
    expect(Object.values(chat).filter((outcome) => outcome === 'passed').length).toBeGreaterThan(150);
  }, 300_000);
});

const docker = await dockerForTests();

describe.runIf(docker.available)('whole datasets, Docker', () => {
  it('HumanEval Python, 164 tasks: every reference passes in both shapes', async () => {
    const sandbox = new DockerSandbox({ poolSize: 2 });
    try {
      const { tasks } = await loadDataset(datasets.humaneval);
      const { continuation, chat } = await compareShapes(tasks, sandbox, 'python', (entry) => `\nif __name__ == "__main__":\n    print(${entry}())`);
      expect(chat).toEqual(continuation);
      expect(Object.values(chat).every((outcome) => outcome === 'passed')).toBe(true);
    } finally {
      await sandbox.dispose();
    }
  }, 300_000);
});
