import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_CALL_HEADER, APPS_WRONG_ANSWER_EXIT_CODE } from '../../src/datasets/apps-call-test.ts';
import { detectDatasetFormat, loadDataset } from '../../src/datasets/load-dataset.ts';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import { InvalidInputError } from '../../src/errors/sandbench-error.ts';
import { repoRoot } from '../helpers/paths.ts';
import { rawRecords } from './raw-records.ts';

// Hand-written records in the published layouts: no copy of CodeContests or APPS is in the data folder.
const codeContestsFile = join(repoRoot, 'test', 'fixtures', 'datasets', 'codecontests-sandboxfusion.jsonl');
const appsFile = join(repoRoot, 'test', 'fixtures', 'datasets', 'apps.jsonl');
const appsCallBasedFile = join(repoRoot, 'test', 'fixtures', 'datasets', 'apps-call-based.jsonl');

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sandbench-contest-sets-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function file(name: string, records: unknown[]): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  return path;
}

async function loadError(path: string, options: Parameters<typeof loadDataset>[1] = {}): Promise<string> {
  try {
    await loadDataset(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).code).toBe('dataset');
    return (error as Error).message;
  }
  throw new Error(`${path} loaded without error`);
}

const contestRecord = (id: number | string, cases: unknown = [{ input: { stdin: '1\n' }, output: { stdout: '1\n' } }]) => ({
  id,
  content: 'Echo the number.',
  test: typeof cases === 'string' ? cases : JSON.stringify(cases),
  labels: JSON.stringify({ difficulty: 1 }),
});

const appsRecord = (problemId: number, inputOutput: unknown) => ({
  problem_id: problemId,
  question: 'Echo the line.',
  solutions: JSON.stringify(['print(input())\n']),
  input_output: typeof inputOutput === 'string' ? inputOutput : JSON.stringify(inputOutput),
  starter_code: '',
});

describe('CodeContests as SandboxFusion packages it', () => {
  it('is detected from its fields and read as whole-program tasks judged by SandboxFusion\'s rules', async () => {
    expect(detectDatasetFormat(rawRecords(codeContestsFile)[0])).toBe('codecontests');
    const dataset = await loadDataset(codeContestsFile);
    expect(dataset).toMatchObject({ name: 'codecontests-sandboxfusion', format: 'codecontests' });
    expect(dataset.tasks.map((task) => task.id)).toEqual(['0', '1', '2']);
    const [sum] = dataset.tasks;
    expect(sum).toMatchObject({
      language: 'python',
      codePrefix: '',
      comparator: 'sandboxfusion',
      stopAtFirstFailure: true,
      reference: 'a, b = map(int, input().split())\nprint(a + b)\n',
      limits: { run: { timeoutMs: 20_000 } },
      metadata: { labels: { name: 'sum-of-two', difficulty: 1, tags: ['implementation'] } },
    });
    expect(sum!.tests).toEqual([
      { kind: 'io', stdin: '1 2\n', stdout: '3\n' },
      { kind: 'io', stdin: '10 -4\n', stdout: '6\n' },
      { kind: 'io', stdin: '1000000000 1000000000\n', stdout: '2000000000\n' },
    ]);
    // The statement, then the request for a whole Python program on stdin and stdout.
    expect(sum!.prompt).toMatch(/^Given two integers a and b/);
    expect(sum!.prompt).toMatch(/\n\nWrite a complete Python program\. It must read the input from standard input and write the answer to standard output\.$/);
  });

  it('takes a record\'s language field over the default, with compiled languages\' limits', async () => {
    const dataset = await loadDataset(await file('cpp.jsonl', [{ ...contestRecord(5), language: 'cpp' }]));
    expect(dataset.tasks[0]).toMatchObject({ language: 'cpp', limits: { run: { timeoutMs: 10_000 }, compile: { timeoutMs: 10_000 } } });
    expect(dataset.tasks[0]!.prompt).toContain('Write a complete C++ program with a main function.');
  });

  it('--format codecontests reads a file that detection would take for another format', async () => {
    // A leftover `tests` column makes the record look like sandbench's own tasks.
    const path = await file('mislabelled.jsonl', [{ ...contestRecord(7), tests: 'leftover' }]);
    expect(detectDatasetFormat(rawRecords(path)[0])).toBe('tasks-jsonl');
    const dataset = await loadDataset(path, { format: 'codecontests' });
    expect(dataset.tasks.map((task) => task.id)).toEqual(['7']);
    const suite = await loadSuite(path, { format: 'codecontests' });
    expect(suite.format).toBe('codecontests');
  });

  it('refuses bad records, naming the file, the line, the task and the field', async () => {
    const brokenJson = await file('broken.jsonl', [contestRecord(0), contestRecord(1, '[{"input": ')]);
    expect(await loadError(brokenJson)).toMatch(/broken\.jsonl:2 \(1\): test: not valid JSON text: /);
    const noCases = await file('empty.jsonl', [contestRecord(0, [])]);
    expect(await loadError(noCases)).toMatch(/empty\.jsonl:1 \(0\): test: expected at least one test case/);
    const noStdout = await file('nostdout.jsonl', [contestRecord(3, [{ input: { stdin: '' }, output: {} }])]);
    expect(await loadError(noStdout)).toMatch(/nostdout\.jsonl:1 \(3\): test\[0\]\.output\.stdout: /);
    const duplicate = await file('twice.jsonl', [contestRecord(4), contestRecord(4)]);
    expect(await loadError(duplicate)).toMatch(/twice\.jsonl:2 \(4\): duplicate task id '4' \(first on line 1\)/);
    const unknownLanguage = await file('cobol.jsonl', [{ ...contestRecord(6), language: 'cobol' }]);
    expect(await loadError(unknownLanguage)).toMatch(/cobol\.jsonl:1 \(6\): language: /);
  });
});

