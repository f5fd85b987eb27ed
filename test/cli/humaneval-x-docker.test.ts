import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerForTests } from '../helpers/docker-available.ts';
import { datasets, hasData } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

// Every HumanEval-X reference that passes upstream passes here: 164/164 in each of these splits
// (each split's SOURCE.md: upstream's own harness passes 164/164), and empty answers fail.

const docker = hasData ? await dockerForTests() : { available: false, reason: 'no data' };

/**
 * References whose verdict depends on chance, upstream as here: Go/95 (`CheckDictCase`) breaks
 * out of a `range` over a map after its first or second key, and Go randomises map order, so its
 * tests pass on some orders only (3 of 10 runs failed here, as they do with upstream's `go test`).
 */
const FLAKY_UPSTREAM: Record<string, string[]> = { Go: ['Go/95'] };

const SPLITS = [
  { split: 'C++', file: datasets.humanevalXCpp },
  { split: 'Python', file: datasets.humanevalXPython },
  { split: 'Java', file: datasets.humanevalXJava },
  { split: 'Go', file: datasets.humanevalXGo },
  { split: 'Rust', file: datasets.humanevalXRust },
];

describe.runIf(hasData && docker.available).each(SPLITS)('HumanEval-X $split in the Docker sandbox', ({ split, file }) => {
  it('run --model reference passes 164/164 (but for references that are flaky upstream)', { timeout: 1_200_000 }, async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'sandbench-hx-')), 'run');
    const result = await runCli(['run', file, '--model', 'reference', '--sandbox', 'docker', '--json', '--out', out], { timeoutMs: 1_200_000 });
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 164, complete: true, samples: { scored: 164, sandboxErrors: 0 } });
    const samples = (await readFile(join(out, 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { taskId: string; outcome: string });
    const flaky = new Set(FLAKY_UPSTREAM[split] ?? []);
    expect(samples.filter((sample) => sample.outcome !== 'passed' && !flaky.has(sample.taskId)).map((sample) => sample.taskId)).toEqual([]);
  });

  it('run --model empty fails the first 8 tasks', { timeout: 600_000 }, async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'sandbench-hx-')), 'run');
    const result = await runCli(['run', file, '--limit', '8', '--model', 'empty', '--sandbox', 'docker', '--json', '--out', out], { timeoutMs: 600_000 });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 8, complete: true, samples: { passed: 0, failed: 8, sandboxErrors: 0 } });
  });
});
