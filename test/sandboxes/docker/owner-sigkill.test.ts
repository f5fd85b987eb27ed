import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { OWNER_PID_LABEL } from '../../../src/sandboxes/docker/create-container.ts';
import { repoRoot } from '../../helpers/paths.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** Start owner-process.ts (a DockerSandbox with a warm pool) and wait until it says READY. */
async function startOwnerProcess() {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'test', 'sandboxes', 'docker', 'owner-process.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`owner process exited early (${code}): ${stderr}`)));
  });
  return child;
}

describe.skipIf(!engine.available)('containers of a process killed with SIGKILL', () => {
  it('are removed by the sweep of the next DockerSandbox start', async () => {
    const docker = createDockerClient();
    const child = await startOwnerProcess();
    const pid = child.pid!;
    const owned = () => docker.listContainers({ all: true, filters: { label: [`${OWNER_PID_LABEL}=${pid}`] } });
    expect((await owned()).length).toBeGreaterThanOrEqual(1);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // SIGKILL leaves no chance to clean up: the containers are still there.
    expect((await owned()).length).toBeGreaterThanOrEqual(1);

    const next = new DockerSandbox({ poolSize: 1 });
    try {
      await next.warmUp();
      expect(await owned()).toEqual([]);
    } finally {
      await next.dispose();
    }
  });

  it('are removed by the periodic sweep of a sandbox that started before the kill (a long-lived service)', async () => {
    const docker = createDockerClient();
    // Both start (and make their start-up sweep) while the owner is alive.
    const sweeping = new DockerSandbox({ poolSize: 1, sweepEveryMs: 1000 });
    const child = await startOwnerProcess();
    const pid = child.pid!;
    const owned = () => docker.listContainers({ all: true, filters: { label: [`${OWNER_PID_LABEL}=${pid}`] } });
    try {
      await sweeping.warmUp(['python']);
      expect((await owned()).length).toBeGreaterThanOrEqual(1);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      expect((await owned()).length).toBeGreaterThanOrEqual(1);
      // No new start: only the periodic sweep can remove them.
      const deadline = Date.now() + 60_000;
      while ((await owned()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await owned()).toEqual([]);
      // The sweeping sandbox's own containers are untouched and still serve.
      expect((await sweeping.run({ language: 'python', source: 'print(7)' })).stdout).toBe('7\n');
    } finally {
      child.kill('SIGKILL');
      await sweeping.dispose();
    }
  }, 120_000);
});
