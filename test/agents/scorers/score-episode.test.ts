import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpisodeRecord, ToolCallRecord } from '../../../src/agents/episode.ts';
import { scoreComponentSchema } from '../../../src/agents/episode.ts';
import { scoreEpisode } from '../../../src/agents/scorers/score-episode.ts';
import type { TaskScorerInput } from '../../../src/agents/scorers/scorer-schema.ts';
import { InvalidInputError, SandbenchError } from '../../../src/errors/sandbench-error.ts';
import { ScriptedModel } from '../../../src/models/scripted-model.ts';
import { IsolateSandbox } from '../../../src/sandboxes/isolate-sandbox.ts';
import { taskSchema } from '../../../src/schemas/task.ts';

let isolate: IsolateSandbox;
beforeAll(() => {
  isolate = new IsolateSandbox({ workers: 1 });
});
afterAll(async () => {
  await isolate.dispose();
});

function toolCall(id: string, name: string, args: Record<string, unknown>): ToolCallRecord {
  return { id, turn: 0, name, arguments: JSON.stringify(args), parsedArguments: args, status: 'ok', output: '', truncated: false, durationMs: 1 };
}

function episodeWith(answer: string | null, toolCalls: ToolCallRecord[] = []): EpisodeRecord {
  return { stopReason: answer === null ? 'max-turns' : 'submitted', answer, turns: [], toolCalls, usage: { inputTokens: 0, outputTokens: 0 }, durationMs: 1 };
}

const converted = episodeWith('3.107 miles', [toolCall('c1', 'convert', { value: 5, from: 'km', to: 'mi' }), toolCall('c2', 'submit', { answer: '3.107 miles' })]);

const task = taskSchema.parse({ id: 'capital', prompt: 'What is the capital of France?', language: 'javascript', tests: [{ kind: 'io', stdout: '' }] });
const judgeLines = (completion: string) => ScriptedModel.parse(JSON.stringify({ task_id: 'capital', completion }), 'judge.jsonl');

