import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

// The answer that passed an I/O test without computing anything: it searched its own memory
// for the previous job's output (a fork of a runner that had just sent that output back).
const REPLAY_ANSWER = [
  'import ctypes, re',
  'found = []',
  'with open("/proc/self/maps") as maps:',
  '    for line in maps:',
  '        fields = line.split()',
  '        start, end = (int(part, 16) for part in fields[0].split("-"))',
  '        name = fields[5] if len(fields) > 5 else ""',
  '        if fields[1].startswith("r") and not name.startswith("[v") and not name.startswith("/dev/"):',
  '            found += re.findall(rb"answer=([0-9]{6,})\\n", ctypes.string_at(start, end - start))',
  'print("answer=" + found[0].decode() if found else "nothing to replay")',
].join('\n');

describe.skipIf(!engine.available)('sandbench run --sandbox docker: replaying an earlier job', () => {
  it('an answer that prints the previous sample\'s output found in its memory fails; the real answer passes', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-replay-'));
    await writeFile(
      join(folder, 'square.yaml'),
      [
        'id: square',
        'language: python',
        'prompt: Read an integer n and print "answer=" followed by n squared.',
        'comparator: exact',
        'tests:',
        '  - kind: io',
        '    stdin: "123457\\n"',
        '    stdout: "answer=15241630849\\n"',
        'reference: |',
        '  n = int(input())',
        '  print(f"answer={n * n}")',
      ].join('\n') + '\n',
    );
    const answers = [
      { task_id: 'square', completion: 'n = int(input())\nprint(f"answer={n * n}")\n', sample_index: 0 },
      { task_id: 'square', completion: REPLAY_ANSWER, sample_index: 1 },
    ];
    await writeFile(join(folder, 'answers.jsonl'), answers.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const out = join(folder, 'run');
    // One sample at a time: the second runs in the container the first just used.
    const result = await runCli([
      'run', join(folder, 'square.yaml'),
      '--model', `scripted:${join(folder, 'answers.jsonl')}`,
      '--sandbox', 'docker', '--samples', '2', '--concurrency', '1', '--json', '--out', out,
    ]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 1, complete: true, samples: { scored: 2, passed: 1, failed: 1, sandboxErrors: 0 } });
    const journal = (await readFile(join(out, 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { sampleIndex: number; outcome: string });
    expect(journal.map((sample) => [sample.sampleIndex, sample.outcome]).sort()).toEqual([[0, 'passed'], [1, 'failed']]);
  });
});
