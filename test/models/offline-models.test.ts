import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, SandbenchError } from '../../src/errors/sandbench-error.ts';
import { emptyModel } from '../../src/models/empty-model.ts';
import type { GenerateRequest, Model } from '../../src/models/model.ts';
import { referenceModel } from '../../src/models/reference-model.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { ScriptedModel } from '../../src/models/scripted-model.ts';
import { taskSchema, type Task } from '../../src/schemas/task.ts';

function task(id: string, reference?: string): Task {
  return taskSchema.parse({
    id,
    prompt: 'Print 1',
    language: 'python',
    tests: [{ kind: 'io', stdout: '1' }],
    ...(reference === undefined ? {} : { reference }),
  });
}

const request = (forTask?: Task, sampleIndex?: number): GenerateRequest => ({
  messages: [{ role: 'user', content: 'Print 1' }],
  ...(forTask ? { task: forTask } : {}),
  ...(sampleIndex === undefined ? {} : { sampleIndex }),
});

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sandbench-models-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function scriptFile(name: string, text: string): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, text);
  return file;
}

describe('reference model', () => {
  it("answers with the task's reference and zero tokens", async () => {
    const response = await referenceModel.generate(request(task('a', 'print(1)')));
    expect(response).toEqual({ text: 'print(1)', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' });
  });

  it("answers '' with finishReason no-reference when the task has none", async () => {
    const response = await referenceModel.generate(request(task('a')));
    expect(response.text).toBe('');
    expect(response.finishReason).toBe('no-reference');
  });

  it('refuses a request without a task', async () => {
    await expect(referenceModel.generate(request())).rejects.toSatisfy((error) => SandbenchError.is(error, 'model'));
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(referenceModel.generate({ ...request(task('a', 'x')), signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('empty model', () => {
  it("answers ''", async () => {
    const response = await emptyModel.generate(request(task('a', 'print(1)')));
    expect(response).toEqual({ text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' });
  });
});

describe('scripted model', () => {
  it('serves successive samples from successive lines, then no-script', async () => {
    const file = await scriptFile(
      'script.jsonl',
      [
        '{"task_id": "a", "completion": "first"}',
        '',
        '{"task_id": "b", "completion": "only b", "result": "passed"}',
        '{"task_id": "a", "completion": "second"}',
      ].join('\n') + '\n',
    );
    const model = await ScriptedModel.load(file);
    expect(model.id).toBe(`scripted:${file}`);
    expect((await model.generate(request(task('a'), 0))).text).toBe('first');
    expect((await model.generate(request(task('a'), 1))).text).toBe('second');
    expect((await model.generate(request(task('b')))).text).toBe('only b');
    const out = await model.generate(request(task('a'), 2));
    expect(out).toMatchObject({ text: '', finishReason: 'no-script', usage: { inputTokens: 0, outputTokens: 0 } });
    expect((await model.generate(request(task('unknown')))).finishReason).toBe('no-script');
  });

  it('honours sample_index', async () => {
    const model = ScriptedModel.parse('{"task_id":"a","completion":"s1","sample_index":1}\n{"task_id":"a","completion":"s0","sample_index":0}\n', 'x.jsonl');
    expect((await model.generate(request(task('a'), 0))).text).toBe('s0');
    expect((await model.generate(request(task('a'), 1))).text).toBe('s1');
  });

  it('names the file and line of a bad line', () => {
    expect(() => ScriptedModel.parse('{"task_id":"a","completion":"x"}\n{"task_id":"a"}\n', 'bad.jsonl')).toThrow(
      /^bad\.jsonl:2: completion: required: the answer text \(or turns, for agent and answer tasks\)$/,
    );
    expect(() => ScriptedModel.parse('{"task_id":"a","completion":"x"}\n{oops\n', 'bad.jsonl')).toThrow(/^bad\.jsonl:2: invalid JSON: /);
    expect(() => ScriptedModel.parse('[1]\n', 'bad.jsonl')).toThrow(/^bad\.jsonl:1: /);
    expect(() => ScriptedModel.parse('\n\n', 'empty.jsonl')).toThrow('empty.jsonl: the script holds no answers');
  });

  it('refuses two answers for one sample, naming both lines', () => {
    // The first line is sample 0 by rank; the second claims sample 0 explicitly.
    const text = '{"task_id":"a","completion":"x"}\n{"task_id":"a","completion":"y","sample_index":0}\n';
    expect(() => ScriptedModel.parse(text, 's.jsonl')).toThrow("s.jsonl:2: task 'a' sample 0 is already scripted on line 1");
  });

  it('reports an unreadable file as invalid input', async () => {
    await expect(ScriptedModel.load(join(folder, 'missing.jsonl'))).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('resolveModel', () => {
  it('resolves offline providers by spec', async () => {
    expect(await resolveModel('reference')).toBe(referenceModel);
    expect(await resolveModel('empty')).toBe(emptyModel);
    const file = await scriptFile('s.jsonl', '{"task_id":"a","completion":"x"}\n');
    const scripted = await resolveModel(`scripted:${file}`);
    expect(scripted.id).toBe(`scripted:${file}`);
    expect((await scripted.generate(request(task('a')))).text).toBe('x');
  });

  it('returns a user-supplied model as is', async () => {
    const custom: Model = { id: 'mine:v1', generate: async () => ({ text: 'x', toolCalls: [], usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }) };
    expect(await resolveModel(custom)).toBe(custom);
  });

  it('lists the known providers for an unknown spec', async () => {
    await expect(resolveModel('gpt-9:turbo')).rejects.toThrow(
      "unknown model 'gpt-9:turbo': no provider 'gpt-9'; known providers: reference, empty, scripted:<file>, replay:<run folder>, openai:<model>, anthropic:<model>, google:<model>",
    );
    await expect(resolveModel('scripted:')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(resolveModel('reference:x')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(resolveModel('')).rejects.toThrow(/empty spec/);
    await expect(resolveModel({ id: 'x' } as unknown as Model)).rejects.toBeInstanceOf(InvalidInputError);
  });
});
