import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/datasets/load-dataset.ts';
import { completionFromResponse } from '../../src/harness/fit-completion.ts';
import { scoreCompletion } from '../../src/harness/score-completion.ts';
import { DockerSandbox } from '../../src/sandboxes/docker-sandbox.ts';
import type { Task } from '../../src/schemas/task.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { repoRoot } from '../helpers/paths.ts';

const docker = await dockerForTests();

// Hand-written records in the published layout (Hugging Face codeparrot/apps): no copy of APPS is in the data folder.
const fixture = join(repoRoot, 'test', 'fixtures', 'datasets', 'apps-call-based.jsonl');

describe.runIf(docker.available)('APPS call-based problems in the Docker sandbox (as APPS run_test judges them)', () => {
  let sandbox: DockerSandbox;
  let tasks: Task[];
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sandbench-apps-call-'));
    sandbox = new DockerSandbox({ poolSize: 1 });
    tasks = (await loadDataset(fixture)).tasks;
  });
  afterAll(async () => {
    await sandbox?.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const task = (id: string): Task => {
    const found = tasks.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`no task ${id}`);
    return found;
  };
  const score = (target: Task, completion: string) => scoreCompletion(target, completion, sandbox);
  const verdicts = async (target: Task, completion: string) => (await score(target, completion)).verdicts.map((verdict) => verdict.verdict);

  it('every reference passes every call: Solution().method, a plain function, the list-wrapped output, a tuple, tuples in a list, integer keys', { timeout: 120_000 }, async () => {
    for (const target of tasks) {
      const result = await score(target, target.reference!);
      expect(result.verdicts.map((verdict) => [target.id, verdict.verdict, verdict.reason])).toEqual(target.tests.map(() => [target.id, 'passed', undefined]));
    }
  });

  it('a wrong answer fails (not a runtime error) at its first call, naming what it returned and what was expected', { timeout: 60_000 }, async () => {
    const wrong = 'class Solution:\n    def twoSum(self, nums, target):\n        return [1, 0]\n';
    const result = await score(task('5001'), wrong);
    expect(result.outcome).toBe('failed');
    expect(result.verdicts.map((verdict) => verdict.verdict)).toEqual(['failed', 'not-run', 'not-run']);
    expect(result.verdicts[0]!.reason).toBe('wrong answer: twoSum(*inputs) returned [1, 0]; expected [0, 1] (or its first item)');
    // The list-wrapped output of a plain function: a different number is wrong.
    const off = await score(task('5002'), 'def add_big(a, b):\n    return a + b + 1\n');
    expect(off.verdicts[0]).toMatchObject({ verdict: 'failed', reason: 'wrong answer: add_big(*inputs) returned 4; expected [3] (or its first item)' });
  });

  it('the big integers arrive exactly: an answer that goes through a float fails the call beyond 2^53', { timeout: 60_000 }, async () => {
    expect(await verdicts(task('5002'), 'def add_big(a, b):\n    return int(float(a) + float(b))\n')).toEqual(['passed', 'failed', 'not-run']);
  });

  it('accepts what APPS accepts: the output itself or its first item, a tuple for a list, tuples inside a list', { timeout: 60_000 }, async () => {
    // Returning [3] where outputs[i] is [3] matches outputs[i] itself.
    expect(await verdicts(task('5002'), 'def add_big(a, b):\n    return [a + b]\n')).toEqual(['passed', 'passed', 'passed']);
    // A list of lists where APPS lists pairs: equal too.
    expect(await verdicts(task('5004'), 'def squares(n):\n    return [[i, i * i] for i in range(1, n + 1)]\n')).toEqual(['passed', 'passed']);
    // Integer keys are needed: the argument's keys arrive as integers, so doubling text keys fails.
    expect(await verdicts(task('5005'), 'def double_keys(mapping):\n    return {str(key) * 2: value for key, value in mapping.items()}\n')).toEqual(['failed', 'not-run']);
  });

  it('an exception is a runtime error with its message; a loop is a timeout after APPS\'s 4 s', { timeout: 60_000 }, async () => {
    const raising = await score(task('5003'), 'def min_max(numbers):\n    return 1 / 0\n');
    expect(raising.verdicts[0]).toMatchObject({ verdict: 'runtime-error', reason: 'exit code 1: ZeroDivisionError: division by zero' });
    expect(raising.verdicts.slice(1).map((verdict) => verdict.verdict)).toEqual(['not-run', 'not-run']);
    const looping = await score(task('5003'), 'def min_max(numbers):\n    while True:\n        pass\n');
    expect(looping.verdicts.map((verdict) => verdict.verdict)).toEqual(['timeout', 'not-run', 'not-run']);
  });

  it('an answer that does not define the function fails with a reason naming it, for a module and for class Solution', { timeout: 60_000 }, async () => {
    const missing = await score(task('5003'), 'def minmax(numbers):\n    return min(numbers), max(numbers)\n');
    expect(missing.verdicts[0]).toMatchObject({
      verdict: 'runtime-error',
      reason: "exit code 1: NameError: APPS calls min_max(*inputs), but the answer defines no function 'min_max'",
    });
    const noMethod = await score(task('5001'), 'class Solution:\n    def two_sum(self, nums, target):\n        return [0, 1]\n');
    expect(noMethod.verdicts[0]).toMatchObject({
      verdict: 'runtime-error',
      reason: "exit code 1: AttributeError: APPS calls Solution().twoSum(*inputs), but class Solution has no method 'twoSum'",
    });
    const empty = await score(task('5001'), '');
    expect(empty.verdicts[0]!.verdict).toBe('runtime-error');
    expect(empty.verdicts[0]!.reason).toContain("defines no function 'twoSum'");
  });

  it('as upstream, the text "class Solution" in the answer decides between Solution().method and a module function', { timeout: 60_000 }, async () => {
    // No class: APPS calls the module's function, which a LeetCode answer may well be.
    const plain = 'def twoSum(nums, target):\n    return [0, 1] if nums[0] + nums[1] == target else [1, 2]\n';
    expect(await verdicts(task('5001'), plain)).toEqual(['passed', 'passed', 'passed']);
    // The words in a comment make APPS look for the class, which this answer lacks.
    const mentioned = `# no class Solution here\n${plain}`;
    const result = await score(task('5001'), mentioned);
    expect(result.verdicts[0]).toMatchObject({ verdict: 'runtime-error' });
    expect(result.verdicts[0]!.reason).toContain('defines no class Solution');
  });

  it('the answer runs as APPS loads it: with the import header, __main__ blocks skipped, printing allowed', { timeout: 60_000 }, async () => {
    // Counter, heapq and List come from the header; the __main__ block would read stdin (empty) and crash.
    const answer = [
      'class Solution:',
      '    def twoSum(self, nums: List[int], target: int) -> List[int]:',
      '        print("debug", Counter(nums).most_common(1))',
      '        pairs = [(i, j) for i, j in combinations(range(len(nums)), 2) if nums[i] + nums[j] == target]',
      '        return list(heappop(pairs))',
      '',
      'if __name__ == "__main__":',
      '    print(Solution().twoSum(list(map(int, input().split())), int(input())))',
      '',
    ].join('\n');
    expect(await verdicts(task('5001'), answer)).toEqual(['passed', 'passed', 'passed']);
  });

  it('an answer cannot end the program early and pass', { timeout: 60_000 }, async () => {
    const result = await score(task('5003'), 'import sys\ndef min_max(numbers):\n    return min(numbers), max(numbers)\nsys.exit(0)\n');
    expect(result.verdicts[0]).toMatchObject({ verdict: 'failed', reason: 'the program ended before its test code finished (did the answer exit early?)' });
  });

  it('arguments that look like code arrive as the strings they are (decoded from JSON in the program, never pasted as code)', { timeout: 60_000 }, async () => {
    const hostile = ['"""\'); import os; os._exit(0) #', "line\nbreak\u2028\u2029\r\ttab", '\\u0041 \\n stays', 'nul\u0000 ✓ 😀', '{}[]"\\'];
    const record = {
      problem_id: 6001,
      question: 'Return the text unchanged.',
      solutions: JSON.stringify(['def echo(text):\n    return text\n']),
      input_output: JSON.stringify({ fn_name: 'echo', inputs: hostile.map((text) => [text]), outputs: hostile.map((text) => [text]) }),
      starter_code: '',
    };
    const path = join(folder, 'hostile.jsonl');
    await writeFile(path, `${JSON.stringify(record)}\n`);
    const [echo] = (await loadDataset(path)).tasks;
    expect(await verdicts(echo!, echo!.reference!)).toEqual(hostile.map(() => 'passed'));
    // An answer that changes one character fails: the check compares the real strings.
    expect(await verdicts(echo!, 'def echo(text):\n    return text.replace("\\u2028", " ")\n')).toEqual(['passed', 'failed', 'not-run', 'not-run', 'not-run']);
  });

  it('a chat answer in a fence is fitted and judged like the reference', { timeout: 60_000 }, async () => {
    const target = task('5003');
    const response = `Here it is:\n\`\`\`python\ndef min_max(numbers):\n    return min(numbers), max(numbers)\n\nprint(min_max([3, 1, 2]))\n\`\`\``;
    expect(await verdicts(target, completionFromResponse(target, response, 'chat'))).toEqual(['passed', 'passed', 'passed']);
  });
});
