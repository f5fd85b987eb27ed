// The server image (`images build server`) on its own: it refuses to listen off loopback without
// tokens, serves isolates inside itself and Docker through the mounted socket with a read-only root
// and no capabilities, and on SIGTERM finishes in-flight work, removes its containers and exits 0.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages } from '../../src/images/build-images.ts';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { healthy, waitFor } from '../helpers/swarm-deployment.ts';

const run = promisify(execFile);
const engine = await dockerForTests();
const docker = createDockerClient();

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe.skipIf(!engine.available)('the server image', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sandbench-server-image-'));
  const marker = `server-image-test-${process.pid}-${Date.now()}`;
  const token = `tok-server-image-${process.pid}-0123456789`;
  const started: string[] = [];

  beforeAll(async () => {
    const [report] = await buildImages({ docker, names: ['server'] });
    expect(['built', 'skipped']).toContain(report!.status);
  }, 30 * 60_000);

  afterAll(async () => {
    for (const id of started) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses to listen on 0.0.0.0 without tokens (exit 2, saying why)', async () => {
    const result = await run('docker', ['run', '--rm', '--network', 'none', 'sandbench-server:latest']).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, stderr: error.stderr ?? '' }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/token/i);
  }, 120_000);

  it('serves isolates and Docker from a read-only container without capabilities, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const config = join(scratch, 'serve.yaml');
    writeFileSync(config, `warmLanguages: [javascript, python]\nsandbox:\n  dockerPoolSize: 1\n  dockerLabels:\n    org.sandbench.test: ${marker}\n`);
    const { stdout } = await run('docker', [
      'run', '-d', '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL',
      '-e', `SANDBENCH_PORT=${port}`, '-e', `SANDBENCH_TOKENS=${token}`,
      '-v', '/var/run/docker.sock:/var/run/docker.sock', '-v', `${config}:/etc/sandbench/serve.yaml:ro`,
      'sandbench-server:latest', '/usr/bin/tini', '--', '/opt/sandbench/bin/sandbench', 'serve', '--config', '/etc/sandbench/serve.yaml',
    ]);
    const id = stdout.trim();
    started.push(id);
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the server to be ready', () => healthy(base), 120_000);
    // The image's own health check agrees.
    expect((await run('docker', ['exec', id, '/opt/sandbench/bin/sandbench-healthcheck'])).stdout).toBe('');

    const execute = (body: unknown) =>
      fetch(`${base}/v1/execute`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    expect(await (await execute({ language: 'javascript', code: 'console.log(6 * 7)' })).json()).toMatchObject({ status: 'ok', stdout: '42\n', backend: 'isolate' });
    expect(await (await execute({ language: 'python', code: 'print(6 * 7)' })).json()).toMatchObject({ status: 'ok', stdout: '42\n', backend: 'docker' });
    const unauthorised = await fetch(`${base}/v1/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthorised.status).toBe(401);
    expect((await docker.listContainers({ filters: { label: [`org.sandbench.test=${marker}`] } })).length).toBeGreaterThan(0);

    // SIGTERM while a program runs: it finishes, then the server removes its containers and exits 0.
    const inFlight = execute({ language: 'python', code: 'import time\ntime.sleep(2)\nprint("finished")' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await docker.getContainer(id).kill({ signal: 'SIGTERM' });
    expect(await (await inFlight).json()).toMatchObject({ status: 'ok', stdout: 'finished\n' });
    const exit = (await docker.getContainer(id).wait()) as { StatusCode: number };
    expect(exit.StatusCode).toBe(0);
    expect(await docker.listContainers({ all: true, filters: { label: [`org.sandbench.test=${marker}`] } })).toEqual([]);
    const logs = (await docker.getContainer(id).logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toMatch(/stopping: finishing in-flight work/);
  }, 300_000);
});
