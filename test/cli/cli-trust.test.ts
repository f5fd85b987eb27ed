import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { findTaskFiles } from '../../src/datasets/task-files.ts';
import { runManifestSchema } from '../../src/harness/run-manifest.ts';
import { runSummarySchema } from '../../src/schemas/sample-result.ts';
import { parse as parseYaml } from 'yaml';
import { datasets, hasData, repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sandbench-trust-'));
}

/** A copy of the example suite the test may edit. */
async function exampleCopy(): Promise<string> {
  const folder = join(await tempDir(), 'suite');
  await cp(join(repoRoot, 'tasks', 'examples'), folder, { recursive: true });
  return folder;
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at |internal error/);

describe('run folders a user can trust', () => {
  it('refuses an --out folder that already holds a run, and leaves that run untouched', async () => {
    const out = join(await tempDir(), 'run');
    expect((await runCli(['run', 'tasks/examples', '--model', 'reference', '--limit', '2', '--out', out, '--json'])).code).toBe(0);
    const manifest = await readFile(join(out, 'run.json'), 'utf8');
    const journal = await readFile(join(out, 'samples.jsonl'), 'utf8');
    const again = await runCli(['run', 'tasks/examples', '--model', 'empty', '--limit', '2', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run: continue it with --resume, or choose another --out/);
    noStackTrace(again.stderr);
    expect(await readFile(join(out, 'run.json'), 'utf8')).toBe(manifest);
    expect(await readFile(join(out, 'samples.jsonl'), 'utf8')).toBe(journal);
  });

  it('refuses --resume when anything that defines the run differs, and says what', async () => {
    const suite = await exampleCopy();
    const out = join(await tempDir(), 'run');
    const base = ['run', suite, '--model', 'reference', '--tasks', 'greeting,sum-two-numbers', '--out', out, '--json'];
    expect((await runCli(base)).code).toBe(0);
    const refused = async (args: string[], why: RegExp) => {
      const result = await runCli([...args, '--resume']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/cannot resume: the run was made with other settings/);
      expect(result.stderr).toMatch(why);
      noStackTrace(result.stderr);
    };
    await refused(['run', suite, '--model', 'empty', '--tasks', 'greeting,sum-two-numbers', '--out', out], /model: the run used 'reference', now 'empty'/);
    await refused([...base, '--samples', '2'], /samples: the run used 1, now 2/);
    await refused(['run', suite, '--model', 'reference', '--tasks', 'greeting', '--out', out], /task selection: the run used --tasks greeting,sum-two-numbers, now --tasks greeting/);
    await refused([...base, '--sandbox', 'isolate'], /sandbox: the run used auto, now isolate/);
    await refused([...base, '--temperature', '0.5'], /temperature: the run used 0, now 0.5/);
    // The default for one sample is 0: saying so is the same run.
    expect((await runCli([...base, '--temperature', '0', '--resume'])).code).toBe(0);
    const file = join(suite, 'greeting.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace(/prompt: /, 'prompt: Changed. '));
    await refused(base, /suite: its tasks changed since the run started/);
    await writeFile(file, original.replace(/^id: greeting$/m, 'id: greeting\nlimits: { run: { timeoutMs: 1234 } }'));
    await refused(base, /limits: the tasks' limits \(or the defaults\) changed/);
    await writeFile(file, original);
    expect((await runCli([...base, '--resume'])).code).toBe(0);
  });

  it('a resumed summary starts when the run started and counts the time of every part', async () => {
    const out = join(await tempDir(), 'run');
    const args = ['run', 'tasks/examples', '--model', 'reference', '--out', out, '--json'];
    expect((await runCli(args)).code).toBe(0);
    const first = runManifestSchema.parse(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')));
    const firstPart = first.parts[0]!.durationMs!;
    // Lose the last samples as a crash would, then resume.
    const lines = (await readFile(join(out, 'samples.jsonl'), 'utf8')).trim().split('\n');
    await writeFile(join(out, 'samples.jsonl'), lines.slice(0, 5).join('\n') + '\n');
    await rm(join(out, 'summary.json'));
    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code).toBe(0);
    const summary = runSummarySchema.parse(JSON.parse(resumed.stdout));
    const manifest = runManifestSchema.parse(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')));
    expect(summary.startedAt).toBe(first.startedAt);
    expect(manifest.parts).toHaveLength(2);
    expect(summary.durationMs).toBe(Math.round(manifest.parts[0]!.durationMs! + manifest.parts[1]!.durationMs!));
    expect(summary.durationMs).toBeGreaterThan(firstPart);
    expect(summary.samples).toMatchObject({ scored: 10, passed: 10 });
  });

  it('Ctrl-C says where the run stopped and how to resume; with --json as data; the printed command completes the run', async () => {
    const folder = await tempDir();
    const slow = Array.from({ length: 6 }, (_, index) => ({
      id: `slow-${index}`,
      prompt: 'print ok after a while',
      language: 'javascript',
      tests: [{ kind: 'io', stdout: 'ok' }],
      reference: 'const end = Date.now() + 400; while (Date.now() < end) {}\nconsole.log("ok");',
    }));
    // A suite path with a space and a quote, so the printed command must quote it right.
    const suiteFile = join(folder, "it's slow.json");
    await writeFile(suiteFile, JSON.stringify(slow));
    const out = join(folder, 'run');
    // How the user runs sandbench, for the command it prints: here, a launcher of the source CLI.
    const launcher = join(folder, 'sandbench-launcher');
    await writeFile(launcher, `#!/bin/sh\nexec '${process.execPath}' --no-node-snapshot '${join(repoRoot, 'src', 'cli', 'main.ts')}' "$@"\n`, { mode: 0o755 });
    const args = ['run', suiteFile, '--model', 'reference', '--tasks', 'slow-0,slow-1,slow-2,slow-3,slow-4,slow-5', '--temperature', '0.3', '--out', out, '--json'];
    const child = spawn(launcher, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SANDBENCH_INVOKED_AS: launcher } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let waited = 0; waited < 60_000; waited += 50) {
      if ((await readFile(join(out, 'samples.jsonl'), 'utf8').catch(() => '')).includes('\n')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ interrupted: true, total: 6, folder: out });
    expect(report.done).toBeGreaterThan(0);
    expect(report.done).toBeLessThan(6);
    expect(report).not.toHaveProperty('samples');
    expect(stderr).toContain(`interrupted at ${report.done}/6; resume with: ${report.resume}`);
    await expect(stat(join(out, 'run.lock'))).rejects.toThrow();
    // Run the printed command through a shell, exactly as printed.
    const resumed = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const shell = spawn('/bin/sh', ['-c', `${report.resume} --json`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      shell.stdout.on('data', (chunk) => (text += chunk));
      shell.on('exit', (code) => resolve({ code, stdout: text }));
    });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ complete: true, samples: { scored: 6, passed: 6 } });
  });

  it('refuses a second process on a run folder in use', async () => {
    const folder = await tempDir();
    const slow = [{ id: 'slow', prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: 'ok' }], reference: 'const end = Date.now() + 3000; while (Date.now() < end) {}\nconsole.log("ok");' }];
    await writeFile(join(folder, 'slow.json'), JSON.stringify(slow));
    const out = join(folder, 'run');
    const first = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'run', join(folder, 'slow.json'), '--model', 'reference', '--out', out], { cwd: repoRoot, stdio: 'ignore' });
    const firstExit = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    for (let waited = 0; waited < 60_000 && !(await stat(join(out, 'run.lock')).then(() => true, () => false)); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const second = await runCli(['run', join(folder, 'slow.json'), '--model', 'reference', '--out', out, '--resume']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/is in use by another sandbench process \(pid \d+ on .*remove .*run\.lock/);
    expect(await firstExit).toBe(0);
    const lines = (await readFile(join(out, 'samples.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
  });
});

describe('missing answers are errors, not silent failures', () => {
  it.runIf(hasData)('--model reference on a dataset without references names the tasks (exit 2)', async () => {
    const result = await runCli(['run', datasets.mbxpTypescript, '--model', 'reference', '--limit', '3', '--out', join(await tempDir(), 'run')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/model 'reference' cannot answer every sample: no answer for 3 task\(s\): HumanEval_typescript\/0, HumanEval_typescript\/1, HumanEval_typescript\/2/);
    expect(result.stderr).toMatch(/--missing-answers empty/);
  });

  it('a script naming unknown tasks, or short of --samples answers, is refused with the task ids', async () => {
    const folder = await tempDir();
    const script = join(folder, 'answers.jsonl');
    await writeFile(script, [{ task_id: 'greeting', completion: 'x' }, { task_id: 'no-such-task', completion: 'y' }].map((line) => JSON.stringify(line)).join('\n'));
    const unknown = await runCli(['run', 'tasks/examples', '--tasks', 'greeting', '--model', `scripted:${script}`, '--out', join(folder, 'a')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/names 1 task\(s\) the suite does not hold: no-such-task/);
    await writeFile(script, JSON.stringify({ task_id: 'greeting', completion: 'x' }) + '\n');
    const short = await runCli(['run', 'tasks/examples', '--tasks', 'greeting,sum-two-numbers', '--samples', '2', '--model', `scripted:${script}`, '--out', join(folder, 'b')]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/no answer for 1 task\(s\): sum-two-numbers/);
    expect(short.stderr).toMatch(/fewer answers than --samples 2 for 1 task\(s\): greeting \(1 of 2\)/);
    const allowed = await runCli(['run', 'tasks/examples', '--tasks', 'greeting,sum-two-numbers', '--samples', '2', '--model', `scripted:${script}`, '--missing-answers', 'empty', '--out', join(folder, 'c'), '--json']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ complete: true, samples: { scored: 4, passed: 0 } });
  });
});

describe('user errors: clear messages, no stack traces, no hangs', () => {
  it('an --out that is a file, cannot be created, or lies under /proc', async () => {
    const folder = await tempDir();
    const file = join(folder, 'file');
    await writeFile(file, 'x');
    for (const out of [file, join(file, 'below'), '/proc/sandbench-x/run']) {
      const result = await runCli(['run', 'tasks/examples', '--model', 'reference', '--limit', '1', '--out', out], { timeoutMs: 20_000 });
      expect(result.code, `${out}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/run folder .*cannot create the folder/);
      noStackTrace(result.stderr);
    }
  });

  it('schema --out into a missing folder', async () => {
    const result = await runCli(['schema', '--out', join(await tempDir(), 'missing', 'task.schema.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out .*cannot write: the folder .*missing does not exist/);
    noStackTrace(result.stderr);
  });

  it('a regex comparator whose pattern does not compile is refused at load time, naming file, task and field', async () => {
    const folder = await tempDir();
    await writeFile(join(folder, 'r.yaml'), 'tasks:\n  - id: r\n    language: javascript\n    prompt: p\n    comparator: regex\n    tests: [{ kind: io, stdout: "ok" }, { kind: io, stdout: "(unclosed" }]\n');
    const result = await runCli(['run', folder, '--model', 'empty']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/r\.yaml: tasks\[0\]\.tests\[1\]\.stdout: the regex comparator's pattern does not compile: .*Unterminated group \(task 'r'\)/);
  });

  it('an unknown comparator lists the valid ones; CLI choices list theirs and name the flag', async () => {
    const folder = await tempDir();
    await writeFile(join(folder, 'c.yaml'), 'id: c\nlanguage: javascript\nprompt: p\ntests: [{ kind: io, stdout: "1", comparator: fuzzy }]\n');
    const comparator = await runCli(['run', folder, '--model', 'empty']);
    expect(comparator.stderr).toMatch(/tests\[0\]\.comparator: expected a comparator: one of exact, trim, whitespace, float, regex, contains/);
    const target = await runCli(['exec', 'x.ts', '--ts-target', 'es3']);
    expect(target.code).toBe(2);
    expect(target.stderr).toMatch(/--ts-target.*'es3' is invalid. Allowed choices are es5, es2015, es2020, es2022, esnext/);
    const samples = await runCli(['run', 'tasks/examples', '--model', 'empty', '--samples', '0']);
    expect(samples.code).toBe(2);
    expect(samples.stderr).toMatch(/--samples must be a whole number ≥ 1 \(got '0'\)/);
  });

  it('limits above the maximum are reported, not silently clamped', async () => {
    const folder = await tempDir();
    await writeFile(join(folder, 'big.yaml'), "id: big\nlanguage: javascript\nprompt: p\nlimits: { run: { timeoutMs: 900000 } }\ntests: [{ kind: io, stdout: '1' }]\nreference: console.log(1)\n");
    const result = await runCli(['run', folder, '--model', 'reference', '--out', join(folder, 'run'), '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: task 'big': limits\.run\.timeoutMs 900000 is above the maximum 300000; clamped to it/);
    const exec = await runCli(['exec', join(repoRoot, 'sandboxes', 'javascript', 'smoke.js'), '--timeout-ms', '999999']);
    expect(exec.stderr).toMatch(/warning: --timeout-ms is above the maximum \(300000 ms\); clamped to it/);
  });
});

describe('exec input and interruption', () => {
  it('Ctrl-C stops the program and exits 130, not as a failed program', async () => {
    const folder = await tempDir();
    await writeFile(join(folder, 'spin.js'), 'while (true) {}');
    const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'exec', join(folder, 'spin.js'), '--timeout-ms', '60000'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted; the program was stopped/);
    expect(stderr).not.toMatch(/\[sandbench\].*timeout/);
  });

  it('takes stdin from a pipe, not from a file redirected to sandbench itself', async () => {
    const folder = await tempDir();
    const file = join(folder, 'echo.js');
    await writeFile(file, "process.stdout.write(require('fs').readFileSync(0, 'utf8').toUpperCase());");
    await writeFile(join(folder, 'list.txt'), 'one\ntwo\n');
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const shell = spawn('/bin/sh', ['-c', `'${process.execPath}' --no-node-snapshot '${join(repoRoot, 'src', 'cli', 'main.ts')}' exec '${file}' < '${join(folder, 'list.txt')}'`], { cwd: repoRoot });
      let text = '';
      shell.stdout.on('data', (chunk) => (text += chunk));
      shell.on('exit', (code) => resolve({ code, stdout: text }));
    });
    expect(result).toEqual({ code: 0, stdout: '' });
  });

  it('reads piped stdin, and --stdin - explicitly', async () => {
    const folder = await tempDir();
    const file = join(folder, 'echo.js');
    await writeFile(file, "process.stdout.write(require('fs').readFileSync(0, 'utf8').toUpperCase());");
    const piped = await runCli(['exec', file], { input: 'hello\n' });
    expect(piped.stdout).toBe('HELLO\n');
    const dash = await runCli(['exec', file, '--stdin', '-'], { input: 'again' });
    expect(dash.stdout).toBe('AGAIN');
    const none = await runCli(['exec', file]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
  });
});

describe('progress', () => {
  it('validate shows progress on stderr', async () => {
    const result = await runCli(['validate', 'tasks/examples', '--repeats', '1']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/validate examples: 10\/10 tasks, sound 10 failing 0/);
  });
});

describe('the JSON Schema of task files', () => {
  it('accepts every task file in tasks/, and a { defaults, tasks } file whose tasks take their language from the defaults', async () => {
    const result = await runCli(['schema']);
    expect(result.code).toBe(0);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(result.stdout));
    const files = await findTaskFiles(join(repoRoot, 'tasks'));
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      const document = file.endsWith('.json') ? JSON.parse(await readFile(file, 'utf8')) : parseYaml(await readFile(file, 'utf8'));
      expect(validate(document), `${file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    expect(validate({ defaults: { language: 'python' }, tasks: [{ id: 'a', prompt: 'p', tests: [{ kind: 'io', stdout: '1' }] }] })).toBe(true);
    // It still rejects what the loader rejects field by field.
    expect(validate({ id: 'a', prompt: 'p', language: 'cobol', tests: [{ kind: 'io', stdout: '1' }] })).toBe(false);
    expect(validate({ id: 'a', prompt: 'p', language: 'python', tests: [{ kind: 'io', stdout: '1' }], colour: 'red' })).toBe(false);
    expect(validate({ id: 'a', prompt: 'p', tests: [{ kind: 'io', stdout: '1' }] })).toBe(false);
    // Agent and answer tasks: scorers instead of tests; an agent names its runtime.
    expect(validate({ id: 'a', kind: 'answer', prompt: 'p', scorers: [{ answer: { equals: 'x' } }] })).toBe(true);
    expect(validate({ id: 'a', kind: 'answer', prompt: 'p' })).toBe(false);
    expect(validate({ id: 'a', kind: 'agent', prompt: 'p', tools: ['bash'], scorers: [{ answer: { equals: 'x' } }] })).toBe(false);
  });

  it('a suite folder does not read the schema written beside its tasks', async () => {
    const suite = await exampleCopy();
    expect((await runCli(['schema', '--out', join(suite, 'task.schema.json')])).code).toBe(0);
    expect((await stat(join(suite, 'task.schema.json'))).isFile()).toBe(true);
    const result = await runCli(['run', suite, '--model', 'reference', '--out', join(suite, '..', 'run'), '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).tasks).toBe(10);
  });
});

describe('engine faults stop a run before its first sample', () => {
  it('no engine: exit 3 with the command that starts one, and no run folder', async () => {
    const folder = await tempDir();
    await writeFile(join(folder, 'py.yaml'), 'id: py\nlanguage: python\nprompt: p\ntests: [{ kind: io, stdout: "1" }]\nreference: print(1)\n');
    const out = join(folder, 'run');
    const result = await runCli(['run', join(folder, 'py.yaml'), '--model', 'reference', '--out', out], { env: { DOCKER_HOST: `unix://${join(folder, 'no-engine.sock')}` } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Docker engine not reachable .*Start one with: dockerd/);
    noStackTrace(result.stderr);
    await expect(stat(out)).rejects.toThrow();
  });
});
