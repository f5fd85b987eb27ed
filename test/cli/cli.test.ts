import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSummarySchema, sampleResultSchema } from '../../src/schemas/sample-result.ts';
import { datasets, hasData, repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sandbench-cli-'));
}

describe('sandbench CLI on the example suite (isolate)', () => {
  it('run --model reference passes every task and writes a journal and summary', async () => {
    const out = join(await tempDir(), 'run');
    const result = await runCli(['run', 'tasks/examples', '--model', 'reference', '--sandbox', 'isolate', '--json', '--out', out]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const summary = runSummarySchema.parse(JSON.parse(result.stdout));
    expect(summary.tasks).toBe(10);
    expect(summary).toMatchObject({ complete: true, samples: { planned: 10, scored: 10, passed: 10, failed: 0, sandboxErrors: 0, modelErrors: 0, unscored: 0 } });
    expect(summary.passAt['pass@1']).toBe(1);
    const lines = (await readFile(join(out, 'samples.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(10);
    for (const line of lines) sampleResultSchema.parse(JSON.parse(line));
    expect(runSummarySchema.parse(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).samples.passed).toBe(10);
  });

  it('run --model empty passes nothing', async () => {
    const result = await runCli(['run', 'tasks/examples', '--model', 'empty', '--json', '--out', join(await tempDir(), 'run')]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ complete: true, samples: { scored: 10, passed: 0, failed: 10 } });
  });

  it('scripted:<file> answers from a JSONL file; --samples gives pass@k', async () => {
    const folder = await tempDir();
    const script = join(folder, 'answers.jsonl');
    const good = "function fib(n) { let a = 0n, b = 1n; for (let i = 0; i < n; i++) [a, b] = [b, a + b]; return a; }";
    const slow = 'function fib(n) { return n < 2 ? BigInt(n) : fib(n - 1) + fib(n - 2); }';
    await writeFile(
      script,
      [good, slow, '```js\n' + good + '\n```', 'oops('].map((completion) => JSON.stringify({ task_id: 'fibonacci-fast', completion })).join('\n') + '\n',
    );
    const result = await runCli(['run', 'tasks/examples', '--tasks', 'fibonacci-fast', '--model', `scripted:${script}`, '--samples', '4', '--json', '--out', join(folder, 'run')]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    // 2 of 4 samples pass: pass@1 = 2/4 = 0.5 (pass@10 is undefined with 4 samples).
    expect(summary).toMatchObject({ tasks: 1, samplesPerTask: 4, samples: { scored: 4, passed: 2, failed: 2 } });
    expect(summary.passAt).toEqual({ 'pass@1': 0.5 });
    const samples = (await readFile(join(folder, 'run', 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const verdicts = samples.sort((a, b) => a.sampleIndex - b.sampleIndex).map((sample) => sample.verdicts[0].verdict);
    expect(verdicts).toEqual(['passed', 'timeout', 'passed', 'runtime-error']);
  });

  it('an answer that exits 0 before the tests run fails instead of passing', async () => {
    const folder = await tempDir();
    const script = join(folder, 'answers.jsonl');
    await writeFile(
      script,
      [
        { task_id: 'fibonacci-fast', completion: 'process.exit(0);' },
        { task_id: 'count-vowels', completion: '  process.exit(0);\n};\n' },
        { task_id: 'is-palindrome', completion: 'process.exitCode = 0; process.exit();' },
      ].map((line) => JSON.stringify(line)).join('\n') + '\n',
    );
    const result = await runCli(['run', 'tasks/examples', '--tasks', 'fibonacci-fast,count-vowels,is-palindrome', '--model', `scripted:${script}`, '--json', '--out', join(folder, 'run')]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 3, samples: { passed: 0, failed: 3 } });
    const reasons = (await readFile(join(folder, 'run', 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line).verdicts[0].reason);
    for (const reason of reasons) expect(reason).toMatch(/ended before its test code finished/);
  });

  it('--resume finishes a run whose journal was cut short, without redoing finished samples', async () => {
    const out = join(await tempDir(), 'run');
    const first = await runCli(['run', 'tasks/examples', '--model', 'reference', '--limit', '3', '--out', out, '--json']);
    expect(first.code).toBe(0);
    const journal = join(out, 'samples.jsonl');
    const lines = (await readFile(journal, 'utf8')).trim().split('\n');
    // Simulate a crash: the last sample's line was only half written.
    await writeFile(journal, lines.slice(0, 2).join('\n') + '\n' + lines[2]!.slice(0, 30));
    const resumed = await runCli(['run', 'tasks/examples', '--model', 'reference', '--limit', '3', '--out', out, '--resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ complete: true, samples: { scored: 3, passed: 3 } });
    const after = (await readFile(journal, 'utf8')).trim().split('\n');
    expect(after).toHaveLength(3);
    expect(after.slice(0, 2)).toEqual(lines.slice(0, 2));
  });

  it('Ctrl-C keeps only finished samples; --resume completes the run with the right score', async () => {
    const folder = await tempDir();
    const slow = Array.from({ length: 8 }, (_, index) => ({
      id: `slow-${index}`,
      prompt: 'print ok after a while',
      language: 'javascript',
      tests: [{ kind: 'io', stdout: 'ok' }],
      reference: 'const end = Date.now() + 400; while (Date.now() < end) {}\nconsole.log("ok");',
    }));
    await writeFile(join(folder, 'slow.json'), JSON.stringify(slow));
    const out = join(folder, 'run');
    const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'run', join(folder, 'slow.json'), '--model', 'reference', '--out', out], {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const journal = join(out, 'samples.jsonl');
    // Interrupt once the first sample is in the journal, with others in flight.
    for (let waited = 0; waited < 60_000; waited += 50) {
      const text = await readFile(journal, 'utf8').catch(() => '');
      if (text.includes('\n')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const kept = (await readFile(journal, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(kept.length).toBeGreaterThan(0);
    for (const sample of kept) expect(sample.outcome).toBe('passed');
    if (kept.length < 8) await expect(readFile(join(out, 'summary.json'), 'utf8')).rejects.toThrow();
    const resumed = await runCli(['run', join(folder, 'slow.json'), '--model', 'reference', '--out', out, '--resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ complete: true, samples: { scored: 8, passed: 8, failed: 0 } });
  });

  it('validate says the example suite is sound', async () => {
    const result = await runCli(['validate', 'tasks/examples']);
    expect(result.stdout).toContain('all sound');
    expect(result.code).toBe(0);
  });

  it('validate names a task whose reference fails and one whose tests are vacuous, and exits 1', async () => {
    const folder = await tempDir();
    await writeFile(
      join(folder, 'bad.yaml'),
      [
        'defaults: { language: javascript }',
        'tasks:',
        '  - id: wrong-reference',
        '    prompt: print 2',
        '    tests: [{ kind: io, stdout: "2" }]',
        '    reference: console.log(3)',
        '  - id: vacuous',
        '    prompt: anything',
        '    tests: [{ kind: io, stdout: "" }]',
        '    reference: ""',
      ].join('\n'),
    );
    const result = await runCli(['validate', folder]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL wrong-reference: reference-fails: .*expected "2" got "3"/);
    expect(result.stdout).toMatch(/FAIL vacuous: vacuous-tests/);
    expect(result.stdout).toContain('2 of 2 tasks fail validation');
  });

  it('a bad task file fails fast with file, field path and task id, and no stack trace', async () => {
    const folder = await tempDir();
    await writeFile(join(folder, 'x.yaml'), 'tasks:\n  - id: one\n    prompt: p\n    language: javascript\n    tests:\n      - kind: io\n        stdout: [1]\n');
    const result = await runCli(['run', folder, '--model', 'reference']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/x\.yaml: tasks\[0\]\.tests\[0\]\.stdout: .*expected string.*\(task 'one'\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('with --sandbox isolate (workers started before the suite loads), a bad task file still fails fast and cleanly', async () => {
    const folder = await tempDir();
    await writeFile(join(folder, 'x.yaml'), 'tasks:\n  - id: one\n    prompt: p\n    language: javascript\n    tests:\n      - kind: io\n        stdout: [1]\n');
    const result = await runCli(['run', folder, '--model', 'reference', '--sandbox', 'isolate', '--log-level', 'debug']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/x\.yaml: tasks\[0\]\.tests\[0\]\.stdout: .*expected string.*\(task 'one'\)/);
    // The workers started before the suite was read were stopped without a word of failure.
    expect(result.stderr).not.toMatch(/failed to start|died during a run|internal error|"level":(40|50)/);
  });

  it('unknown model and sandbox names are clear errors', async () => {
    const model = await runCli(['run', 'tasks/examples', '--model', 'nosuch:thing']);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/nosuch/);
    const sandbox = await runCli(['run', 'tasks/examples', '--model', 'reference', '--sandbox', 'vm2']);
    expect(sandbox.code).toBe(2);
    expect(sandbox.stderr).toMatch(/--sandbox.*'vm2' is invalid. Allowed choices are isolate, docker/);
    const option = await runCli(['exec', 'x.js', '--timeout-ms', 'abc']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/--timeout-ms must be a whole number/);
    const format = await runCli(['run', 'tasks/examples', '--model', 'reference', '--format', 'bogus']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format.*'bogus' is invalid. Allowed choices are humaneval, humaneval-x, mbxp, tasks-jsonl/);
  });

  it('exec runs one program and prints its result, as JSON with --json', async () => {
    const folder = await tempDir();
    const file = join(folder, 'hello.ts');
    await writeFile(file, "const name: string = require('fs').readFileSync(0, 'utf8').trim();\nconsole.log(`hi ${name}`);\n");
    await writeFile(join(folder, 'in.txt'), 'Ada\n');
    const plain = await runCli(['exec', file, '--stdin', join(folder, 'in.txt')]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe('hi Ada\n');
    expect(plain.stderr).toMatch(/isolate: ok/);
    const json = await runCli(['exec', file, '--json', '--timeout-ms', '500', '--memory-mb', '32']);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'ok', backend: 'isolate', stdout: 'hi \n' });
    await writeFile(join(folder, 'spin.js'), 'while (true) {}');
    const spin = await runCli(['exec', join(folder, 'spin.js'), '--json', '--timeout-ms', '300']);
    expect(spin.code).toBe(1);
    expect(JSON.parse(spin.stdout).status).toBe('timeout');
  });

  it('schema writes a JSON Schema that describes task fields', async () => {
    const result = await runCli(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$defs.task.properties).toHaveProperty('tests');
    expect(schema.$defs.task.required).toEqual(expect.arrayContaining(['id', 'prompt']));
    // Each kind's own needs: a code task (the default kind) needs a language and tests, an agent task a language and scorers.
    expect(schema.$defs.task.allOf).toEqual(
      expect.arrayContaining([
        { if: { properties: { kind: { const: 'code' } } }, then: { required: ['language', 'tests'] } },
        { if: { properties: { kind: { const: 'agent' } }, required: ['kind'] }, then: { required: ['language', 'scorers'] } },
      ]),
    );
  });
});

describe.runIf(hasData)('sandbench CLI on public datasets (isolate)', () => {
  it('HumanEval-X JS: the reference passes every sound task; 112, 155 and 162 are the broken ones', async () => {
    const out = join(await tempDir(), 'run');
    const result = await runCli(['run', datasets.humanevalXJs, '--model', 'reference', '--sandbox', 'isolate', '--json', '--out', out]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 164, complete: true, samples: { passed: 161, failed: 3, sandboxErrors: 0 } });
    const failing = (await readFile(join(out, 'samples.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((sample) => sample.outcome !== 'passed')
      .map((sample) => sample.taskId)
      .sort();
    expect(failing).toEqual(['JavaScript/112', 'JavaScript/155', 'JavaScript/162']);
  });

  it('HumanEval-X JS: answers that try to forge the end of the tests fail through the CLI', async () => {
    const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'programs', 'js', name), 'utf8');
    // Each answer closes the prompt's function with a wrong body, then attacks the harness.
    const wrong = '  return undefined;\n};\n';
    const attacks = [fixture('read-wrapper-callee.js'), fixture('exit-handlers.js'), fixture('early-exit.js'), 'Object.is = () => true;\n', 'console.assert = () => {};\n'];
    const folder = await tempDir();
    const script = join(folder, 'answers.jsonl');
    await writeFile(script, attacks.map((attack, index) => JSON.stringify({ task_id: `JavaScript/${index}`, completion: wrong + attack })).join('\n') + '\n');
    const result = await runCli(['run', datasets.humanevalXJs, '--limit', String(attacks.length), '--model', `scripted:${script}`, '--sandbox', 'isolate', '--json', '--out', join(folder, 'run')]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ complete: true, samples: { scored: attacks.length, passed: 0, failed: attacks.length } });
  });

  it('HumanEval-X JS: validate names the broken tasks and why', async () => {
    const result = await runCli(['validate', datasets.humanevalXJs, '--repeats', '1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL JavaScript\/112: reference-fails: .*Assertion failed/);
    expect(result.stdout).toMatch(/FAIL JavaScript\/155: reference-fails/);
    expect(result.stdout).toMatch(/FAIL JavaScript\/162: reference-fails: .*js-md5/);
    expect(result.stdout).toContain('3 of 164 tasks fail validation');
  });

  it('--model empty passes 0 tasks on HumanEval-X JS and on MBXP TypeScript', async () => {
    const js = await runCli(['run', datasets.humanevalXJs, '--model', 'empty', '--json', '--out', join(await tempDir(), 'js')]);
    expect(JSON.parse(js.stdout)).toMatchObject({ tasks: 164, complete: true, samples: { passed: 0, scored: 164 } });
    const ts = await runCli(['run', datasets.mbxpTypescript, '--model', 'empty', '--json', '--out', join(await tempDir(), 'ts')]);
    expect(JSON.parse(ts.stdout)).toMatchObject({ tasks: 161, complete: true, samples: { passed: 0, scored: 161 } });
  });
});