describe('scoreEpisode', () => {
  it('runs every scorer in order; each component is named, weighted and valid', async () => {
    const scorers: TaskScorerInput[] = [
      { answer: { number: 3.107, absTolerance: 0.01 }, name: 'distance' },
      { trajectory: { calls: [{ tool: 'convert', arguments: { value: 5, from: 'km', to: 'mi' } }] }, weight: 2 },
      { custom: { code: "export default ({ answer, episode }) => ({ pass: answer.endsWith('miles') && episode.toolCalls.length === 2, reason: 'unit given' })" } },
    ];
    const result = await scoreEpisode({ scorers, episode: converted, isolate });
    expect(result).toMatchObject({ pass: true, score: 1 });
    expect(result.fault).toBeUndefined();
    expect(result.components.map((component) => [component.scorer, component.name, component.weight, component.pass])).toEqual([
      ['number', 'distance', 1, true],
      ['trajectory', undefined, 2, true],
      ['custom', undefined, 1, true],
    ]);
    for (const component of result.components) scoreComponentSchema.parse(component);
    expect(result.components[2]!.reason).toBe('unit given');
  });

  it('all (the default): one failing component fails the sample; the score is the weighted mean', async () => {
    const scorers: TaskScorerInput[] = [
      { answer: { equals: '3.107 miles' } },
      { answer: { f1: 'about 3.1 miles', threshold: 0.9 }, weight: 3 },
    ];
    const result = await scoreEpisode({ scorers, episode: converted });
    const f1 = result.components[1]!.score;
    expect(f1).toBeGreaterThan(0);
    expect(f1).toBeLessThan(0.9);
    expect(result.pass).toBe(false);
    expect(result.score).toBeCloseTo((1 * 1 + 3 * f1) / 4, 12);
  });

  it('weighted: passes when the weighted mean reaches the threshold, whatever single components say', async () => {
    const scorers: TaskScorerInput[] = [
      { answer: { equals: '3.107 miles' }, weight: 3 },
      { answer: { includes: 'kilometres' }, weight: 1 },
    ];
    const passing = await scoreEpisode({ scorers, episode: converted, policy: { mode: 'weighted', threshold: 0.75 } });
    expect(passing).toMatchObject({ pass: true, score: 0.75 });
    expect(passing.components.map((component) => component.pass)).toEqual([true, false]);
    const failing = await scoreEpisode({ scorers, episode: converted, policy: { mode: 'weighted', threshold: 0.8 } });
    expect(failing).toMatchObject({ pass: false, score: 0.75 });
  });

  it('a component of weight 0 is reported but counts in neither the score nor the verdict', async () => {
    const result = await scoreEpisode({
      scorers: [{ answer: { includes: 'miles' } }, { answer: { includes: 'kilometres' }, weight: 0, name: 'diagnostic' }],
      episode: converted,
    });
    expect(result).toMatchObject({ pass: true, score: 1 });
    expect(result.components[1]).toMatchObject({ name: 'diagnostic', pass: false, weight: 0 });
  });

  it('answer scorers read a missing answer as empty text', async () => {
    const result = await scoreEpisode({ scorers: [{ answer: { equals: '' } }, { answer: { number: 1 } }], episode: episodeWith(null) });
    expect(result.components.map((component) => component.pass)).toEqual([true, false]);
    expect(result.pass).toBe(false);
  });

  it('the judge scorer runs with the model given; its prompt and answer are in the component', async () => {
    const judge = judgeLines('{"verdicts": [{"criterion": 1, "pass": true, "reason": "Paris"}]}');
    const result = await scoreEpisode({ scorers: [{ judge: { rubric: ['names the capital'] } }], episode: episodeWith('Paris'), judge, task, question: task.prompt });
    expect(result).toMatchObject({ pass: true, score: 1 });
    expect(result.components[0]!.detail).toMatchObject({ model: 'scripted:judge.jsonl', answers: [{ text: expect.stringContaining('verdicts') }] });
    expect(JSON.stringify(result.components[0]!.detail!.prompt)).toContain('What is the capital of France?');
  });

  describe('faults: the sample is not scored', () => {
    it('a judge that answers nothing usable is a model-error, with every component still reported', async () => {
      const judge = judgeLines('I refuse to grade.');
      const result = await scoreEpisode({
        scorers: [{ answer: { equals: 'Paris' } }, { judge: { rubric: ['names the capital'] }, name: 'rubric' }],
        episode: episodeWith('Paris'),
        judge,
        task,
      });
      expect(result).toMatchObject({ pass: false, score: 0, fault: 'model-error' });
      expect(result.faultMessage).toMatch(/^scorer 2 \(judge "rubric"\): the judge model scripted:judge.jsonl gave no usable verdicts after a retry/);
      expect(result.components).toHaveLength(2);
      expect(result.components[0]!.pass).toBe(true);
    });

    it('an isolate that is gone is a sandbox-error of the custom scorer', async () => {
      const gone = new IsolateSandbox({ workers: 1 });
      await gone.dispose();
      const result = await scoreEpisode({ scorers: [{ custom: { code: 'export default () => ({ pass: true })' } }], episode: converted, isolate: gone });
      expect(result).toMatchObject({ pass: false, score: 0, fault: 'sandbox-error' });
      expect(result.faultMessage).toMatch(/^scorer 1 \(custom\): the sandbox failed running the custom scorer: the isolate sandbox was disposed/);
    });
  });

  describe('usage errors, before any scorer runs', () => {
    async function usageError(request: Parameters<typeof scoreEpisode>[0]): Promise<SandbenchError> {
      const error = await scoreEpisode(request).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(InvalidInputError.isInstance(error)).toBe(true);
      return error as SandbenchError;
    }

    it('a scorer that needs the sandbox in an answer task (no session) names itself', async () => {
      const error = await usageError({ scorers: [{ answer: { equals: 'x' } }, { file: { path: 'out/report.txt', exists: true } }], episode: converted });
      expect(error.message).toBe(
        'scorer 2 (file "out/report.txt") looks at the episode\'s sandbox, and there is none (an answer task has no sandbox: use answer, trajectory, judge or custom scorers)',
      );
      expect(error.code).toBe('invalid-input');
      const command = await usageError({ scorers: [{ command: { run: 'pytest -q' }, name: 'tests' }], episode: converted });
      expect(command.message).toMatch(/^scorer 1 \(command "tests"\) looks at the episode's sandbox/);
      const customFiles = await usageError({ scorers: [{ custom: { code: 'export default () => ({ pass: true })', files: ['out.txt'] } }], episode: converted, isolate });
      expect(customFiles.message).toMatch(/^scorer 1 \(custom\) looks at the episode's sandbox/);
    });

    it('a judge scorer without a judge model, a custom scorer without an isolate', async () => {
      const error = await usageError({ scorers: [{ judge: { rubric: ['x'] } }, { custom: { code: 'export default () => ({ pass: true })' } }], episode: converted });
      expect(error.message).toBe('scorer 1 (judge) needs a judge model (--judge-model <spec>); scorer 2 (custom) needs the isolate sandbox to run its JavaScript');
    });

    it('an invalid scorer list or policy', async () => {
      expect((await usageError({ scorers: [{ file: { path: 'a' } }], episode: converted })).message).toBe(
        'invalid scorers: scorers[0].file: a file check needs one of exists, equals, contains, regex',
      );
      expect((await usageError({ scorers: [{ answer: { equals: 'x' } }], policy: { mode: 'weighted' } as never, episode: converted })).message).toMatch(/^invalid scoring policy: /);
    });
  });

  it('a cancelled scoring throws instead of giving a verdict', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run cancelled'));
    await expect(scoreEpisode({ scorers: [{ answer: { equals: 'x' } }], episode: converted, signal: controller.signal })).rejects.toThrow('run cancelled');
  });
});
