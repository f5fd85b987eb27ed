import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSchema } from '../../src/schemas/task.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startTestServer, type TestServer } from '../server/server-helpers.ts';

const SUITE = `
suite: trivia
tasks:
  - id: capital
    kind: answer
    prompt: Which city is the capital of Australia?
    scorers:
      - answer: { f1: ["Canberra"], threshold: 0.5 }
    reference: Canberra
  - id: speed
    kind: answer
    prompt: How many metres per second is 36 km/h?
    scorers:
      - answer: { number: 10, absTolerance: 0.01 }
      - answer: { regex: ".*m/s.*" }
    reference: "10 m/s"
`;

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sandbench-answer-'));
  await writeFile(join(folder, 'trivia.yaml'), SUITE);
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('answer tasks', () => {
  it('run with scripted answers: one verdict per scorer, pass only when all pass, the mean score with its interval', async () => {
    const script = join(folder, 'answers.jsonl');
    await writeFile(
      script,
      [
        { task_id: 'capital', turns: [{ text: 'It is Canberra.' }] },
        { task_id: 'speed', turns: [{ text: 'About 10 km' }] },
      ].map((line) => JSON.stringify(line)).join('\n') + '\n',
    );
    const out = join(folder, 'run');
    const result = await runCli(['run', join(folder, 'trivia.yaml'), '--model', `scripted:${script}`, '--out', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.samples).toMatchObject({ passed: 1, failed: 1, scored: 2 });
    // capital: F1 of "it is canberra" vs "canberra" = 0.5 → pass, score 0.5; speed: number passes, regex fails → 0.5.
    expect(summary.meanScore.mean).toBeCloseTo(0.5, 10);
    expect(summary.meanScore.tasks).toBe(2);
    const samples = (await readFile(join(out, 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const speed = samples.find((sample: { taskId: string }) => sample.taskId === 'speed');
    expect(speed.outcome).toBe('failed');
    expect(speed.verdicts.map((verdict: { name: string; verdict: string }) => [verdict.name, verdict.verdict])).toEqual([
      ['number', 'passed'],
      ['regex', 'failed'],
    ]);
    expect(speed.episode).toMatchObject({ stopReason: 'answered', answer: 'About 10 km' });
    expect(speed.completion).toBe('About 10 km');
  });

  it('validate: references pass; a task whose scorers an empty answer passes is named', async () => {
    const vacuous = join(folder, 'vacuous.yaml');
    await writeFile(vacuous, 'id: anything\nkind: answer\nprompt: Say anything.\nscorers:\n  - answer: { regex: ".*" }\nreference: hello\n');
    const good = await runCli(['validate', join(folder, 'trivia.yaml'), '--json']);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ checked: 2, failing: 0 });
    const bad = await runCli(['validate', vacuous]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/FAIL anything: vacuous-tests: an empty answer passes every scorer/);
  });

  it('score: a samples file of answers is judged by the scorers', async () => {
    const samples = join(folder, 'samples.jsonl');
    await writeFile(samples, ['{"task_id":"capital","completion":"Canberra"}', '{"task_id":"capital","completion":"Sydney"}', '{"task_id":"speed","completion":"10 m/s"}'].join('\n') + '\n');
    const result = await runCli(['score', join(folder, 'trivia.yaml'), '--samples', samples, '--out', join(folder, 'scored'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.samples).toMatchObject({ passed: 2, failed: 1 });
  });

  it('task files: kinds are checked field by field, naming what is wrong', () => {
    const problems = (input: unknown): string[] => {
      const parsed = taskSchema.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    expect(problems({ id: 'a', kind: 'answer', prompt: 'p' })).toEqual(['scorers: a answer task needs at least one scorer']);
    expect(problems({ id: 'a', kind: 'answer', prompt: 'p', scorers: [{ answer: { equals: 'x' } }], tools: ['bash'] })).toEqual([
      "tools: 'tools' belongs to agent tasks (an answer task has no tools or sandbox)",
    ]);
    expect(problems({ id: 'a', prompt: 'p', language: 'python', tests: [] })).toEqual(['tests: a code task needs at least one test']);
    expect(problems({ id: 'a', prompt: 'p', tests: [{ kind: 'io', stdout: '' }] })).toEqual(['language: a code task needs a language']);
    expect(problems({ id: 'a', kind: 'agent', prompt: 'p', scorers: [{ answer: { equals: 'x' } }], tools: ['bash'] })).toEqual([
      'language: an agent task needs a language: the runtime whose image hosts its episode (python gives bash and python3)',
    ]);
    expect(problems({ id: 'a', kind: 'agent', language: 'python', prompt: 'p', scorers: [{ answer: { equals: 'x' } }], tools: ['teleport'] })).toEqual([
      expect.stringMatching(/^tools.0: expected a built-in tool \(bash, python, javascript, read_file, write_file, list_files, submit\) or a custom tool/),
    ]);
    expect(
      problems({ id: 'a', kind: 'agent', language: 'python', prompt: 'p', scorers: [{ answer: { equals: 'x' } }], tools: ['bash', 'bash'], files: { '../x': '', 'a//b': '' } }),
    ).toEqual([
      'files.../x: a file path is relative to the work directory, without .. or empty parts',
      'files.a//b: a file path is relative to the work directory, without .. or empty parts',
      "tools.1: tool 'bash' is listed twice (a custom tool cannot take a built-in tool's name)",
    ]);
    expect(
      problems({
        id: 'a',
        kind: 'agent',
        language: 'python',
        prompt: 'p',
        scorers: [{ answer: { equals: 'x' } }],
        tools: [{ name: 'calc', description: 'd', parameters: { type: 'object', properties: { x: { type: 'bogus' } } }, javascript: '() => 1' }],
      }),
    ).toEqual([expect.stringMatching(/^tools.0.parameters: not a valid JSON Schema/)]);
    expect(
      problems({ id: 'a', kind: 'agent', language: 'python', prompt: 'p', scorers: [{ answer: { equals: 'x' } }], tools: [{ name: 'calc', description: 'd', javascript: '1', command: 'true' }] }),
    ).toEqual([expect.stringMatching(/tools.0: tool 'calc' needs exactly one implementation/)]);
    expect(
      problems({ id: 'a', kind: 'agent', language: 'python', prompt: 'p', scorers: [{ answer: { equals: 'x' } }], tools: ['bash'], referenceCalls: [{ tool: 'python' }] }),
    ).toEqual(["referenceCalls.0.tool: the reference calls 'python', which is not among the task's tools (bash)"]);
  });
});

describe('the service refuses agent and answer tasks on /v1/score rather than pass them vacuously', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.server.close();
  });

  it('answers 400 naming the field', async () => {
    const task = { id: 'q', kind: 'answer', prompt: 'p', scorers: [{ answer: { equals: 'x' } }] };
    const response = await t.call('POST', '/v1/score', { json: { task, completion: 'anything' } });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid-request', field: 'task.kind' });
    expect(response.body.error.message).toMatch(/answer task/);
  });
});
