import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import { runSuite } from '../../src/harness/run-suite.ts';
import type { GenerateRequest, GenerateResponse, Model } from '../../src/models/model.ts';
import { ResponseCache } from '../../src/models/response-cache.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';

const isolate = new IsolateSandbox();
afterAll(() => isolate.dispose());

/**
 * A chat model living in the test: it answers each task with its reference in a fenced block
 * (or what `answer` says), and keeps every request it got.
 */
class ChatModel implements Model {
  readonly requests: GenerateRequest[] = [];
  readonly id: string;
  private readonly answer: (request: GenerateRequest) => string | Error;
  constructor(id: string, answer: (request: GenerateRequest) => string | Error = (request) => '```\n' + (request.task?.reference ?? '') + '\n```') {
    this.id = id;
    this.answer = answer;
  }
  describe(): Record<string, unknown> {
    return { provider: 'test', endpoint: 'in-process' };
  }
  async generate(request: GenerateRequest): Promise<GenerateResponse> {
    this.requests.push(request);
    const answer = this.answer(request);
    if (answer instanceof Error) throw answer;
    return { text: answer, toolCalls: [], usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'stop', raw: { echo: 'x'.repeat(40_000) }, retries: 1 };
  }
}

async function tempFolder(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'sandbench-models-')), 'run');
}

