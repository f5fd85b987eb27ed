import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sandbench-cli-models-'));
}

describe('run with several models and model parameters', () => {
  it('2 models x the example suite x 5 samples: one folder per model, one leaderboard; replaying both re-scores identically', async () => {
    const out = join(await tempDir(), 'board');
    const result = await runCli(['run', 'tasks/examples', '--model', 'reference', '--model', 'empty', '--samples', '5', '--out', out]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['empty', 'reference']);
    const lines = result.stdout.trim().split('\n');
    // Header, rule, then the rows best first.
    expect(lines[0]).toMatch(/^suite\s+model\s+pass@1\s/);
    expect(lines[2]).toMatch(/^examples\s+reference\s+100\.0%\s.*50\/50\s+50\s+0\s+0\s+complete/);
    expect(lines[3]).toMatch(/^examples\s+empty\s+0\.0%\s.*50\/50\s+0\s+50\s+0\s+complete/);
    expect(lines).toHaveLength(4);

    const replayOut = join(await tempDir(), 'replay');
    const replay = await runCli([
      'run', 'tasks/examples', '--model', `replay:${join(out, 'reference')}`, '--model', `replay:${join(out, 'empty')}`, '--samples', '5', '--out', replayOut, '--json',
    ]);
    expect(replay.code).toBe(0);
    const summaries = JSON.parse(replay.stdout) as Array<{ samples: unknown; passAt: unknown; testVerdicts: unknown }>;
    const originals = await Promise.all(['reference', 'empty'].map(async (name) => JSON.parse(await readFile(join(out, name, 'summary.json'), 'utf8'))));
    expect(summaries.map((summary) => [summary.samples, summary.passAt, summary.testVerdicts])).toEqual(
      originals.map((summary) => [summary.samples, summary.passAt, summary.testVerdicts]),
    );
    const verdicts = async (folder: string) =>
      (await readFile(join(folder, 'samples.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .map((sample) => `${sample.taskId}/${sample.sampleIndex}:${sample.outcome}:${sample.verdicts.map((verdict: { verdict: string }) => verdict.verdict).join(',')}`)
        .sort();
    for (const name of ['reference', 'empty']) {
      const replayed = (await readdir(replayOut)).find((entry) => entry.endsWith(name))!;
      expect(await verdicts(join(replayOut, replayed))).toEqual(await verdicts(join(out, name)));
    }
  });

  it('bad parameter values are usage errors (exit 2) naming the flag, never NaN', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--temperature', 'hot'], /--temperature must be a number from 0 to 2/],
      [['--top-p', '0'], /--top-p must be a number/],
      [['--top-p', '1.5'], /--top-p must be a number/],
      [['--max-tokens', '12.5'], /--max-tokens must be a whole number/],
      [['--seed', '-3'], /--seed must be a whole number ≥ 0/],
      [['--feedback-turns', 'x'], /--feedback-turns must be a whole number ≥ 0/],
      [['--model-concurrency', '0'], /--model-concurrency must be a whole number ≥ 1/],
    ];
    for (const [flags, message] of cases) {
      const result = await runCli(['run', 'tasks/examples', '--model', 'reference', ...flags, '--out', join(await tempDir(), 'run')]);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr, flags.join(' ')).toMatch(message);
    }
  });

  it('parameters are recorded in run.json, and resuming with other ones is refused', async () => {
    const out = join(await tempDir(), 'run');
    const first = await runCli(['run', 'tasks/examples', '--model', 'reference', '--seed', '11', '--max-tokens', '300', '--stop', '###', '--out', out]);
    expect(first.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.parameters).toEqual({ maxTokens: 300, stopSequences: ['###'], seed: 11 });
    const other = await runCli(['run', 'tasks/examples', '--model', 'reference', '--seed', '12', '--max-tokens', '300', '--stop', '###', '--resume', '--out', out]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/model parameters: the run used .*seed=11, now .*seed=12/);
  });
});