describe('APPS', () => {
  it('is detected from its fields; standard-input problems become whole-program tasks, the first solution their reference', async () => {
    expect(detectDatasetFormat(rawRecords(appsFile)[0])).toBe('apps');
    const dataset = await loadDataset(appsFile);
    expect(dataset.format).toBe('apps');
    expect(dataset.tasks.map((task) => task.id)).toEqual(['4001', '4002', '4003']);
    expect(dataset.tasks[0]).toMatchObject({
      language: 'python',
      comparator: 'sandboxfusion',
      stopAtFirstFailure: true,
      reference: 'print(input()[::-1])\n',
      limits: { run: { timeoutMs: 4_000 } },
      metadata: { difficulty: 'introductory' },
    });
    expect(dataset.tasks[0]!.tests).toHaveLength(3);
    expect(dataset.tasks[0]!.prompt).toMatch(/^You are given a string s\. Print it reversed\./);
    expect(dataset.tasks[0]!.prompt).toContain('Write a complete Python program.');
    // Inputs and outputs given as lists of lines are joined with newlines, as APPS joins them.
    expect(dataset.tasks[1]!.tests).toEqual([
      { kind: 'io', stdin: '3\n1\n2\n3', stdout: '6' },
      { kind: 'io', stdin: '1\n-5', stdout: '-5' },
    ]);
  });

  it('names a record by `id` when it has no `problem_id`', async () => {
    const { problem_id: _unused, ...withoutProblemId } = appsRecord(0, { inputs: ['x\n'], outputs: ['x\n'] });
    const dataset = await loadDataset(await file('by-id.jsonl', [{ ...withoutProblemId, id: 12 }]), { format: 'apps' });
    expect(dataset.tasks.map((task) => task.id)).toEqual(['12']);
  });

  it('reads a call-based record (fn_name) as a Python task: one program test per call, after APPS\'s import header', async () => {
    const dataset = await loadDataset(appsCallBasedFile);
    expect(dataset.format).toBe('apps');
    expect(dataset.tasks.map((task) => task.id)).toEqual(['5001', '5002', '5003', '5004', '5005']);
    const twoSum = dataset.tasks[0]!;
    expect(twoSum).toMatchObject({
      language: 'python',
      codePrefix: '',
      entryPoint: 'twoSum',
      starterCode: 'class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        ',
      stopAtFirstFailure: true,
      limits: { run: { timeoutMs: 4_000 } },
      metadata: { source: 'hendrycks/apps', difficulty: 'interview', fnName: 'twoSum' },
    });
    expect(twoSum.comparator).toBeUndefined();
    expect(twoSum.reference).toMatch(/^class Solution:\n    def twoSum\(self, nums: List\[int\], target: int\)/);
    // APPS's header, word for word, after a line that keeps `if __name__ == "__main__":` blocks from running, as upstream.
    expect(twoSum.importHelper).toEqual({ header: APPS_CALL_HEADER.trimEnd(), packages: [] });
    expect(APPS_CALL_HEADER).toBe(
      "__name__ = 'tmp_sol'\n" +
        'import sys\nimport time\nimport itertools\nfrom itertools import accumulate, product, permutations, combinations\nimport collections\n' +
        'from collections import Counter, OrderedDict, deque, defaultdict, ChainMap\nfrom functools import lru_cache\nimport math\n' +
        'from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2\nimport fractions\nfrom typing import List, Tuple\n' +
        'import numpy as np\nimport random\nimport heapq\nfrom heapq import *\n',
    );
    expect(twoSum.tests).toHaveLength(3);
    for (const test of twoSum.tests) expect(test).toMatchObject({ kind: 'program', passWhen: 'exit-zero', wrongAnswerExitCode: APPS_WRONG_ANSWER_EXIT_CODE });
    // The prompt: the statement, then the function to complete, named as the tests call it.
    expect(twoSum.prompt).toMatch(/^Given an array of integers nums/);
    expect(twoSum.prompt).toContain('Complete the starter code in Python. The tests call Solution().twoSum(...)');
    expect(dataset.tasks[1]!.prompt).toContain('Complete the starter code in Python. The tests call the function add_big(...)');
    expect(dataset.tasks[2]!.prompt).toContain('Write a Python function named min_max. The tests call min_max(...)');
    expect(dataset.tasks[2]!.starterCode).toBeUndefined();
  });

  it('embeds each call\'s arguments and expected value as the JSON text of the record, digits and key order intact', async () => {
    const dataset = await loadDataset(appsCallBasedFile);
    const [first, second, third] = dataset.tasks[1]!.tests.map((test) => (test.kind === 'program' ? test.code : ''));
    expect(first).toContain(`_sandbench_apps_call(${JSON.stringify('add_big')}, ${JSON.stringify('[1, 2]')}, ${JSON.stringify('[3]')})`);
    // Beyond 2^53: a JavaScript number would have turned 9007199254740993 into 9007199254740992.
    expect(second).toContain(JSON.stringify('[9007199254740993, 1]'));
    expect(second).toContain(JSON.stringify('[9007199254740994]'));
    expect(third).toContain(JSON.stringify('[-123456789012345678901234567890, 123456789012345678901234567891]'));
    // Integer-like keys keep the record's order (a JavaScript object would put "2" before "10").
    const path = await file('key-order.jsonl', [
      { ...appsRecord(7, ''), input_output: '{"fn_name": "f", "inputs": [[{"10": 1, "2": 2}]], "outputs": [[1]]}' },
    ]);
    const [keyOrder] = (await loadDataset(path)).tasks;
    expect(keyOrder!.tests[0]).toMatchObject({ kind: 'program' });
    expect((keyOrder!.tests[0] as { code: string }).code).toContain(JSON.stringify('[{"10": 1, "2": 2}]'));
  });

  it('takes input_output given as a decoded object, and refuses numbers that JSON decoding already changed', async () => {
    const decoded = await file('decoded.jsonl', [{ ...appsRecord(8, ''), input_output: { fn_name: 'f', inputs: [[1.5, 'x']], outputs: [[2]] } }]);
    const [task] = (await loadDataset(decoded)).tasks;
    expect((task!.tests[0] as { code: string }).code).toContain(JSON.stringify('[1.5,"x"]'));
    // The line's own JSON decoding already rounded 2^53 + 1: refused rather than run with another number.
    const rounded = join(folder, 'rounded.jsonl');
    await writeFile(rounded, '{"problem_id": 9, "question": "q", "input_output": {"fn_name": "f", "inputs": [[9007199254740993]], "outputs": [[1]]}}\n');
    expect(await loadError(rounded)).toMatch(
      /rounded\.jsonl:1 \(9\): input_output\.inputs\[0\]: the number read as 9007199254740992 is beyond 2\^53 and may have lost digits when the line was decoded; give input_output as JSON text, as APPS publishes it/,
    );
  });

  it('refuses call-based records that cannot run as APPS runs them, naming the record', async () => {
    const otherLanguage = await file('cpp-call.jsonl', [{ ...appsRecord(1, { fn_name: 'solve', inputs: [[1, 2]], outputs: [3] }), language: 'cpp' }]);
    expect(await loadError(otherLanguage)).toMatch(/cpp-call\.jsonl:1 \(1\): language: a call-based problem \(fn_name 'solve'\) runs Python only, as APPS runs it; this record says cpp/);
    const uneven = await file('uneven-call.jsonl', [appsRecord(2, { fn_name: 'solve', inputs: [[1], [2]], outputs: [3] })]);
    expect(await loadError(uneven)).toMatch(/uneven-call\.jsonl:1 \(2\): input_output: 2 inputs but 1 outputs/);
    const emptyName = await file('empty-name.jsonl', [appsRecord(3, { fn_name: '', inputs: [[1]], outputs: [1] })]);
    expect(await loadError(emptyName)).toMatch(/empty-name\.jsonl:1 \(3\): input_output\.fn_name: /);
    const noInputs = await file('no-call-inputs.jsonl', [appsRecord(4, { fn_name: 'solve', inputs: [], outputs: [] })]);
    expect(await loadError(noInputs)).toMatch(/no-call-inputs\.jsonl:1 \(4\): input_output\.inputs: expected at least one input/);
  });

  it('reads a file that mixes standard-input and call-based records', async () => {
    const path = await file('mixed.jsonl', [
      appsRecord(1, { inputs: ['a\n'], outputs: ['a\n'] }),
      appsRecord(2, { fn_name: 'solve', inputs: [[1, 2]], outputs: [3] }),
    ]);
    const dataset = await loadDataset(path);
    expect(dataset.tasks.map((task) => [task.id, task.tests[0]!.kind])).toEqual([
      ['1', 'io'],
      ['2', 'program'],
    ]);
  });

  it('--format apps reads call-based records that detection would take for another format', async () => {
    // A leftover `tests` column makes the record look like sandbench's own tasks.
    const path = await file('call-mislabelled.jsonl', [{ ...appsRecord(11, { fn_name: 'solve', inputs: [[1]], outputs: [1] }), tests: 'leftover' }]);
    expect(detectDatasetFormat(rawRecords(path)[0])).toBe('tasks-jsonl');
    const dataset = await loadDataset(path, { format: 'apps' });
    expect(dataset.tasks[0]).toMatchObject({ id: '11', entryPoint: 'solve' });
  });

  it('refuses other bad records with file, line, task and field', async () => {
    const uneven = await file('uneven.jsonl', [appsRecord(1, { inputs: ['a\n', 'b\n'], outputs: ['a\n'] })]);
    expect(await loadError(uneven)).toMatch(/uneven\.jsonl:1 \(1\): input_output: 2 inputs but 1 outputs/);
    const noTests = await file('no-tests.jsonl', [appsRecord(3, '')]);
    expect(await loadError(noTests)).toMatch(/no-tests\.jsonl:1 \(3\): input_output: not valid JSON text/);
    const noInputs = await file('no-inputs.jsonl', [appsRecord(4, { inputs: [], outputs: [] })]);
    expect(await loadError(noInputs)).toMatch(/no-inputs\.jsonl:1 \(4\): input_output\.inputs: expected at least one input/);
    const badSolutions = await file('bad-solutions.jsonl', [{ ...appsRecord(5, { inputs: ['a'], outputs: ['a'] }), solutions: '{"not": "a list"}' }]);
    expect(await loadError(badSolutions)).toMatch(/bad-solutions\.jsonl:1 \(5\): solutions: /);
    const { problem_id: _unused, ...anonymous } = appsRecord(6, { inputs: ['a'], outputs: ['a'] });
    expect(await loadError(await file('anonymous.jsonl', [anonymous]))).toMatch(/anonymous\.jsonl:1: problem_id: a record needs a problem_id \(or an id\)/);
  });

  it('--format apps applies to a file detection cannot place, and then reports what does not fit', async () => {
    expect(await loadError(codeContestsFile, { format: 'apps' })).toMatch(/codecontests-sandboxfusion\.jsonl:1 \(0\): question: /);
  });
});
