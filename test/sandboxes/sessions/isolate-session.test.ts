import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../../src/sandboxes/isolate-sandbox.ts';
import type { SandboxSession } from '../../../src/sandboxes/sandbox.ts';
import { executionResultSchema, type ExecutionResult } from '../../../src/schemas/execution-result.ts';
import { HOSTILE_CASES, jsFixture } from '../../helpers/isolate-hostile-cases.ts';

// Isolate sessions: one persistent JavaScript context per session, in a worker process of its
// own, with the one-shot runs' prelude and limits. Hostile guests run through real sessions.

const MiB = 1024 * 1024;

/** `process.kill(pid, 0)` as a boolean: whether the process still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('isolate sessions', () => {
  let sandbox: IsolateSandbox;
  let session: SandboxSession;

  beforeAll(async () => {
    sandbox = new IsolateSandbox({ workers: 1 });
    session = await sandbox.openSession({ language: 'javascript', limits: { memoryBytes: 64 * MiB } });
  });

  afterAll(async () => {
    await session?.dispose();
    await sandbox?.dispose();
  });

  async function evaluate(code: string, timeoutMs = 2_000): Promise<ExecutionResult> {
    const result = await session.evaluate!({ code, limits: { timeoutMs, maxOutputBytes: 64 * 1024 } });
    executionResultSchema.parse(result);
    expect(result.backend).toBe('isolate');
    return result;
  }

  it('has evaluate only: no commands, no files', () => {
    expect(session.backend).toBe('isolate');
    expect(typeof session.evaluate).toBe('function');
    expect(session.runCommand).toBeUndefined();
    expect(session.readFiles).toBeUndefined();
    expect(session.writeFiles).toBeUndefined();
  });

  it('keeps globals between calls (var, let, const, functions, globalThis); console output is stdout', async () => {
    const first = await evaluate('var counter = 1; let named = "kept"; const list = [1, 2]; function twice(x) { return 2 * x; } globalThis.extra = 3;');
    expect(first).toMatchObject({ status: 'ok', stdout: '', exitCode: 0 });
    const second = await evaluate('counter += 1; list.push(twice(counter)); console.log(counter, named, list, extra); console.error("to stderr");');
    expect(second).toMatchObject({ status: 'ok', stdout: '2 kept [ 1, 2, 4 ] 3\n', stderr: 'to stderr\n' });
    expect(second.message).toBeUndefined();
  });

  it('a thrown error is a runtime-error with its message; the context survives it', async () => {
    const thrown = await evaluate('counter = 10; throw new TypeError("boom in session")');
    expect(thrown.status).toBe('runtime-error');
    expect(thrown.message).toMatch(/TypeError: boom in session/);
    const after = await evaluate('console.log(counter, named)');
    expect(after).toMatchObject({ status: 'ok', stdout: '10 kept\n' });
  });

  it('timers scheduled in a call run within that call', async () => {
    const result = await evaluate('setTimeout(() => console.log("later", counter), 20); Promise.resolve().then(() => console.log("micro"));');
    expect(result).toMatchObject({ status: 'ok', stdout: 'micro\nlater 10\n' });
  });

  it('no host require or process: the one-shot runs\' prelude and answers', async () => {
    for (const file of ['reach-require.js', 'reach-process.js']) {
      const hostile = HOSTILE_CASES.find((entry) => entry.file === file)!;
      hostile.check(await evaluate(jsFixture(file)));
    }
    const probe = await evaluate('console.log(typeof globalThis.process.binding, typeof globalThis.require("fs").readFileSync, typeof WebAssembly)');
    expect(probe.stdout).toBe('undefined function undefined\n');
  });

  it('infinite loop: timeout; the next call works in a fresh context and its message says so', async () => {
    await evaluate('globalThis.beforeLoop = "set"');
    const looping = await evaluate('while (true) {}', 500);
    expect(looping).toMatchObject({ status: 'timeout', exitCode: null });
    expect(looping.message).toMatch(/limit of 500 ms reached/);
    const next = await evaluate('console.log(typeof beforeLoop, typeof counter, 1 + 1)');
    expect(next).toMatchObject({ status: 'ok', stdout: 'undefined undefined 2\n' });
    expect(next.message).toMatch(/context was reset/);
    // Only the first call after the reset says so.
    const later = await evaluate('console.log("again")');
    expect(later.message).toBeUndefined();
  });

  it('memory bomb: memory-limit; the next call works in a fresh context', async () => {
    await evaluate('globalThis.beforeBomb = 1');
    const bomb = await evaluate(jsFixture('memory-bomb.js'), 20_000);
    expect(bomb.status).toBe('memory-limit');
    const next = await evaluate('console.log(typeof beforeBomb)');
    expect(next).toMatchObject({ status: 'ok', stdout: 'undefined\n' });
    expect(next.message).toMatch(/context was reset/);
  });

  it('a native allocation that kills the worker: memory-limit; the next call gets a fresh worker and context', async () => {
    await evaluate('globalThis.beforeFill = 1');
    const fill = await evaluate(jsFixture('huge-array-fill.js'), 20_000);
    expect(fill.status).toBe('memory-limit');
    const next = await evaluate('console.log(typeof beforeFill)');
    expect(next).toMatchObject({ status: 'ok', stdout: 'undefined\n' });
    expect(next.message).toMatch(/context was reset/);
  });

  it('output flood: output-limit, cut at the cap', async () => {
    const flood = await evaluate('for (;;) console.log("x".repeat(1000))');
    expect(flood.status).toBe('output-limit');
    expect(flood.stdoutTruncated).toBe(true);
    expect(Buffer.byteLength(flood.stdout)).toBeLessThanOrEqual(64 * 1024);
    expect((await evaluate('console.log("fine")')).stdout).toBe('fine\n');
  });
});

describe('isolate sessions: independence and disposal', () => {
  let sandbox: IsolateSandbox;

  beforeAll(() => {
    sandbox = new IsolateSandbox({ workers: 1 });
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  it("two sessions never see each other's globals", async () => {
    const [first, second] = await Promise.all([sandbox.openSession({ language: 'javascript' }), sandbox.openSession({ language: 'javascript' })]);
    try {
      await first.evaluate!({ code: 'globalThis.secret = "first"; var mine = 1;' });
      const seen = await second.evaluate!({ code: 'console.log(typeof secret, typeof mine)' });
      expect(seen.stdout).toBe('undefined undefined\n');
    } finally {
      await Promise.all([first.dispose(), second.dispose()]);
    }
  });

  it('dispose ends the session worker; dispose is idempotent; a disposed session refuses calls', async () => {
    const session = await sandbox.openSession({ language: 'javascript' });
    await session.evaluate!({ code: '1 + 1' });
    const pid = (session as unknown as { workerPid: number | undefined }).workerPid;
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid!)).toBe(true);
    await session.dispose();
    await session.dispose();
    expect(alive(pid!)).toBe(false);
    await expect(session.evaluate!({ code: '1' })).rejects.toThrow(/disposed/);
  });

  it('refuses languages other than JavaScript', async () => {
    await expect(sandbox.openSession({ language: 'python' })).rejects.toThrow(/JavaScript/);
  });
});
