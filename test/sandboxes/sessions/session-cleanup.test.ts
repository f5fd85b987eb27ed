import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { OWNER_PID_LABEL } from '../../../src/sandboxes/docker/create-container.ts';
import { dockerForTests } from '../../helpers/docker-available.ts';
import { repoRoot } from '../../helpers/paths.ts';

// A session's container is owned like pool containers: a process that dies without disposing
// its session leaves nothing behind once the next sandbox sweeps, and the exit cleanup removes
// it on SIGTERM.

const engine = await dockerForTests();

/** Start the owner process and wait until its session answered a command. */
async function startOwner(...args: string[]): Promise<{ pid: number; kill: (signal: NodeJS.Signals) => Promise<unknown> }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'test', 'sandboxes', 'sessions', 'session-owner-process.ts'), ...args], {
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
  return {
    pid: child.pid!,
    kill: (signal) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      return exited;
    },
  };
}

describe.skipIf(!engine.available)('session containers of a process that dies', () => {
  const docker = createDockerClient();
  const owned = (pid: number) => docker.listContainers({ all: true, filters: { label: [`${OWNER_PID_LABEL}=${pid}`] } });

  it('killed with SIGKILL: its session container is removed by the sweep of the next DockerSandbox start', async () => {
    const owner = await startOwner();
    expect(await owned(owner.pid)).toHaveLength(1);
    await owner.kill('SIGKILL');
    // SIGKILL leaves no chance to clean up: the container is still there.
    expect(await owned(owner.pid)).toHaveLength(1);
    const next = new DockerSandbox({ poolSize: 1 });
    try {
      await next.warmUp();
      expect(await owned(owner.pid)).toEqual([]);
    } finally {
      await next.dispose();
    }
  });

  it('stopped with SIGTERM (handleSignals): the exit cleanup removes its session container', async () => {
    const owner = await startOwner('signals');
    expect(await owned(owner.pid)).toHaveLength(1);
    await owner.kill('SIGTERM');
    expect(await owned(owner.pid)).toEqual([]);
  });
});
