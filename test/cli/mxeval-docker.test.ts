import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/datasets/load-dataset.ts';
import { scoreCompletion } from '../../src/harness/score-completion.ts';
import { DockerSandbox } from '../../src/sandboxes/docker-sandbox.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { runCli } from '../helpers/run-cli.ts';
import { MXEVAL_FIXTURES, mxevalFixture as fixturePath } from '../helpers/mxeval-fixtures.ts';

// mxeval records of every language sandbench runs, end to end through the CLI: the references
// that are right pass, the wrong one (each fixture's last record) fails, empty answers all fail.

const docker = await dockerForTests();

async function outFolder(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'sandbench-mxeval-')), 'run');
}

interface RunSummary {
  tasks: number;
  complete: boolean;
  samples: { passed: number; failed: number; sandboxErrors: number };
  perTask: Array<{ taskId: string; passed: number }>;
}

async function run(args: string[]): Promise<RunSummary> {
  const result = await runCli([...args, '--json', '--out', await outFolder()], { timeoutMs: 600_000 });
  expect(result.stderr).not.toMatch(/internal error/);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunSummary;
}

const passedIds = (summary: RunSummary): string[] => summary.perTask.filter((task) => task.passed > 0).map((task) => task.taskId);

describe.runIf(docker.available).each(MXEVAL_FIXTURES)('mxeval $language in the Docker sandbox', ({ file, ids }) => {
  it('run --model reference: the right references pass, the wrong one fails (detected format)', { timeout: 600_000 }, async () => {
    const summary = await run(['run', fixturePath(file), '--model', 'reference', '--sandbox', 'docker']);
    expect(summary).toMatchObject({ tasks: 3, complete: true, samples: { passed: 2, failed: 1, sandboxErrors: 0 } });
    expect(passedIds(summary)).toEqual(ids.slice(0, 2));
  });

  it('run --model empty --format mbxp: every empty answer fails', { timeout: 600_000 }, async () => {
    const summary = await run(['run', fixturePath(file), '--format', 'mbxp', '--model', 'empty', '--sandbox', 'docker']);
    expect(summary).toMatchObject({ tasks: 3, complete: true, samples: { passed: 0, failed: 3, sandboxErrors: 0 } });
  });
});

describe.runIf(docker.available)('mxeval JavaScript: lodash in both backends', () => {
  it('the references (one uses _.chunk, every test requires lodash) judge in the isolate as in Docker (above)', { timeout: 600_000 }, async () => {
    const isolate = await run(['run', fixturePath('mbjsp-javascript.jsonl'), '--model', 'reference', '--sandbox', 'isolate']);
    expect(isolate).toMatchObject({ tasks: 3, complete: true, samples: { passed: 2, failed: 1, sandboxErrors: 0 } });
    expect(passedIds(isolate)).toEqual(['MBJSP/1', 'MBJSP/2']);
  });
});

describe.runIf(docker.available)("mxeval C++ and Java: the `mxeval` variant is what makes upstream's verdict", () => {
  let sandbox: DockerSandbox;
  beforeAll(() => {
    sandbox = new DockerSandbox({ poolSize: 1 });
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  it('C++: a reference using GNU `typeof` compiles under g++ without -std (upstream) and not under the default -std=c++17', { timeout: 300_000 }, async () => {
    const { tasks } = await loadDataset(fixturePath('mbcpp-cpp.jsonl'));
    const task = tasks.find((candidate) => candidate.id === 'MBCPP/1')!;
    expect(task.reference).toContain('typeof(a)');
    const upstream = await scoreCompletion(task, task.reference!, sandbox, { assembly: 'exact' });
    expect(upstream.verdicts[0]).toMatchObject({ verdict: 'passed' });
    const { runtimeVariant: _variant, ...plain } = task;
    const strict = await scoreCompletion(plain, task.reference!, sandbox, { assembly: 'exact' });
    expect(strict.verdicts[0]).toMatchObject({ verdict: 'compile-error' });
  });

  it('Java: the file is main.java, so a public Main class does not compile, as upstream', { timeout: 300_000 }, async () => {
    const { tasks } = await loadDataset(fixturePath('mbjp-java.jsonl'));
    const task = tasks.find((candidate) => candidate.id === 'MBJP/1')!;
    const publicMain = { ...task, tests: [{ ...task.tests[0]!, code: task.tests[0]!.kind === 'program' ? task.tests[0]!.code.replace('\nclass Main {', '\npublic class Main {') : '' }] };
    const upstream = await scoreCompletion(publicMain, task.reference!, sandbox, { assembly: 'exact' });
    expect(upstream.verdicts[0]).toMatchObject({ verdict: 'compile-error' });
    expect(upstream.verdicts[0]!.reason ?? '').toMatch(/class Main is public, should be declared in a file named Main\.java/);
    const right = await scoreCompletion(task, task.reference!, sandbox, { assembly: 'exact' });
    expect(right.verdicts[0]).toMatchObject({ verdict: 'passed' });
  });
});

describe('mxeval records of a language sandbench does not run', () => {
  it('run refuses the file (exit 2), naming file, line, task id and language', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-mxeval-'));
    const path = join(folder, 'mbkp.jsonl');
    const record = { task_id: 'MBKP/1', prompt: 'fun f(): Int {\n', test: '\nfun main() { check(f() == 1) }\n', language: 'kotlin', description: 'd', entry_point: 'f', canonical_solution: null };
    await writeFile(path, JSON.stringify(record) + '\n');
    const result = await runCli(['run', path, '--model', 'empty', '--out', join(folder, 'run')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/mbkp\.jsonl:1 \(MBKP\/1\): language 'kotlin': sandbench does not run kotlin/);
  });
});
