import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/schemas/execution-result.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';

const cpuWork = readFileSync(fileURLToPath(new URL('../fixtures/programs/js/cpu-work.js', import.meta.url)), 'utf8');
/** Each task's limits; the work is sized to use about half of them. */
const LIMIT_MS = 600;
const TARGET_CPU_MS = 300;
const TASKS = 16;

let sandbox: IsolateSandbox;
const hogs: ChildProcess[] = [];

beforeAll(() => {
  // More workers than cores: at concurrency 16 the isolates compete with each other too.
  sandbox = new IsolateSandbox({ workers: 4 });
});

afterAll(async () => {
  stopHogs();
  await sandbox.dispose();
});

/** Busy loops in other processes that compete with the isolates for the machine's cores. */
function startHogs(count: number): void {
  for (let index = 0; index < count; index++) {
    hogs.push(spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } }));
  }
}

function stopHogs(): void {
  for (const hog of hogs.splice(0)) hog.kill('SIGKILL');
}

async function runAll(source: string, concurrency: number, count: number): Promise<ExecutionResult[]> {
  const results: ExecutionResult[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await sandbox.run({ language: 'javascript', source, limits: { timeoutMs: LIMIT_MS } });
      }
    }),
  );
  return results;
}

describe('IsolateSandbox: verdicts do not depend on the machine\'s load', () => {
  it('CPU-bound tasks using about half their limit pass at concurrency 1 and at 16 beside busy processes; infinite loops still time out', async () => {
    // Size the work by CPU time (not wall time, which load stretches): about TARGET_CPU_MS.
    const probeRounds = 2_000;
    const probe = await sandbox.run({ language: 'javascript', source: cpuWork.replace('__ROUNDS__', String(probeRounds)), limits: { timeoutMs: 10_000 } });
    expect(probe.status).toBe('ok');
    const rounds = Math.round((probeRounds * TARGET_CPU_MS) / Math.max(1, probe.cpuTimeMs ?? 1));
    const source = cpuWork.replace('__ROUNDS__', String(rounds));

    const alone = await runAll(source, 1, 4);
    expect(alone.map((result) => result.status)).toEqual(Array(4).fill('ok'));
    const answer = alone[0]?.stdout;

    startHogs(4);
    try {
      const loaded = await runAll(source, 16, TASKS);
      expect(loaded.map((result) => `${result.status} ${result.message ?? ''}`.trim())).toEqual(Array(TASKS).fill('ok'));
      expect(loaded.every((result) => result.stdout === answer)).toBe(true);
      // The CPU each run reports is what it used, not what the clock showed.
      for (const result of loaded) expect(result.cpuTimeMs).toBeLessThan(LIMIT_MS);

      const loops = await runAll('for (;;) {}', 4, 4);
      for (const result of loops) expect(result).toMatchObject({ status: 'timeout', message: `wall-clock limit of ${LIMIT_MS} ms reached` });
    } finally {
      stopHogs();
    }
  }, 240_000);
});