describe('runs with provider-style models', () => {
  it('send the sampling parameters and system prompt, keep a transcript per sample, and record a manifest without secrets', async () => {
    const suite = await loadSuite('tasks/examples');
    const model = new ChatModel('test:chat');
    const outDir = await tempFolder();
    const result = await runSuite({
      suite,
      model,
      sandboxes: new SandboxSet(isolate),
      outDir,
      temperature: 0.3,
      generation: { system: 'Answer in code only.', topP: 0.9, maxTokens: 256, stopSequences: ['<END>'], seed: 7 },
    });
    expect(result.summary.samples).toMatchObject({ planned: 10, passed: 10, modelErrors: 0 });
    for (const request of model.requests) {
      expect(request).toMatchObject({ temperature: 0.3, topP: 0.9, maxTokens: 256, stopSequences: ['<END>'], seed: 7 });
      expect(request.messages[0]).toEqual({ role: 'system', content: 'Answer in code only.' });
    }
    const journal = (await readFile(join(outDir, 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(journal).toHaveLength(10);
    for (const sample of journal) {
      expect(sample.transcript.messages.at(-1)).toEqual({ role: 'assistant', content: sample.response });
      expect(sample.transcript.messages[0].content).toBe('Answer in code only.');
      expect(sample.transcript).toMatchObject({ finishReason: 'stop', retries: 1, truncated: true });
      expect(sample.transcript.raw.length).toBe(16_384);
      expect(sample.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    }
    const manifest = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({
      model: 'test:chat',
      temperature: 0.3,
      parameters: { system: 'Answer in code only.', topP: 0.9, maxTokens: 256, stopSequences: ['<END>'], seed: 7 },
      modelInfo: { provider: 'test', endpoint: 'in-process' },
      environment: { node: process.version },
      limits: { run: expect.any(Object) },
      backends: { isolate: {} },
    });
    expect(manifest.taskFiles).toHaveLength(9);
    for (const file of manifest.taskFiles) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(manifest.finishedAt)).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));

    // Other parameters are another run: resuming with them is refused, naming what differs.
    await expect(
      runSuite({ suite, model, sandboxes: new SandboxSet(isolate), outDir, resume: true, temperature: 0.3, generation: { seed: 8 } }),
    ).rejects.toThrow(/model parameters: the run used system=.*seed=7, now seed=8/);
  });

  it('a model that gives no answer makes model-error samples, counted apart and redone by --resume', async () => {
    const suite = await loadSuite('tasks/examples');
    const outDir = await tempFolder();
    const down = new ChatModel('test:flaky', (request) =>
      request.task!.id.startsWith('c') ? new SandbenchError('model-unavailable', 'provider answered 500 after 3 attempts') : '```\n' + request.task!.reference + '\n```',
    );
    const first = await runSuite({ suite, model: down, sandboxes: new SandboxSet(isolate), outDir });
    const failedIds = first.samples.filter((sample) => sample.outcome === 'model-error').map((sample) => sample.taskId);
    expect(failedIds.length).toBeGreaterThan(0);
    expect(first.summary.complete).toBe(false);
    expect(first.summary.samples).toMatchObject({ modelErrors: failedIds.length, sandboxErrors: 0, failed: 0, passed: 10 - failedIds.length });
    expect(first.samples.find((sample) => sample.outcome === 'model-error')!.error).toMatch(/model error: provider answered 500/);

    const healthy = new ChatModel('test:flaky');
    const resumed = await runSuite({ suite, model: healthy, sandboxes: new SandboxSet(isolate), outDir, resume: true });
    expect(resumed.summary).toMatchObject({ complete: true, samples: { passed: 10, modelErrors: 0 } });
    // Only the unanswered samples were asked again.
    expect(healthy.requests.map((request) => request.task!.id).sort()).toEqual([...failedIds].sort());
  });

  it('model calls and scoring overlap, each within its own limit', async () => {
    const suite = await loadSuite('tasks/examples');
    let inFlight = 0;
    let most = 0;
    const slow: Model = {
      id: 'test:slow',
      async generate(request) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight -= 1;
        return { text: request.task!.reference ?? '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' };
      },
    };
    const result = await runSuite({ suite, model: slow, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), modelConcurrency: 5, concurrency: 1, samples: 2, temperature: 0 });
    expect(result.summary.samples.passed).toBe(20);
    expect(most).toBe(5);
  });

  it('--feedback-turns sends the failing test back and scores the repaired answer; every turn is kept', async () => {
    const suite = await loadSuite('tasks/examples', { taskIds: ['sum-two-numbers', 'greeting'] });
    const model = new ChatModel('test:repair', (request) =>
      request.turn === 0 ? '```js\nconsole.log("wrong answer");\n```' : '```js\n' + request.task!.reference + '\n```',
    );
    const result = await runSuite({ suite, model, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), feedbackTurns: 2 });
    expect(result.summary.samples.passed).toBe(2);
    for (const sample of result.samples) {
      expect(sample.turns!.map((turn) => turn.outcome)).toEqual(['failed', 'passed']);
      expect(sample.turns![0]!.response).toContain('wrong answer');
      // The repair request carried the first answer and the failing test's output.
      const repair = model.requests.find((request) => request.task!.id === sample.taskId && request.turn === 1)!;
      expect(repair.messages.at(-2)).toEqual({ role: 'assistant', content: sample.turns![0]!.response });
      expect(repair.messages.at(-1)!.content).toMatch(/did not pass test 1 of \d+/);
      expect(repair.messages.at(-1)!.content).toContain('wrong answer');
      expect(sample.transcript!.messages.filter((message) => message.role === 'assistant')).toHaveLength(2);
    }
    expect(model.requests).toHaveLength(4);
    // pass@1 after each turn: nothing at first, everything after one repair.
    expect(result.summary.passAt1ByTurn).toEqual([0, 1]);
  });

  it('the response cache answers a repeated request without asking the model; failures are never cached', async () => {
    const suite = await loadSuite('tasks/examples', { limit: 3 });
    const cache = new ResponseCache(await mkdtemp(join(tmpdir(), 'sandbench-cache-')));
    const first = new ChatModel('test:cached');
    await runSuite({ suite, model: first, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), cache });
    expect(first.requests).toHaveLength(3);
    const second = new ChatModel('test:cached', () => new Error('must not be asked'));
    const again = await runSuite({ suite, model: second, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), cache });
    expect(second.requests).toHaveLength(0);
    expect(again.summary.samples.passed).toBe(3);
    expect(again.samples.every((sample) => sample.transcript?.cached === true)).toBe(true);
    // Another sample index or temperature is another request.
    const third = new ChatModel('test:cached');
    await runSuite({ suite, model: third, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), cache, temperature: 0.5 });
    expect(third.requests).toHaveLength(3);
    // A request that failed left nothing in the cache: the next run asks again.
    const failing = new ChatModel('test:flaky-cached', () => new SandbenchError('model-unavailable', 'down'));
    const failed = await runSuite({ suite, model: failing, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), cache });
    expect(failed.summary.samples.modelErrors).toBe(3);
    const recovered = new ChatModel('test:flaky-cached');
    await runSuite({ suite, model: recovered, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), cache });
    expect(recovered.requests).toHaveLength(3);
  });

  it('replay:<run folder> answers with the recorded responses and re-scores identically', async () => {
    const suite = await loadSuite('tasks/examples');
    const outDir = await tempFolder();
    // Half right, half wrong, per sample.
    const mixed = new ChatModel('test:mixed', (request) => (request.sampleIndex === 0 ? '```\n' + request.task!.reference + '\n```' : 'console.log(42)'));
    const original = await runSuite({ suite, model: mixed, sandboxes: new SandboxSet(isolate), outDir, samples: 2, temperature: 0.7 });
    const replay = await resolveModel(`replay:${outDir}`);
    const replayed = await runSuite({ suite, model: replay, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), samples: 2, temperature: 0.7 });
    const verdicts = (samples: typeof original.samples) => samples.map((sample) => [sample.taskId, sample.sampleIndex, sample.outcome, sample.completion]);
    expect(verdicts(replayed.samples)).toEqual(verdicts(original.samples));
    expect(replayed.summary.passAt).toEqual(original.summary.passAt);
    // A third sample was never recorded: refused, naming the tasks.
    await expect(runSuite({ suite, model: replay, sandboxes: new SandboxSet(isolate), outDir: await tempFolder(), samples: 3, temperature: 0.7 })).rejects.toThrow(
      /fewer answers than --samples 3/,
    );
    await expect(resolveModel(`replay:${join(outDir, 'nothing-here')}`)).rejects.toThrow(/holds no run/);
    // The replay reads answers as the recorded run did: chat here, continuation for references.
    expect(replay.promptStyle).toBe('chat');
    const referenceRun = await tempFolder();
    await runSuite({ suite, model: await resolveModel('reference'), sandboxes: new SandboxSet(isolate), outDir: referenceRun });
    expect(JSON.parse(await readFile(join(referenceRun, 'run.json'), 'utf8'))).toMatchObject({ promptStyle: 'continuation' });
    expect(JSON.parse(await readFile(join(referenceRun, 'run.json'), 'utf8')).parameters).toEqual({});
    expect((await resolveModel(`replay:${referenceRun}`)).promptStyle).toBe('continuation');
  });
});
