import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import type { SandboxRunRequest } from '../../src/sandboxes/sandbox.ts';
import { executionResultSchema, type ExecutionResult } from '../../src/schemas/execution-result.ts';
import { HOSTILE, HOSTILE_CASES, jsFixture } from '../helpers/isolate-hostile-cases.ts';
import { repoRoot } from '../helpers/paths.ts';
import { recordingLogger } from '../helpers/recording-logger.ts';
import { runCli } from '../helpers/run-cli.ts';

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 30_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether each run of a sandbox used an isolate made ahead of it (from the pool's trace of each run). */
function preparedAhead(entries: Array<Record<string, unknown>>): boolean[] {
  return entries.filter((entry) => entry.msg === 'isolate run').map((entry) => (entry.phases as { preparedAhead: boolean }).preparedAhead);
}

describe('IsolateSandbox oneShot: what a single run does not need is not done', () => {
  it('the worker starts when the sandbox is made, with no prelude snapshot, no warm-up run and no isolate made after a run', async () => {
    const { logger, entries } = recordingLogger('trace');
    const sandbox = new IsolateSandbox({ workers: 1, oneShot: true, logger });
    try {
      // Started at once: its start-up overlaps with whatever the caller does before its first run.
      expect(sandbox.workerPids).toHaveLength(1);
      await until(() => entries().some((entry) => entry.msg === 'isolate worker ready'), 'the worker to be ready');
      expect(entries().find((entry) => entry.msg === 'isolate worker ready')).toMatchObject({ snapshot: false, warmUp: false });
      for (const expected of ['1\n', '2\n']) {
        const result = executionResultSchema.parse(await sandbox.run({ language: 'javascript', source: `console.log(${expected.trim()})` }));
        expect(result).toMatchObject({ status: 'ok', stdout: expected });
      }
      // The first run's isolate was made while the worker waited for it; none was made after it.
      expect(preparedAhead(entries())).toEqual([true, false]);
    } finally {
      await sandbox.dispose();
    }
  });

  it('by default the worker starts with the first run and makes its snapshot, warms up and prepares each next isolate ahead', async () => {
    const { logger, entries } = recordingLogger('trace');
    const sandbox = new IsolateSandbox({ workers: 1, logger });
    try {
      expect(sandbox.workerPids).toEqual([]);
      for (const expected of ['1\n', '2\n']) {
        expect(await sandbox.run({ language: 'javascript', source: `console.log(${expected.trim()})` })).toMatchObject({ status: 'ok', stdout: expected });
      }
      expect(entries().find((entry) => entry.msg === 'isolate worker ready')).toMatchObject({ snapshot: true, warmUp: true });
      expect(preparedAhead(entries())).toEqual([true, true]);
    } finally {
      await sandbox.dispose();
    }
  });

  it('warmUp starts every worker before the first run (once: a second call starts none), and they serve the runs', async () => {
    const { logger, entries } = recordingLogger('debug');
    const sandbox = new IsolateSandbox({ workers: 2, logger });
    try {
      expect(sandbox.workerPids).toEqual([]);
      await sandbox.warmUp();
      const started = sandbox.workerPids;
      expect(started).toHaveLength(2);
      await sandbox.warmUp();
      expect(sandbox.workerPids).toEqual(started);
      await until(() => entries().filter((entry) => entry.msg === 'isolate worker ready').length === 2, 'both workers to be ready');
      const results = await Promise.all(['1', '2', '3'].map((value) => sandbox.run({ language: 'javascript', source: `console.log(${value})` })));
      expect(results.map((result) => result.stdout)).toEqual(['1\n', '2\n', '3\n']);
      expect(sandbox.workerPids.sort()).toEqual([...started].sort());
      expect(entries().filter((entry) => entry.msg === 'isolate worker starting')).toHaveLength(2);
    } finally {
      await sandbox.dispose();
    }
    expect(sandbox.workerPids).toEqual([]);
  });
});

describe('IsolateSandbox oneShot: the same guest surface and containment without the snapshot', () => {
  let sandbox: IsolateSandbox;
  beforeAll(() => {
    sandbox = new IsolateSandbox({ workers: 1, oneShot: true });
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  async function run(source: string, extra: Partial<SandboxRunRequest> = {}): Promise<ExecutionResult> {
    const result = executionResultSchema.parse(await sandbox.run({ language: 'javascript', source, ...extra }));
    expect(result.backend).toBe('isolate');
    return result;
  }

  it('programs, stdin, ES modules and TypeScript run as in the default pool', async () => {
    expect(await run('const n = require("fs").readFileSync(0, "utf8").trim().split(" ").map(Number);\nconsole.log(n[0] + n[1]);', { stdin: '2 3\n' })).toMatchObject({
      status: 'ok',
      stdout: '5\n',
    });
    expect(await run('import { strictEqual } from "assert";\nstrictEqual(1, 1);\nconsole.log("esm");')).toMatchObject({ status: 'ok', stdout: 'esm\n' });
    expect(await run('const x: number = 41;\nconsole.log(x + 1);', { language: 'typescript' })).toMatchObject({ status: 'ok', stdout: '42\n', compile: { status: 'ok' } });
    const thrown = await run('function fails() { throw new Error("boom"); }\nfails();');
    expect(thrown).toMatchObject({ status: 'runtime-error', exitCode: 1, message: 'Uncaught Error: boom' });
    expect(thrown.stderr).toContain('at fails (main.js:1:');
  });

  it('leaves nothing of the worker\'s binding in reach, and starts the clock at the run', async () => {
    const probe = `
      const names = Object.getOwnPropertyNames(globalThis).filter((n) => /sandbench/i.test(n));
      console.log(JSON.stringify({ names, wasm: typeof WebAssembly, now: performance.now(), uptime: process.uptime() }));`;
    const result = await run(probe);
    const got = JSON.parse(result.stdout) as { names: string[]; wasm: string; now: number; uptime: number };
    expect(got.names).toEqual([]);
    expect(got.wasm).toBe('undefined');
    expect(got.now).toBeGreaterThanOrEqual(0);
    expect(got.now).toBeLessThan(1_000);
    expect(got.uptime).toBeLessThan(1);
  });

  it('test code: the host sees its end; an answer that exits early or silences console does not pass', async () => {
    const passing = await run('function add(a, b) { return a + b; }', { testCode: "require('assert').strictEqual(add(2, 3), 5);\n" });
    expect(passing).toMatchObject({ status: 'ok', testCompleted: true });
    const exited = await run('function add() { process.exit(0); }', { testCode: "require('assert').strictEqual(add(2, 3), 5);\n" });
    expect(exited).toMatchObject({ status: 'ok', testCompleted: false });
    const silenced = await run('console.assert = () => {}; console.error = () => {};', { testCode: "console.assert(1 === 2, 'the test failed');\n" });
    expect(silenced.stderr).toContain('Assertion failed: the test failed');
  });

  for (const { file, check, limits } of HOSTILE_CASES) {
    it(`${file}: right status, then the sandbox runs the next program`, async () => {
      check(await run(jsFixture(file), { limits: limits ?? HOSTILE }));
      expect(await run(jsFixture('normal.js'))).toMatchObject({ status: 'ok', stdout: 'sum 6\n', stderr: '' });
    });
  }
});

describe('sandbench exec: one program, one one-shot worker', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sandbench-one-shot-'));
  });

  it('runs the program in a worker that made no snapshot and no warm-up run', async () => {
    const program = join(folder, 'hello.js');
    await writeFile(program, "console.log('hello');\n");
    const result = await runCli(['--log-level', 'debug', 'exec', program]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('hello\n');
    const ready = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === 'isolate worker ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ snapshot: false, warmUp: false });
  });

  it('Ctrl-C on a program that never ends: exit 130 and no warning about the worker it stopped', async () => {
    const program = join(folder, 'spin.js');
    await writeFile(program, 'for (;;) {}\n');
    const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), '--log-level', 'debug', 'exec', program], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Once its worker is ready the run is in it, spinning.
    await until(() => stderr.includes('isolate worker ready'), 'the worker to be ready');
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const entries = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.filter((entry) => (entry.level as number) >= 40)).toEqual([]);
    expect(stderr).toContain('interrupted; the program was stopped');
  });
});
