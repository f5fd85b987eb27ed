import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors/sandbench-error.ts';
import { DATASET_FORMATS, detectDatasetFormat, loadDataset } from '../../src/datasets/load-dataset.ts';
import { datasets } from '../helpers/paths.ts';
import { rawRecords } from './raw-records.ts';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sandbench-datasets-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function file(name: string, lines: unknown[], options: { gzip?: boolean } = {}): Promise<string> {
  const text = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
  const path = join(folder, name);
  await writeFile(path, options.gzip ? gzipSync(text) : text);
  return path;
}

/** The error `loadDataset` rejects with, checked to be a dataset InvalidInputError. */
async function loadError(path: string, options: Parameters<typeof loadDataset>[1] = {}): Promise<InvalidInputError> {
  try {
    await loadDataset(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).code).toBe('dataset');
    expect((error as Error).message).not.toMatch(/\n\s+at /);
    return error as InvalidInputError;
  }
  throw new Error(`${path} loaded without error`);
}

const humanEvalRecord = (index: number): Record<string, unknown> => ({
  task_id: `HumanEval/${index}`,
  prompt: `def f${index}():\n`,
  entry_point: `f${index}`,
  canonical_solution: '    return 1\n',
  test: 'def check(candidate):\n    assert candidate() == 1\n',
});

describe('format detection', () => {
  it('tells the three real datasets apart from their first record', () => {
    expect(detectDatasetFormat(rawRecords(datasets.humaneval)[0])).toBe('humaneval');
    expect(detectDatasetFormat(rawRecords(datasets.humanevalXJs)[0])).toBe('humaneval-x');
    expect(detectDatasetFormat(rawRecords(datasets.mbxpTypescript)[0])).toBe('mbxp');
    expect(detectDatasetFormat({ id: 'a', prompt: 'p', language: 'python', tests: [] })).toBe('tasks-jsonl');
    expect(detectDatasetFormat({ something: 1 })).toBeUndefined();
    expect(detectDatasetFormat([1])).toBeUndefined();
    expect(DATASET_FORMATS).toEqual(['humaneval', 'humaneval-x', 'mbxp', 'tasks-jsonl', 'codecontests', 'apps']);
  });

  it('reads plain and gzip-compressed JSONL, whatever the name says', async () => {
    const plain = await loadDataset(await file('mini.jsonl', [humanEvalRecord(0), '', humanEvalRecord(1)]));
    expect(plain).toMatchObject({ name: 'mini', format: 'humaneval' });
    expect(plain.tasks.map((task) => task.id)).toEqual(['HumanEval/0', 'HumanEval/1']);
    const gz = await loadDataset(await file('mini.jsonl.gz', [humanEvalRecord(0)], { gzip: true }));
    expect(gz.name).toBe('mini');
    expect(gz.tasks).toHaveLength(1);
  });

  it('lets a forced format override detection, and then reports what does not fit', async () => {
    const error = await loadError(datasets.humaneval, { format: 'humaneval-x' });
    expect(error.message).toMatch(/HumanEval\.jsonl\.gz:1 \(HumanEval\/0\): declaration: Invalid input: expected string, received undefined/);
  });

  it('refuses an unknown forced format and an undetectable file', async () => {
    const unknown = await loadError(datasets.humaneval, { format: 'mbpp' as never });
    expect(unknown.message).toBe("unknown dataset format 'mbpp' (known: humaneval, humaneval-x, mbxp, tasks-jsonl, codecontests, apps)");
    const odd = await loadError(await file('odd.jsonl', [{ question: 'x', answer: 'y' }]));
    expect(odd.message).toMatch(/odd\.jsonl:1: cannot tell the dataset format from the first record \(fields question, answer\); pass a format: humaneval, /);
  });
});

