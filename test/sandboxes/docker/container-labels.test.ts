import { describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { OWNER_ID_LABEL } from '../../../src/sandboxes/docker/container-owner.ts';
import { parseServerConfig } from '../../../src/server/server-config.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

describe('labels an operator adds to sandbox containers', () => {
  it('are refused in sandbench\'s own namespace, by the sandbox and by the server config', () => {
    expect(() => new DockerSandbox({ containerLabels: { 'sandbench.owner': 'someone-else' } })).toThrow(/label 'sandbench\.owner' is reserved/);
    expect(() => new DockerSandbox({ containerLabels: { sandbench: '1' } })).toThrow(/label 'sandbench' is reserved/);
    expect(() => parseServerConfig({ sandbox: { dockerLabels: { 'sandbench.owner': 'x' } } })).toThrow(/sandbox\.dockerLabels.*reserved/s);
    expect(parseServerConfig({ sandbox: { dockerLabels: { 'com.example.replica': 'a' } } }).sandbox.dockerLabels).toEqual({ 'com.example.replica': 'a' });
    // Absent: the defaults of a long-lived server (lease and periodic sweep) still apply.
    expect(parseServerConfig({}).sandbox).toMatchObject({ dockerLeaseMs: 60_000, dockerSweepEveryMs: 60_000 });
  });

  it.skipIf(!engine.available)('go on every container the sandbox makes, beside the owner labels that decide sweeps', async () => {
    const docker = createDockerClient();
    const marker = `labels-test-${process.pid}-${Date.now()}`;
    const sandbox = new DockerSandbox({ poolSize: 1, containerLabels: { 'com.example.replica': marker } });
    try {
      expect((await sandbox.run({ language: 'python', source: 'print(1)' })).stdout).toBe('1\n');
      const labelled = await docker.listContainers({ all: true, filters: { label: [`com.example.replica=${marker}`] } });
      expect(labelled.length).toBeGreaterThanOrEqual(1);
      for (const container of labelled) expect(container.Labels[OWNER_ID_LABEL]).toBe(sandbox.ownerId);
    } finally {
      await sandbox.dispose();
    }
    expect(await docker.listContainers({ all: true, filters: { label: [`com.example.replica=${marker}`] } })).toEqual([]);
  });
});
