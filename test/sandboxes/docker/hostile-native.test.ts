import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { dockerTestEnvironment, healthyAfter, runFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

describe.skipIf(!engine.available)('Docker sandbox: hostile bash, C and C++ programs', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['bash', 'c', 'cpp']);
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('bash fork bomb: timeout, then a normal job runs', async () => {
    const result = await runFixture(sandbox, 'fork-bomb.sh', { limits: { timeoutMs: 2000 } });
    expect(result.status).toBe('timeout');
    expect((await healthyAfter(sandbox, 'bash')).stdout).toBe('healthy\n');
  });

  it('kill -9 -1 as the sandbox user: the runner survives, the job is judged on what it did', async () => {
    const result = await runFixture(sandbox, 'kill-all.sh');
    expect(result.status).toBe('ok');
    expect(result.stdout).toBe('after kill -1\n');
    expect((await healthyAfter(sandbox, 'bash')).stdout).toBe('healthy\n');
  });

  it('C include recursion: compile-error', async () => {
    const result = await runFixture(sandbox, 'include-bomb.c');
    expect(result.status).toBe('compile-error');
    expect(result.compile?.status).toBe('compile-error');
    expect((await healthyAfter(sandbox, 'c')).stdout).toBe('healthy\n');
  });

  it('C macro expansion bomb: compile-error within the compile limit', async () => {
    const result = await runFixture(sandbox, 'macro-bomb.c', { compileLimits: { timeoutMs: 3000 } });
    expect(result.status).toBe('compile-error');
    // Stopped by a limit of the compile step (its time limits are judged on CPU time and on
    // wall time less waiting for a CPU, so the wall clock alone says nothing here).
    expect(['timeout', 'memory-limit', 'output-limit']).toContain(result.compile?.status);
    expect(result.message).toMatch(/limit of 3000 ms reached|memory limit|output exceeded/);
    expect((await healthyAfter(sandbox, 'c')).stdout).toBe('healthy\n');
  });

  it('C++ template recursion bomb: compile-error within the compile limit', async () => {
    const result = await runFixture(sandbox, 'template-bomb.cpp', { compileLimits: { timeoutMs: 20_000 } });
    expect(result.status).toBe('compile-error');
    // Either the compiler gives up on the recursion depth, or a limit of the compile step stops it.
    expect(result.message).toMatch(/exit code|limit of 20000 ms reached|memory limit|output exceeded/);
    expect((await healthyAfter(sandbox, 'cpp')).stdout).toBe('healthy\n');
  });

  it('C setuid(0): runtime-error', async () => {
    const result = await runFixture(sandbox, 'setuid.c');
    expect(result.status).toBe('runtime-error');
    expect(result.stderr).toMatch(/setuid: Operation not permitted/);
  });

  it('C++ memory bomb: memory-limit (RLIMIT_AS below the compiler-sized container)', async () => {
    const result = await runFixture(sandbox, 'memory-bomb.cpp');
    expect(result.status).toBe('memory-limit');
    expect((await healthyAfter(sandbox, 'cpp')).stdout).toBe('healthy\n');
  });
});
