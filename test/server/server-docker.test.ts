import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { OWNER_PID_LABEL } from '../../src/sandboxes/docker/container-owner.ts';
import { SANDBENCH_LABEL } from '../../src/sandboxes/docker/create-container.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { datasets, hasData, repoRoot } from '../helpers/paths.ts';
import { startTestServer, type TestServer } from './server-helpers.ts';

const docker = await dockerForTests();

describe.skipIf(!docker.available)('the service with Docker', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { warmLanguages: ['python'], sandbox: { dockerPoolSize: 1 }, suites: hasData ? [datasets.humaneval] : [] } });
    await t.server.warmed;
  });
  afterAll(async () => t?.server.close());

  it('executes Python in a container, and /healthz shows the pool', async () => {
    const response = await t.call('POST', '/v1/execute', { json: { language: 'python', code: 'import sys\nprint(sys.stdin.read().upper())', stdin: 'hi' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', stdout: 'HI\n', backend: 'docker' });
    const health = await t.call('GET', '/healthz');
    expect(health.body.backends.docker.state).toBe('ready');
    expect(health.body.pools.docker).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(!hasData)('scores HumanEval completions from the loaded suite', async () => {
    const suite = (await t.call('GET', '/v1/tasks')).body.suites[0];
    expect(suite.tasks).toHaveLength(164);
    const response = await t.call('POST', '/v1/score', {
      json: { suite: suite.name, taskId: 'HumanEval/0', completions: ['    return False\n', '    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n'], assembly: 'exact' },
    });
    expect(response.status).toBe(200);
    expect(response.body.samples.map((sample: { outcome: string }) => sample.outcome)).toEqual(['failed', 'passed']);
    expect(response.body.samples[0].verdicts[0].reason).toMatch(/AssertionError/);
    expect(response.body.passAt['pass@1']).toBe(0.5);
  });
});

/** sandbench containers whose owner is `pid`. */
async function containersOf(pid: number): Promise<string[]> {
  const list = await createDockerClient().listContainers({ all: true, filters: { label: [`${SANDBENCH_LABEL}=1`, `${OWNER_PID_LABEL}=${pid}`] } });
  return list.map((info) => info.Id);
}

describe.skipIf(!docker.available)('graceful shutdown of `sandbench serve`', () => {
  it('SIGTERM mid-request: the request completes, the process exits 0, no container of it is left', async () => {
    const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'serve', '--port', '0'], {
      cwd: repoRoot,
      env: { ...process.env, SANDBENCH_TOKENS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /serving on (http:\/\/\S+?) /.exec(stderr);
        if (match) resolve(match[1]!);
      };
      child.stderr.on('data', check);
      child.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const inFlight = fetch(`${base}/v1/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'python', code: 'import time\ntime.sleep(2)\nprint("finished")', limits: { timeoutMs: 20_000 } }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as { status: string; stdout: string } }));
    // SIGTERM once the program runs in its container.
    while ((await fetch(`${base}/healthz`).then((response) => response.json() as Promise<{ queue: { running: number } }>)).queue.running < 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // …and its container exists (the pool starts it on first use), so there is something to remove.
    while ((await containersOf(child.pid!)).length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', stdout: 'finished\n' });
    expect(await exited).toBe(0);
    expect(stderr).toContain('sandbench: stopped');
    expect(await containersOf(child.pid!)).toEqual([]);
  });
});
