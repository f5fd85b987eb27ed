import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { cancelledResult, lostResult } from '../../src/sandboxes/execution-results.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { executionResultSchema } from '../../src/schemas/execution-result.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/programs/js/${name}`, import.meta.url)), 'utf8');

/** A debug-level logger whose JSON lines the test reads back. */
function recordingLogger(): { logger: Logger; entries: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const WORKER_DIED = 'isolate worker died during a run';
const WARN = 40;
const DEBUG = 20;

let sandbox: IsolateSandbox | undefined;

afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

/** A sandbox whose one worker is up (a first run went through), so the next run is dispatched at once. */
async function readySandbox(logger: Logger): Promise<IsolateSandbox> {
  const created = new IsolateSandbox({ workers: 1, logger });
  expect(await created.run({ language: 'javascript', source: 'console.log(1)' })).toMatchObject({ status: 'ok', stdout: '1\n' });
  return created;
}

describe('IsolateSandbox: how a worker lost with its run is logged', () => {
  it('a worker killed because the caller cancelled is logged at debug, not as a warning', async () => {
    const { logger, entries } = recordingLogger();
    sandbox = await readySandbox(logger);
    const controller = new AbortController();
    // A synchronous loop: the worker cannot read the cancel, so the host kills it.
    const pending = sandbox.run({ language: 'javascript', source: 'for (;;) {}', limits: { timeoutMs: 30_000 }, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const result = await pending;
    executionResultSchema.parse(result);
    expect(result).toMatchObject({ status: 'timeout', message: 'cancelled', backend: 'isolate' });
    const deaths = entries().filter((entry) => entry.msg === WORKER_DIED);
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toMatchObject({ level: DEBUG, cancelled: true, status: 'timeout' });
    expect(entries().filter((entry) => (entry.level as number) >= WARN)).toEqual([]);
    // The sandbox goes on with a fresh worker.
    expect(await sandbox.run({ language: 'javascript', source: 'console.log(2)' })).toMatchObject({ status: 'ok', stdout: '2\n' });
  });

  it('a worker that dies on its own during a run is still a warning', async () => {
    const { logger, entries } = recordingLogger();
    sandbox = await readySandbox(logger);
    const [pid] = sandbox.workerPids;
    const pending = sandbox.run({ language: 'javascript', source: 'for (;;) {}', limits: { timeoutMs: 30_000 } });
    // Killed from outside, as an OOM killer or an operator would: nobody asked for it.
    setTimeout(() => process.kill(pid as number, 'SIGKILL'), 100);
    const result = await pending;
    executionResultSchema.parse(result);
    expect(result).toMatchObject({ status: 'runtime-error', message: expect.stringContaining('the isolate worker died (SIGKILL)') });
    const deaths = entries().filter((entry) => entry.msg === WORKER_DIED);
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toMatchObject({ level: WARN, status: 'runtime-error', signal: 'SIGKILL' });
  });
});

describe('IsolateSandbox: runs that end before the program does have the shared shapes', () => {
  const LOOP_TS = 'const spin = (): never => { for (;;) {} };\nspin();\n';
  const FILES = { collectFiles: ['out.txt'] };
  const NOT_COLLECTED = [{ path: 'out.txt', error: 'the isolate sandbox has no filesystem' }];

  it('a transpile cut by the caller is a cancel, not a compile error', async () => {
    sandbox = new IsolateSandbox({ workers: 1 });
    const controller = new AbortController();
    // An exponential parse: the transpiler is still at it when the cancel comes.
    const pending = sandbox.run({
      language: 'typescript',
      source: fixture('nested-async.ts.txt'),
      testCode: 'console.log(1);\n',
      compileLimits: { timeoutMs: 30_000 },
      signal: controller.signal,
      ...FILES,
    });
    setTimeout(() => controller.abort(), 200);
    const result = executionResultSchema.parse(await pending);
    expect(result.compile).toMatchObject({ status: 'timeout' });
    expect(result).toEqual(cancelledResult('isolate', { compile: result.compile!, hasTestCode: true, files: NOT_COLLECTED }));
  });

  /** A sandbox whose worker is up and whose transpiler is loaded: a small program reaches its worker within milliseconds. */
  async function readyForTypescript(): Promise<IsolateSandbox> {
    const created = await readySandbox(recordingLogger().logger);
    expect(await created.run({ language: 'typescript', source: 'const n: number = 1;\nconsole.log(n);\n' })).toMatchObject({ status: 'ok', stdout: '1\n' });
    return created;
  }

  // Both cut the run a second after it was asked for: by then it is in its worker (the
  // transpile step of this small program takes milliseconds; if it were cut instead, the
  // compile status below says so).
  it('a run cancelled in its worker keeps its transpile step and time, and did not complete its test code', async () => {
    sandbox = await readyForTypescript();
    const controller = new AbortController();
    const pending = sandbox.run({ language: 'typescript', source: LOOP_TS, testCode: 'console.log(1);\n', limits: { timeoutMs: 10_000 }, signal: controller.signal, ...FILES });
    setTimeout(() => controller.abort(), 1_000);
    const result = executionResultSchema.parse(await pending);
    expect(result.compile).toMatchObject({ status: 'ok' });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result).toEqual(cancelledResult('isolate', { compile: result.compile!, durationMs: result.durationMs, hasTestCode: true, files: NOT_COLLECTED }));
  });

  it('a run lost with its worker keeps its transpile step and time, and did not complete its test code', async () => {
    sandbox = await readyForTypescript();
    const [pid] = sandbox.workerPids;
    const pending = sandbox.run({ language: 'typescript', source: LOOP_TS, testCode: 'console.log(1);\n', limits: { timeoutMs: 10_000 }, ...FILES });
    setTimeout(() => process.kill(pid as number, 'SIGKILL'), 1_000);
    const result = executionResultSchema.parse(await pending);
    expect(result).toEqual(
      lostResult('isolate', 'runtime-error', result.message ?? '', { compile: result.compile!, durationMs: result.durationMs, hasTestCode: true, files: NOT_COLLECTED }),
    );
    expect(result).toMatchObject({ compile: { status: 'ok' }, message: expect.stringContaining('the isolate worker died (SIGKILL)') });
  });
});
