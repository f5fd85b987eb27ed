import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { dockerTestEnvironment, healthyAfter, runFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

// Compile bombs of the Java, Go and Rust runtimes: each is stopped by its compiler or by the
// compile step's limits, is judged compile-error, and leaves its container fit for the next job.
describe.skipIf(!engine.available)('Docker sandbox: hostile Java, Go and Rust programs', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['java', 'go', 'rust']);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('smoke programs print OK', { timeout: 180_000 }, async () => {
    for (const language of ['java', 'go', 'rust'] as const) {
      const result = await healthyAfter(sandbox, language);
      expect(result.status, `${language}: ${result.message ?? ''} ${result.compile?.stderr ?? ''}`).toBe('ok');
      expect(result.stdout).toBe('healthy\n');
    }
  });

  it('Java generic recursion: javac gives up (compile-error), then a normal job runs', { timeout: 180_000 }, async () => {
    const result = await runFixture(sandbox, 'generic-recursion.java');
    expect(result.status).toBe('compile-error');
    expect(`${result.compile?.stdout}${result.compile?.stderr}`).toMatch(/StackOverflowError|limit/);
    expect((await healthyAfter(sandbox, 'java')).stdout).toBe('healthy\n');
  });

  it('Java constant-folding bomb: stopped by the compile memory limit', { timeout: 180_000 }, async () => {
    const result = await runFixture(sandbox, 'constant-folding.java', { compileLimits: { memoryBytes: 268_435_456, timeoutMs: 30_000 } });
    expect(result.status).toBe('compile-error');
    expect(['memory-limit', 'timeout']).toContain(result.compile?.status);
    expect((await healthyAfter(sandbox, 'java')).stdout).toBe('healthy\n');
  });

  it('Go generics explosion: stopped by a limit of the compile step', { timeout: 180_000 }, async () => {
    const result = await runFixture(sandbox, 'generic-explosion.go', { compileLimits: { timeoutMs: 15_000 } });
    expect(result.status).toBe('compile-error');
    expect(['timeout', 'memory-limit']).toContain(result.compile?.status);
    expect(result.message).toMatch(/limit of 15000 ms reached|memory limit/);
    expect((await healthyAfter(sandbox, 'go')).stdout).toBe('healthy\n');
  });

  it('Rust macro recursion: stopped by a limit of the compile step', { timeout: 180_000 }, async () => {
    const result = await runFixture(sandbox, 'macro-recursion.rs', { compileLimits: { timeoutMs: 15_000 } });
    expect(result.status).toBe('compile-error');
    expect(['timeout', 'memory-limit']).toContain(result.compile?.status);
    expect((await healthyAfter(sandbox, 'rust')).stdout).toBe('healthy\n');
  });

  it('Rust const-eval loop: rustc stops it or the compile limit does (compile-error)', { timeout: 180_000 }, async () => {
    const result = await runFixture(sandbox, 'const-eval.rs', { compileLimits: { timeoutMs: 15_000 } });
    expect(result.status).toBe('compile-error');
    expect(`${result.message} ${result.compile?.stderr}`).toMatch(/limit of 15000 ms reached|memory limit|exceeded interpreter step limit|taking a long time/);
    expect((await healthyAfter(sandbox, 'rust')).stdout).toBe('healthy\n');
  });

  it('Go memory bomb at run time: memory-limit, not a crash of the runtime at start', { timeout: 180_000 }, async () => {
    const source = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tvar keep [][]byte\n\tfor {\n\t\tb := make([]byte, 1<<20)\n\t\tfor i := range b {\n\t\t\tb[i] = 1\n\t\t}\n\t\tkeep = append(keep, b)\n\t\tif len(keep) > 1<<20 {\n\t\t\tfmt.Println(len(keep))\n\t\t}\n\t}\n}\n';
    const result = await sandbox.run({ language: 'go', source });
    expect(result.status).toBe('memory-limit');
    expect((await healthyAfter(sandbox, 'go')).stdout).toBe('healthy\n');
  });
});
