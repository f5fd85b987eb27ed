import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

// Three program tasks whose tests fail for a wrong `add`, and answers that try to pass anyway
// by making the harness believe the test code ran to its end.
const TASKS = `tasks:
  - id: py-add
    language: python
    prompt: Define add(a, b).
    tests:
      - kind: program
        code: |
          def check(candidate):
              assert candidate(2, 3) == 5
          check(add)
    reference: |
      def add(a, b):
          return a + b
  - id: js-add
    language: javascript
    sandbox: docker
    prompt: Define add(a, b).
    tests:
      - kind: program
        code: |
          const assert = require('assert');
          assert.strictEqual(add(2, 3), 5);
    reference: |
      function add(a, b) { return a + b; }
  - id: sh-add
    language: bash
    prompt: Define add.
    tests:
      - kind: program
        code: |
          [ "$(add 2 3)" = "5" ] || exit 1
    reference: |
      add() { echo $(( $1 + $2 )); }
`;

const FORGERIES = [
  {
    task_id: 'py-add',
    completion: [
      'import os, re, sys',
      'def add(a, b):',
      '    return 0',
      'found = re.findall(r"__sandbench_done_[0-9a-f]+__|[0-9a-f]{32}", open(__file__).read())',
      'sys.excepthook = lambda *error: (print(found[-1] if found else "", flush=True), os._exit(0))',
    ].join('\n'),
  },
  {
    task_id: 'js-add',
    completion: [
      "const fs = require('fs');",
      'function add(a, b) { return 0; }',
      "const found = fs.readFileSync(__filename, 'utf8').match(/__sandbench_done_[0-9a-f]+__|[0-9a-f]{32}/g) || [''];",
      "process.on('uncaughtException', () => { console.log(found[found.length - 1]); process.exit(0); });",
    ].join('\n'),
  },
  { task_id: 'sh-add', completion: 'add() { echo 0; }\nexit() { :; }\n' },
];

describe.skipIf(!engine.available)('sandbench run --sandbox docker: program tests cannot be passed by forging their end', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sandbench-completion-'));
    await writeFile(join(folder, 'tasks.yaml'), TASKS);
    await writeFile(join(folder, 'answers.jsonl'), FORGERIES.map((line) => JSON.stringify(line)).join('\n') + '\n');
  });

  it('the forging answers fail (Python excepthook, node uncaughtException, bash exit function)', async () => {
    const out = join(folder, 'forged');
    const result = await runCli(['run', join(folder, 'tasks.yaml'), '--model', `scripted:${join(folder, 'answers.jsonl')}`, '--sandbox', 'docker', '--json', '--out', out]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 3, complete: true, samples: { scored: 3, passed: 0, failed: 3, sandboxErrors: 0 } });
    const samples = (await readFile(join(out, 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { taskId: string; outcome: string });
    expect(samples.map((sample) => [sample.taskId, sample.outcome]).sort()).toEqual([['js-add', 'failed'], ['py-add', 'failed'], ['sh-add', 'failed']]);
  });

  it('the reference answers pass', async () => {
    const result = await runCli(['run', join(folder, 'tasks.yaml'), '--model', 'reference', '--sandbox', 'docker', '--json', '--out', join(folder, 'reference')]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 3, complete: true, samples: { scored: 3, passed: 3, failed: 0, sandboxErrors: 0 } });
  });
});
