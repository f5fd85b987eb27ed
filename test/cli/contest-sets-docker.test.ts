import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerForTests } from '../helpers/docker-available.ts';
import { repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

const docker = await dockerForTests();

// Hand-written records in the published layouts (no copy of either set is in the data folder).
const fixtures = {
  codecontests: join(repoRoot, 'test', 'fixtures', 'datasets', 'codecontests-sandboxfusion.jsonl'),
  apps: join(repoRoot, 'test', 'fixtures', 'datasets', 'apps.jsonl'),
  appsCallBased: join(repoRoot, 'test', 'fixtures', 'datasets', 'apps-call-based.jsonl'),
};

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sandbench-contest-cli-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** `run … --json` into a fresh folder: the summary and the journal's lines. */
async function run(file: string, model: string, extra: string[] = []) {
  const out = join(folder, `${model}-${file.split('/').pop()}`);
  const result = await runCli(['run', file, '--model', model, '--sandbox', 'docker', '--json', '--out', out, ...extra]);
  expect(result.code, result.stderr).toBe(0);
  const samples = (await readFile(join(out, 'samples.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { task_id?: string; taskId?: string; outcome: string; verdicts: Array<{ verdict: string; reason?: string }> });
  return { summary: JSON.parse(result.stdout), samples };
}

describe.runIf(docker.available)('contest sets end to end (run --sandbox docker)', () => {
  it('CodeContests (SandboxFusion layout): every reference passes, every empty answer fails at its first test', async () => {
    const reference = await run(fixtures.codecontests, 'reference', ['--format', 'codecontests']);
    expect(reference.summary).toMatchObject({ tasks: 3, complete: true, sandbox: 'docker', samples: { passed: 3, failed: 0 } });
    // Lower-case yes/no, fewer decimals and a trailing blank line pass under SandboxFusion's rules.
    expect(reference.summary.testVerdicts).toEqual({ passed: 7 });

    const empty = await run(fixtures.codecontests, 'empty');
    expect(empty.summary).toMatchObject({ tasks: 3, complete: true, samples: { passed: 0, failed: 3 } });
    // Three tasks of 3, 2 and 2 tests: each stops at its first, the rest are not run.
    expect(empty.summary.testVerdicts).toEqual({ failed: 3, 'not-run': 4 });
    for (const sample of empty.samples) {
      expect(sample.outcome).toBe('failed');
      expect(sample.verdicts[0]!.verdict).toBe('failed');
      for (const verdict of sample.verdicts.slice(1)) {
        expect(verdict).toMatchObject({ verdict: 'not-run', reason: 'not run: the task stops at its first failing test (testIndex 0: failed)' });
      }
    }
  });

  it('APPS: every reference passes, every empty answer fails', async () => {
    const reference = await run(fixtures.apps, 'reference');
    expect(reference.summary).toMatchObject({ tasks: 3, complete: true, samples: { passed: 3, failed: 0 } });
    expect(reference.summary.testVerdicts).toEqual({ passed: 8 });
    const empty = await run(fixtures.apps, 'empty', ['--format', 'apps']);
    expect(empty.summary).toMatchObject({ tasks: 3, complete: true, samples: { passed: 0, failed: 3 } });
    expect(empty.summary.testVerdicts).toEqual({ failed: 3, 'not-run': 5 });
  });

  it('APPS call-based problems: every reference passes, every empty answer fails at its first call, --format apps as detected', async () => {
    const reference = await run(fixtures.appsCallBased, 'reference');
    expect(reference.summary).toMatchObject({ tasks: 5, complete: true, sandbox: 'docker', samples: { passed: 5, failed: 0 } });
    expect(reference.summary.testVerdicts).toEqual({ passed: 13 });
    const empty = await run(fixtures.appsCallBased, 'empty', ['--format', 'apps']);
    expect(empty.summary).toMatchObject({ tasks: 5, complete: true, samples: { passed: 0, failed: 5 } });
    expect(empty.summary.testVerdicts).toEqual({ 'runtime-error': 5, 'not-run': 8 });
    for (const sample of empty.samples) expect(sample.verdicts[0]!.reason).toMatch(/^exit code 1: NameError: APPS calls \w+\(\*inputs\), but the answer defines no function '\w+'$/);
  });
});
