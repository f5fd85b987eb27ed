import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import { matchSamples, readSamplesFile, resultRecords, scoreSamples } from '../../src/harness/score-samples.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';

const folder = await mkdtemp(join(tmpdir(), 'sandbench-score-samples-'));
const sandboxes = new SandboxSet('isolate', { isolateWorkers: 1 });
afterAll(() => sandboxes.dispose());

/** Two JavaScript tasks that continue a prompt (a code prefix), HumanEval style. */
async function suiteFile(): Promise<string> {
  const file = join(folder, 'adders.json');
  const task = (id: string, name: string) => ({
    id,
    language: 'javascript',
    prompt: `function ${name}(a, b) {\n`,
    codePrefix: `function ${name}(a, b) {\n`,
    tests: [{ kind: 'program', code: `\nrequire('assert').strictEqual(${name}(2, 3), 5);\n` }],
  });
  await writeFile(file, JSON.stringify([task('add', 'add'), task('plus', 'plus'), task('sum', 'sum')]));
  return file;
}

async function samples(name: string, lines: ReadonlyArray<string>, gzip = false): Promise<string> {
  const file = join(folder, name);
  const text = lines.join('\n') + '\n';
  await writeFile(file, gzip ? gzipSync(text) : text);
  return file;
}

describe('readSamplesFile', () => {
  it('reads gzip by its bytes, keeps line numbers across blank lines, prefers solution (as EvalPlus), keeps other fields', async () => {
    const file = await samples(
      'mixed.jsonl.gz',
      [
        JSON.stringify({ task_id: 'add', completion: '  return a + b;\n}\n', model: 'm1' }),
        '',
        JSON.stringify({ task_id: 'add', completion: 'ignored', solution: 'function add(a, b) { return a + b; }' }),
        JSON.stringify({ task_id: 'add', completion: '' }),
      ],
      true,
    );
    const lines = await readSamplesFile(file);
    expect(lines.map((line) => [line.line, line.shape, line.code])).toEqual([
      [1, 'completion', '  return a + b;\n}\n'],
      [3, 'solution', 'function add(a, b) { return a + b; }'],
      [4, 'completion', ''],
    ]);
    expect(lines[0]?.fields).toEqual({ task_id: 'add', completion: '  return a + b;\n}\n', model: 'm1' });
  });

  it('names file:line for a bad line, as an input error (exit 2)', async () => {
    const file = await samples('bad.jsonl', [JSON.stringify({ task_id: 'add', completion: 'x' }), JSON.stringify({ task_id: 'add', solution: 3 })]);
    const error = await readSamplesFile(file).catch((caught: unknown) => caught);
    expect(SandbenchError.isInstance(error, 'invalid-input')).toBe(true);
    expect((error as Error).message).toMatch(/bad\.jsonl:2: solution: .*expected string/);
  });
});

describe('matchSamples and scoreSamples (isolate)', () => {
  it('matches lines to tasks (ranks in file order), reports missing tasks and unknown ids, and averages pass@1 over tasks with their own n', async () => {
    const suite = await loadSuite(await suiteFile());
    const file = await samples('scored.jsonl', [
      JSON.stringify({ task_id: 'add', completion: '  return a + b;\n}\n' }),
      JSON.stringify({ task_id: 'nope', completion: '' }),
      JSON.stringify({ task_id: 'plus', solution: 'function plus(a, b) { return a + b; }\n' }),
      JSON.stringify({ task_id: 'add', completion: '' }),
      // The body alone is not a whole program: a solution never gets the prefix.
      JSON.stringify({ task_id: 'add', solution: '  return a + b;\n}\n' }),
      JSON.stringify({ task_id: 'nope', completion: 'x' }),
    ]);
    const lines = await readSamplesFile(file);
    const plan = matchSamples(suite.tasks, lines);
    expect(plan.samples.map((sample) => [sample.task.id, sample.sampleIndex, sample.sample.line])).toEqual([
      ['add', 0, 1],
      ['plus', 0, 3],
      ['add', 1, 4],
      ['add', 2, 5],
    ]);
    expect(plan.missingTaskIds).toEqual(['sum']);
    expect(plan.unknownLines.map((line) => line.line)).toEqual([2, 6]);

    const scored = await scoreSamples({ suite, plan, samplesFile: file, lineCount: lines.length, sandboxes, concurrency: 2 });
    expect(scored.interrupted).toBe(false);
    expect(scored.results.map((result) => [result.sample.line, result.outcome])).toEqual([
      [1, 'passed'],
      [3, 'passed'],
      [4, 'failed'],
      [5, 'failed'],
    ]);
    // add: 1 of 3, plus: 1 of 1 → (1/3 + 1) / 2; no pass@10 with n < 10.
    expect(scored.summary.passAt).toEqual({ 'pass@1': expect.closeTo(2 / 3, 12) });
    expect(scored.summary).toMatchObject({
      complete: true,
      tasks: 3,
      tasksWithSamples: 2,
      samplesPerTask: { min: 1, max: 3 },
      samples: { lines: 6, planned: 4, scored: 4, passed: 2, failed: 2, sandboxErrors: 0, unknown: 2 },
      missingTasks: { count: 1, ids: ['sum'] },
      unknownTaskIds: { count: 1, lines: 2, ids: ['nope'] },
      perTask: { add: { samples: 3, passed: 1 }, plus: { samples: 1, passed: 1 } },
    });
    const records = resultRecords(lines, scored.results);
    expect(records.map((record) => [record.task_id, record.passed, record.outcome])).toEqual([
      ['add', true, 'passed'],
      ['nope', null, 'unknown-task'],
      ['plus', true, 'passed'],
      ['add', false, 'failed'],
      ['add', false, 'failed'],
      ['nope', null, 'unknown-task'],
    ]);
  });

  it('refuses a plan in which no line names a task, before anything runs', async () => {
    const suite = await loadSuite(await suiteFile());
    const file = await samples('strangers.jsonl', [JSON.stringify({ task_id: 'HumanEval/0', completion: '' })]);
    const lines = await readSamplesFile(file);
    const error = await scoreSamples({ suite, plan: matchSamples(suite.tasks, lines), samplesFile: file, lineCount: 1, sandboxes }).catch((caught: unknown) => caught);
    expect(SandbenchError.isInstance(error, 'invalid-input')).toBe(true);
    expect((error as Error).message).toMatch(/no line of .*strangers\.jsonl names a task of adders \(it names HumanEval\/0/);
  });

  it('stops when its signal is aborted: samples cut short are left out and it says it was interrupted', async () => {
    const suite = await loadSuite(await suiteFile());
    const slow = '  const end = Date.now() + 300; while (Date.now() < end) {}\n  return a + b;\n}\n';
    const file = await samples('slow.jsonl', Array.from({ length: 12 }, () => JSON.stringify({ task_id: 'add', completion: slow })));
    const lines = await readSamplesFile(file);
    const controller = new AbortController();
    const scored = await scoreSamples({
      suite,
      plan: matchSamples(suite.tasks, lines),
      samplesFile: file,
      lineCount: lines.length,
      sandboxes,
      // One sample is in flight when the abort comes: it is cut short and left out.
      concurrency: 2,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.done === 2) controller.abort();
      },
    });
    expect(scored.interrupted).toBe(true);
    expect(scored.results.length).toBe(2);
    expect(scored.results.every((result) => result.outcome === 'passed')).toBe(true);
  });
});
