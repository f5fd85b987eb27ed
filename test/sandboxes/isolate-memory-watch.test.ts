/**
 * The hard cap on an isolate worker's resident memory, for guests that run past the isolate's
 * memoryLimit in native code that ignores termination (huge-array-fill.js: ~800 MB in one fill).
 * On Linux the host reads the busy worker's resident memory from /proc; a host that cannot makes
 * each worker watch itself with a thread. Both must stop the guest and say why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/schemas/execution-result.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { ResidentMemoryWatch } from '../../src/sandboxes/isolate/resident-memory-watch.ts';
import { HOSTILE, jsFixture } from '../helpers/isolate-hostile-cases.ts';

const MiB = 1024 * 1024;
/** A 64 MiB isolate: the cap is the worker's baseline plus 2 x 64 + 64 MiB. */
const LIMITS = { ...HOSTILE, memoryBytes: 64 * MiB, timeoutMs: 20_000 };
const CAPPED = /resident memory (\d+) MiB passed the hard cap of (\d+) MiB \(isolate memory limit 64 MiB\)/;

let sandbox: IsolateSandbox | undefined;

afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
  delete process.env.SANDBENCH_ISOLATE_MEMORY_WATCH;
});

async function runHugeFill(made: IsolateSandbox): Promise<{ result: ExecutionResult; pidsBefore: number[] }> {
  // A first run, so the worker is up and its pid known.
  await made.run({ language: 'javascript', source: 'console.log(1)' });
  const pidsBefore = made.workerPids;
  const result = await made.run({ language: 'javascript', source: jsFixture('huge-array-fill.js'), limits: LIMITS });
  return { result, pidsBefore };
}

async function expectHealthy(made: IsolateSandbox): Promise<void> {
  const next = await made.run({ language: 'javascript', source: 'console.log([1, 2, 3].reduce((a, b) => a + b))' });
  expect(next).toMatchObject({ status: 'ok', stdout: '6\n' });
}

describe('isolate worker resident-memory cap', () => {
  it.runIf(ResidentMemoryWatch.available)('the host stops a guest that runs away in native code, reports memory-limit with the figures, and replaces the worker', async () => {
    sandbox = new IsolateSandbox({ workers: 1 });
    const { result, pidsBefore } = await runHugeFill(sandbox);
    expect(result.status).toBe('memory-limit');
    expect(result.stdout).toBe('');
    const [, resident, cap] = CAPPED.exec(result.message ?? '') ?? [];
    expect(result.message).toMatch(CAPPED);
    expect(Number(resident)).toBeGreaterThan(Number(cap));
    // The cap is the worker's resident memory before the run plus 192 MiB: far below the fill's 800 MB.
    expect(Number(cap)).toBeGreaterThan(192);
    expect(Number(cap)).toBeLessThan(700);
    expect(sandbox.workerPids).not.toContain(pidsBefore[0]);
    await expectHealthy(sandbox);
  });

  it('a worker started to watch its own memory (no /proc on the host) stops the same guest', async () => {
    process.env.SANDBENCH_ISOLATE_MEMORY_WATCH = 'worker';
    sandbox = new IsolateSandbox({ workers: 1 });
    const { result } = await runHugeFill(sandbox);
    expect(result.status).toBe('memory-limit');
    expect(result.message).toMatch(CAPPED);
    await expectHealthy(sandbox);
  });

  it('a worker whose runs stay inside their limits is never stopped by the cap', async () => {
    sandbox = new IsolateSandbox({ workers: 1 });
    // Each run allocates close to its 64 MiB heap and lets it go: the cap follows the baseline, not the sum.
    const source = 'const parts = []; for (let i = 0; i < 40; i++) parts.push(new Array(100_000).fill(i)); console.log(parts.length);';
    for (let index = 0; index < 20; index++) {
      const result = await sandbox.run({ language: 'javascript', source, limits: { ...LIMITS, timeoutMs: 10_000 } });
      expect(result).toMatchObject({ status: 'ok', stdout: '40\n' });
    }
  });
});
