import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { dockerTestEnvironment, readFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** Each program's limits (CPU time and wall clock alike); the work is sized to about half. */
const LIMIT_MS = 600;
const TARGET_CPU_MS = 300;
/** Busy loops beside the jobs: on 2 cores a job then gets well under half a core. */
const HOGS = 6;

const hogs: ChildProcess[] = [];

function startHogs(count: number): void {
  for (let index = 0; index < count; index++) {
    // Each in a session of its own: with autogroup scheduling a session's processes share one
    // CPU share, and containers (cgroups) would hardly notice a single session of busy loops.
    hogs.push(spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore', detached: true, env: { PATH: process.env.PATH ?? '' } }));
  }
}

function stopHogs(): void {
  for (const hog of hogs.splice(0)) hog.kill('SIGKILL');
}

describe.skipIf(!engine.available)('Docker sandbox: time limits judged on CPU time, wall time less waiting for a CPU', () => {
  let sandbox: DockerSandbox;
  let work: string;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['python']);
    // Size the work by CPU time (not wall time, which load stretches).
    const probeRounds = 1_000_000;
    const probe = await sandbox.run({ language: 'python', source: readFixture('cpu-work.py').replace('__ROUNDS__', String(probeRounds)), limits: { timeoutMs: 20_000 } });
    expect(probe.status).toBe('ok');
    const rounds = Math.round((probeRounds * TARGET_CPU_MS) / Math.max(1, probe.cpuTimeMs ?? 1));
    work = readFixture('cpu-work.py').replace('__ROUNDS__', String(rounds));
  }, 60_000);

  afterAll(async () => {
    stopHogs();
    await sandbox?.dispose();
  });

  it('unloaded: the work passes, an infinite loop stops at its limit, a sleeper at its wall-clock limit', async () => {
    const alone = await sandbox.run({ language: 'python', source: work, limits: { timeoutMs: LIMIT_MS } });
    expect(alone.status).toBe('ok');
    const loop = await sandbox.run({ language: 'python', source: 'while True:\n    pass', limits: { timeoutMs: LIMIT_MS } });
    expect(loop).toMatchObject({ status: 'timeout', message: `wall-clock limit of ${LIMIT_MS} ms reached` });
    // Stopped when its CPU time reached the limit, not long after.
    expect(loop.cpuTimeMs).toBeGreaterThanOrEqual(LIMIT_MS * 0.9);
    expect(loop.cpuTimeMs).toBeLessThan(LIMIT_MS * 1.5);
    const cpuLimited = await sandbox.run({ language: 'python', source: 'while True:\n    pass', limits: { timeoutMs: 20_000, cpuTimeMs: LIMIT_MS } });
    expect(cpuLimited).toMatchObject({ status: 'timeout', message: `CPU time limit of ${LIMIT_MS} ms reached` });
    const sleeper = await sandbox.run({ language: 'python', source: 'import time\ntime.sleep(30)', limits: { timeoutMs: LIMIT_MS } });
    expect(sleeper).toMatchObject({ status: 'timeout', message: `wall-clock limit of ${LIMIT_MS} ms reached` });
  }, 60_000);

  it('beside busy processes: the same work still passes; loops and sleepers still time out', async () => {
    startHogs(HOGS);
    try {
      const walls: number[] = [];
      for (let index = 0; index < 3; index++) {
        const loaded = await sandbox.run({ language: 'python', source: work, limits: { timeoutMs: LIMIT_MS } });
        expect(`${loaded.status} ${loaded.message ?? ''}`.trim()).toBe('ok');
        expect(loaded.cpuTimeMs).toBeLessThan(LIMIT_MS);
        walls.push(loaded.durationMs);
      }
      // The load was real: by a plain wall clock at least one of these runs was over its limit.
      expect(Math.max(...walls)).toBeGreaterThan(LIMIT_MS);
      const loop = await sandbox.run({ language: 'python', source: 'while True:\n    pass', limits: { timeoutMs: LIMIT_MS } });
      expect(loop).toMatchObject({ status: 'timeout', message: `wall-clock limit of ${LIMIT_MS} ms reached` });
      expect(loop.cpuTimeMs).toBeGreaterThanOrEqual(LIMIT_MS * 0.9);
      const sleeper = await sandbox.run({ language: 'python', source: 'import time\ntime.sleep(30)', limits: { timeoutMs: LIMIT_MS } });
      expect(sleeper).toMatchObject({ status: 'timeout', message: `wall-clock limit of ${LIMIT_MS} ms reached` });
    } finally {
      stopHogs();
    }
  }, 120_000);
});
