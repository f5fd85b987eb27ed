import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { runCli } from '../helpers/run-cli.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/programs/js/${name}`, import.meta.url)), 'utf8');
const GOOD = 'const double = (x: number): number => x * 2;\nconsole.log(double(21));\n';

let sandbox: IsolateSandbox;

beforeAll(() => {
  sandbox = new IsolateSandbox({ workers: 1 });
});

afterAll(async () => {
  await sandbox.dispose();
});

describe('IsolateSandbox: TypeScript that attacks the transpiler', () => {
  it('thousands of nested brackets: a compile error for the sample, then the next one runs', async () => {
    const result = await sandbox.run({ language: 'typescript', source: fixture('deep-brackets.ts.txt') });
    expect(result).toMatchObject({ status: 'compile-error', compile: { status: 'compile-error' } });
    expect(result.message).toContain('nests too deeply for the TypeScript transpiler');
    expect(await sandbox.run({ language: 'typescript', source: GOOD })).toMatchObject({ status: 'ok', stdout: '42\n' });
  });

  it('an exponential parse: a compile-error (the transpiler ran out of time) under the compile limits, with its test code not completed, then the next one runs', async () => {
    const result = await sandbox.run({
      language: 'typescript',
      source: fixture('nested-async.ts.txt'),
      testCode: 'console.log(typeof f);\n',
      compileLimits: { timeoutMs: 1_000 },
    });
    expect(result).toMatchObject({
      status: 'compile-error',
      testCompleted: false,
      message: 'the TypeScript transpiler ran out of time (compile limit 1000 ms)',
      compile: { status: 'timeout' },
    });
    expect(await sandbox.run({ language: 'typescript', source: GOOD })).toMatchObject({ status: 'ok', stdout: '42\n' });
  });
});

describe('sandbench run: TypeScript that attacks the transpiler', () => {
  it('the run finishes, each hostile sample is judged, and a good sample passes', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-ts-hostile-'));
    await writeFile(
      join(folder, 'task.json'),
      JSON.stringify({
        id: 'double',
        language: 'typescript',
        prompt: 'Write double(x).',
        limits: { compile: { timeoutMs: 1_000 } },
        tests: [{ kind: 'program', code: "import * as assert from 'assert';\nassert.strictEqual(double(21), 42);\n" }],
      }),
    );
    const answers = [fixture('deep-brackets.ts.txt'), fixture('nested-async.ts.txt'), 'const double = (x: number): number => x * 2;\n'];
    await writeFile(join(folder, 'answers.jsonl'), answers.map((completion) => JSON.stringify({ task_id: 'double', completion })).join('\n') + '\n');
    const out = join(folder, 'run');
    const result = await runCli(['run', join(folder, 'task.json'), '--model', `scripted:${join(folder, 'answers.jsonl')}`, '--samples', '3', '--sandbox', 'isolate', '--json', '--out', out]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ complete: true, samples: { scored: 3, passed: 1, failed: 2, sandboxErrors: 0 } });
    const samples = (await readFile(join(out, 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const verdicts = samples.sort((a, b) => a.sampleIndex - b.sampleIndex).map((sample) => [sample.verdicts[0].verdict, sample.verdicts[0].reason ?? '']);
    expect(verdicts[0]?.[0]).toBe('compile-error');
    expect(verdicts[0]?.[1]).toContain('nests too deeply');
    expect(verdicts[1]).toEqual(['compile-error', expect.stringContaining('ran out of time')]);
    expect(verdicts[2]?.[0]).toBe('passed');
  });
});
