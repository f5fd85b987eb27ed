import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import { loadTaskFile, loadTaskFolder } from '../../src/datasets/task-files.ts';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import { repoRoot } from '../helpers/paths.ts';

async function tempFile(name: string, text: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'sandbench-tasks-'));
  const file = join(folder, name);
  await writeFile(file, text);
  return file;
}

async function loadError(file: string): Promise<SandbenchError> {
  const error = await loadTaskFile(file).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SandbenchError);
  return error as SandbenchError;
}

describe('task files', () => {
  it('loads the example suite: every comparator, both test kinds, limits', async () => {
    const tasks = await loadTaskFolder(join(repoRoot, 'tasks', 'examples'));
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    const comparators = new Set<string>();
    for (const task of tasks) {
      const taskComparator = task.comparator === undefined ? undefined : typeof task.comparator === 'string' ? task.comparator : task.comparator.type;
      for (const test of task.tests) {
        if (test.kind !== 'io') continue;
        const comparator = test.comparator === undefined ? taskComparator : typeof test.comparator === 'string' ? test.comparator : test.comparator.type;
        if (comparator) comparators.add(comparator);
      }
    }
    expect([...comparators].sort()).toEqual(['contains', 'exact', 'float', 'regex', 'trim', 'whitespace']);
    expect(new Set(tasks.flatMap((task) => task.tests.map((test) => test.kind)))).toEqual(new Set(['io', 'program']));
    expect(new Set(tasks.map((task) => task.language))).toEqual(new Set(['javascript', 'typescript']));
    expect(tasks.some((task) => task.limits?.run?.timeoutMs !== undefined)).toBe(true);
    expect(tasks.every((task) => typeof task.reference === 'string')).toBe(true);
  });

  it('applies file defaults and names the field path, task index and id of a bad task', async () => {
    const file = await tempFile(
      'x.yaml',
      [
        'defaults: { language: javascript }',
        'tasks:',
        '  - { id: a, prompt: p, tests: [{ kind: io, stdout: "1" }] }',
        '  - { id: b, prompt: p, tests: [{ kind: io, stdout: "1" }] }',
        '  - { id: c, prompt: p, tests: [{ kind: io, stdout: "1" }] }',
        '  - id: d',
        '    prompt: p',
        '    tests:',
        '      - kind: io',
        '        stdout: 42',
      ].join('\n'),
    );
    const error = await loadError(file);
    expect(error.code).toBe('task-file');
    expect(error.message).toMatch(/x\.yaml: tasks\[3\]\.tests\[0\]\.stdout: .*expected string/);
    expect(error.message).toContain("(task 'd')");
  });

  it('reports YAML syntax errors with line and column', async () => {
    const file = await tempFile('broken.yaml', 'id: a\nprompt: [unclosed\n');
    const error = await loadError(file);
    expect(error.message).toMatch(/broken\.yaml:\d+:\d+: invalid YAML/);
  });

  it('reports JSON syntax errors and unknown fields', async () => {
    expect((await loadError(await tempFile('bad.json', '{"id": '))).message).toMatch(/bad\.json: invalid JSON/);
    const unknown = await loadError(
      await tempFile('extra.json', JSON.stringify({ id: 'a', prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: '' }], color: 'red' })),
    );
    expect(unknown.message).toMatch(/extra\.json: .*color/);
  });

  it('rejects an unknown language, an empty test list and a bad comparator', async () => {
    const base = { id: 'a', prompt: 'p', tests: [{ kind: 'io', stdout: '' }] };
    expect((await loadError(await tempFile('l.json', JSON.stringify({ ...base, language: 'cobol' })))).message).toMatch(/l\.json: language:/);
    expect((await loadError(await tempFile('t.json', JSON.stringify({ ...base, language: 'python', tests: [] })))).message).toMatch(/t\.json: tests:/);
    expect(
      (await loadError(await tempFile('c.json', JSON.stringify({ ...base, language: 'python', comparator: 'fuzzy' })))).message,
    ).toMatch(/c\.json: comparator/);
  });

  it('refuses duplicate ids across a folder, naming both files', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-dupes-'));
    await mkdir(join(folder, 'sub'));
    const task = { id: 'same', prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: '' }] };
    await writeFile(join(folder, 'a.json'), JSON.stringify(task));
    await writeFile(join(folder, 'sub', 'b.yaml'), `id: same\nprompt: p\nlanguage: javascript\ntests: [{kind: io, stdout: ""}]\n`);
    await expect(loadTaskFolder(folder)).rejects.toThrow(/duplicate task id 'same' \(also in .*a\.json\)/);
  });

  it('loadSuite filters by id and limit, and names a missing id', async () => {
    const suite = await loadSuite(join(repoRoot, 'tasks', 'examples'), { taskIds: ['greeting', 'circle-area'] });
    expect(suite.tasks.map((task) => task.id).sort()).toEqual(['circle-area', 'greeting']);
    await expect(loadSuite(join(repoRoot, 'tasks', 'examples'), { taskIds: ['nope'] })).rejects.toThrow(/no task with id 'nope'/);
    await expect(loadSuite('/does/not/exist')).rejects.toThrow(/no such file or folder/);
  });
});
