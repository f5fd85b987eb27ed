import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import type { SampleResult } from '../../src/schemas/sample-result.ts';
import type { Task } from '../../src/schemas/task.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startFakeProviderServer, type FakeAnswer, type FakeProviderServer, type FakeRequest } from '../support/fake-provider-server.ts';
import { judgeAnswer } from './judge-wire.ts';

const docker = await dockerForTests();
const SUITE = join(repoRoot, 'tasks', 'agents');

/** What the reference plays at a turn: its calls one per turn, then the answer (submitted when it can). */
function referenceTurn(task: Task, turn: number): { text: string; toolCalls: Array<{ id: string; name: string; input: Record<string, unknown> }> } {
  const calls = task.referenceCalls ?? [];
  const call = calls[turn];
  if (call) return { text: '', toolCalls: [{ id: `call-${task.id}-${turn}`, name: call.tool, input: call.arguments }] };
  if ((task.tools ?? []).includes('submit')) return { text: '', toolCalls: [{ id: `call-${task.id}-${turn}`, name: 'submit', input: { answer: task.reference ?? '' } }] };
  return { text: task.reference ?? '', toolCalls: [] };
}

async function readSamples(folder: string): Promise<SampleResult[]> {
  const text = await readFile(join(folder, 'samples.jsonl'), 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line) as SampleResult);
}

describe.skipIf(!docker.available)('the agent example suite end to end', () => {
  let tasks: Task[];
  let server: FakeProviderServer;
  let work: string;
  beforeAll(async () => {
    tasks = (await loadSuite(SUITE)).tasks;
    work = await mkdtemp(join(tmpdir(), 'sandbench-agents-'));
    server = await startFakeProviderServer({
      answer: (request: FakeRequest): FakeAnswer | string => {
        const judged = judgeAnswer(request);
        if (judged !== undefined) return judged;
        const prompt = request.messages.find((message) => message.role === 'user')?.text ?? '';
        const task = tasks.find((candidate) => candidate.prompt === prompt);
        if (!task) return `no task has the prompt ${JSON.stringify(prompt.slice(0, 40))}`;
        const turn = request.messages.filter((message) => message.role === 'assistant').length;
        return referenceTurn(task, turn);
      },
    });
    await writeFile(
      join(work, 'sandbench.config.yaml'),
      `providers:\n  local:\n    type: openai-compatible\n    baseURL: ${server.baseURLs.openai}\nmodels:\n  'local:agent': { maxRetries: 0 }\n  'local:judge': { maxRetries: 0 }\n`,
    );
    // The same episodes as a scripted model: one line per task, its turns in order.
    const lines = tasks.map((task) => {
      const turns = [];
      for (let turn = 0; turn <= (task.referenceCalls ?? []).length; turn += 1) {
        const played = referenceTurn(task, turn);
        turns.push({ text: played.text, tool_calls: played.toolCalls.map((call) => ({ id: call.id, name: call.name, arguments: call.input })) });
      }
      return JSON.stringify({ task_id: task.id, turns });
    });
    await writeFile(join(work, 'script.jsonl'), lines.join('\n') + '\n');
  });
  afterAll(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  function checkEpisodes(samples: SampleResult[]): void {
    const byTask = new Map(samples.map((sample) => [sample.taskId, sample]));
    for (const task of tasks) {
      const sample = byTask.get(task.id)!;
      expect(sample.outcome, `${task.id}: ${JSON.stringify(sample.scores ?? sample.error)}`).toBe('passed');
      expect(sample.score).toBe(1);
    }
    // The denied command was refused, recorded, and the model went on.
    const denied = byTask.get('cleanup-denied')!.episode!;
    expect(denied.toolCalls.map((call) => call.status)).toEqual(['denied', 'ok', 'ok']);
    expect(denied.toolCalls[0]!.output).toMatch(/deleting, moving and network commands are not allowed/);
    // Tool results came from the sandbox: the hash, the analysis, the persistent JavaScript context.
    expect(byTask.get('file-hash')!.episode!.toolCalls[0]!.output).toMatch(/^1557b2bc56c6730dd43a27722f009bb3c370ad7358246e4d5f7c4e9b42baa6be\s+data\.txt/);
    expect(byTask.get('sales-analysis')!.episode!.toolCalls[0]!.output.trim()).toBe('87.6');
    expect(byTask.get('fibonacci-javascript')!.episode!.toolCalls[1]!.output.trim()).toBe('1548008755920');
    expect(byTask.get('fix-failing-module')!.episode!.toolCalls[1]!.output).toContain('all tests passed');
    expect(byTask.get('unit-converter-tool')!.episode!.toolCalls[0]!.output).toBe('26.219');
  }

  it('a scripted model: every example passes, with the judge over HTTP', async () => {
    const out = join(work, 'scripted-run');
    const result = await runCli(['run', SUITE, '--model', `scripted:${join(work, 'script.jsonl')}`, '--sandbox', 'docker', '--judge-model', 'local:judge', '--config', join(work, 'sandbench.config.yaml'), '--out', out, '--json'], { timeoutMs: 600_000 });
    expect(result.code, result.stderr).toBe(0);
    checkEpisodes(await readSamples(out));
  });

  it('a provider over HTTP issuing real tool calls: every example passes, and it saw every tool result', async () => {
    const out = join(work, 'http-run');
    const before = server.requests.length;
    const result = await runCli(['run', SUITE, '--model', 'local:agent', '--sandbox', 'docker', '--judge-model', 'local:judge', '--config', join(work, 'sandbench.config.yaml'), '--out', out, '--json', '--no-cache'], { timeoutMs: 600_000 });
    expect(result.code, result.stderr).toBe(0);
    const samples = await readSamples(out);
    checkEpisodes(samples);
    const summary = JSON.parse(result.stdout) as { samples: { passed: number }; meanScore: { mean: number } };
    expect(summary.samples.passed).toBe(tasks.length);
    expect(summary.meanScore.mean).toBe(1);
    // Over the wire: the provider received the hash as a tool result tied to its call.
    const requests = server.requests.slice(before).map((request) => request.body as { messages: Array<{ role: string; tool_call_id?: string; content?: unknown }> });
    const results = requests.flatMap((body) => body.messages.filter((message) => message.role === 'tool'));
    expect(results.some((message) => message.tool_call_id === 'call-file-hash-0' && String(message.content).startsWith('1557b2bc'))).toBe(true);
  });

  it('validate: every reference passes its scorers and an empty answer fails them', async () => {
    const result = await runCli(['validate', SUITE, '--sandbox', 'docker', '--repeats', '1', '--judge-model', 'local:judge', '--config', join(work, 'sandbench.config.yaml'), '--json'], { timeoutMs: 600_000 });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { failing: number; checked: number };
    expect(report.checked).toBe(tasks.length);
    expect(report.failing).toBe(0);
  });
});
