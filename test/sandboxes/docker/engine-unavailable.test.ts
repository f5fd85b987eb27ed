import Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../../src/errors/sandbench-error.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';

describe('DockerSandbox without an engine', () => {
  it('throws SandboxError sandbox-unavailable quickly, saying how to start one', async () => {
    const sandbox = new DockerSandbox({ docker: new Dockerode({ socketPath: '/nonexistent.sock' }) });
    const started = performance.now();
    try {
      const error = await sandbox.run({ language: 'python', source: 'print(1)' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SandboxError);
      expect((error as SandboxError).code).toBe('sandbox-unavailable');
      expect((error as SandboxError).message).toMatch(/dockerd/);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await sandbox.dispose();
    }
  });
});