describe('bad files name file, line, task and field', () => {
  it('a broken JSON line', async () => {
    const path = await file('broken.jsonl', [humanEvalRecord(0), humanEvalRecord(1), '{"task_id": "HumanEval/2", "prompt": ']);
    const error = await loadError(path);
    expect(error.message).toMatch(/broken\.jsonl:3: invalid JSON: /);
    expect(error.details).toMatchObject({ line: 3 });
  });

  it('a missing field', async () => {
    const { canonical_solution: _dropped, ...missing } = humanEvalRecord(1);
    // Detection reads line 1 only; line 2 lacks canonical_solution.
    const error = await loadError(await file('missing.jsonl', [humanEvalRecord(0), missing]));
    expect(error.message).toMatch(/missing\.jsonl:2 \(HumanEval\/1\): canonical_solution: Invalid input: expected string, received undefined$/);
    expect(error.details).toMatchObject({ line: 2, taskId: 'HumanEval/1', field: 'canonical_solution' });
  });

  it('a field of the wrong type, in a gzip file, at line 12', async () => {
    const lines = Array.from({ length: 12 }, (_, index) => humanEvalRecord(index));
    lines[11] = { ...humanEvalRecord(11), canonical_solution: 42 };
    const error = await loadError(await file('HumanEval.jsonl.gz', lines, { gzip: true }));
    expect(error.message).toMatch(/HumanEval\.jsonl\.gz:12 \(HumanEval\/11\): canonical_solution: Invalid input: expected string, received number$/);
  });

  it('an entry point that is not an identifier', async () => {
    const error = await loadError(await file('inject.jsonl', [{ ...humanEvalRecord(0), entry_point: 'f); import os; (' }]));
    expect(error.message).toMatch(/inject\.jsonl:1 \(HumanEval\/0\): entry_point: expected a Python identifier$/);
  });

  it('a record that is not an object, without a task id', async () => {
    const error = await loadError(await file('list.jsonl', [humanEvalRecord(0), [1, 2]]));
    expect(error.message).toMatch(/list\.jsonl:2: Invalid input: expected object, received array$/);
  });

  it('a duplicate task id, naming both lines', async () => {
    const error = await loadError(await file('dup.jsonl', [humanEvalRecord(0), humanEvalRecord(1), humanEvalRecord(0)]));
    expect(error.message).toMatch(/dup\.jsonl:3 \(HumanEval\/0\): duplicate task id 'HumanEval\/0' \(first on line 1\)$/);
  });

  it('an MBXP record of a language sandbench does not run', async () => {
    const record = rawRecords(datasets.mbxpTypescript)[0]!;
    const error = await loadError(await file('mbxp.jsonl', [record, { ...record, task_id: 'HumanEval_kotlin/1', language: 'kotlin' }]));
    expect(error.message).toMatch(/mbxp\.jsonl:2 \(HumanEval_kotlin\/1\): language 'kotlin': sandbench does not run kotlin/);
  });

  it('an empty file, a missing file, a corrupt gzip, and non-UTF-8 bytes', async () => {
    expect((await loadError(await file('empty.jsonl', ['']))).message).toMatch(/empty\.jsonl: the dataset holds no records$/);
    expect((await loadError(join(folder, 'nope.jsonl'))).message).toMatch(/nope\.jsonl: cannot read: /);
    const corrupt = join(folder, 'corrupt.jsonl.gz');
    await writeFile(corrupt, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
    expect((await loadError(corrupt)).message).toMatch(/corrupt\.jsonl\.gz: cannot decompress/);
    const latin1 = join(folder, 'latin1.jsonl');
    await writeFile(latin1, Buffer.from([0x7b, 0xe9, 0x7d, 0x0a]));
    expect((await loadError(latin1)).message).toMatch(/latin1\.jsonl: not UTF-8 text$/);
  });
});

describe('tasks JSONL', () => {
  const task = { id: 'echo', prompt: 'Echo stdin', language: 'python', tests: [{ kind: 'io', stdin: 'a', stdout: 'a' }] };

  it('reads lines that are sandbench tasks, with defaults applied', async () => {
    const dataset = await loadDataset(await file('tasks.jsonl', [task, { ...task, id: 'echo2', comparator: 'exact' }]));
    expect(dataset.format).toBe('tasks-jsonl');
    expect(dataset.tasks[0]).toMatchObject({ id: 'echo', codePrefix: '', tags: [], metadata: {} });
    expect(dataset.tasks[1]!.comparator).toBe('exact');
  });

  it('names the field path of an invalid task', async () => {
    const bad = { ...task, id: 'bad', tests: [{ kind: 'io', stdin: 'a' }] };
    const error = await loadError(await file('tasks.jsonl', [task, bad]));
    expect(error.message).toMatch(/tasks\.jsonl:2 \(bad\): tests\[0\]\.stdout: Invalid input: expected string, received undefined$/);
    const extra = { ...task, id: 'typo', langauge: 'python' };
    expect((await loadError(await file('tasks.jsonl', [task, extra]))).message).toMatch(/tasks\.jsonl:2 \(typo\): Unrecognized key: "langauge"/);
  });
});
