import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/** A `sandbench serve` child process on a free port, and what it printed. */
interface ServeProcess {
  child: ReturnType<typeof spawn>;
  base: string;
  exited: Promise<number | null>;
  stderr(): string;
}

async function startServe(extraArguments: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'serve', '--port', '0', ...extraArguments], {
    cwd: repoRoot,
    env: { ...process.env, SANDBENCH_TOKENS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /serving on (http:\/\/\S+?) /.exec(stderr);
      if (match) resolve(match[1]!);
    };
    child.stderr!.on('data', check);
    child.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
  });
  return { child, base, exited, stderr: () => stderr };
}

/** POST a JSON body; the status and the parsed answer. */
async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

/** Wait until the server runs `running` units of work and has `admitted` in all. */
async function untilQueue(base: string, running: number, admitted: number): Promise<void> {
  for (;;) {
    const health = (await fetch(`${base}/healthz`).then((response) => response.json())) as { queue: { running: number; admitted: number } };
    if (health.queue.running >= running && health.queue.admitted >= admitted) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!docker.available)('graceful shutdown of `sandbench serve`', () => {
  it('SIGTERM mid-request: the request completes, the process exits 0, no container of it is left', async () => {
    const serve = await startServe();
    const { child, base } = serve;
    const inFlight = post(`${base}/v1/execute`, { language: 'python', code: 'import time\ntime.sleep(2)\nprint("finished")', limits: { timeoutMs: 20_000 } });
    // SIGTERM once the program runs in its container.
    await untilQueue(base, 1, 1);
    // …and its container exists (the pool starts it on first use), so there is something to remove.
    while ((await containersOf(child.pid!)).length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', stdout: 'finished\n' });
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toContain('sandbench: stopped');
    expect(await containersOf(child.pid!)).toEqual([]);
  });

  it('SIGTERM with work that outlasts shutdownGraceMs: running and queued work answer 503 shutting-down (no verdict), exit 0, no container left', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-serve-grace-'));
    try {
      const config = join(folder, 'server.json');
      // One slot: the second request waits in the queue while the first spins.
      await writeFile(config, JSON.stringify({ shutdownGraceMs: 1000, queue: { concurrency: 1, capacity: 4 }, maxBatchItems: 4, maxCompletions: 4 }));
      const serve = await startServe(['--config', config]);
      const { child, base } = serve;
      const spin = { language: 'python', code: 'while True:\n    pass', limits: { timeoutMs: 120_000, cpuTimeMs: 120_000 } };
      const running = post(`${base}/v1/execute`, spin);
      await untilQueue(base, 1, 1);
      const queued = post(`${base}/v1/execute`, spin);
      await untilQueue(base, 1, 2);
      while ((await containersOf(child.pid!)).length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      child.kill('SIGTERM');
      // Without the deadline both would run for 120 s each, past the test's timeout.
      for (const response of [await running, await queued]) {
        expect(response.status).toBe(503);
        expect(response.body).toMatchObject({ error: { code: 'shutting-down' } });
        expect(response.body).not.toHaveProperty('status');
      }
      expect(await serve.exited).toBe(0);
      expect(serve.stderr()).toContain('sandbench: stopped');
      expect(await containersOf(child.pid!)).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
