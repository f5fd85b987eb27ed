import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { OWNER_PID_LABEL } from '../../src/sandboxes/docker/container-owner.ts';
import { SANDBENCH_LABEL } from '../../src/sandboxes/docker/create-container.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { startTestServer, type TestServer } from './server-helpers.ts';

const docker = await dockerForTests();

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `/healthz` until `accept` holds for its body. */
async function healthUntil(t: TestServer, accept: (body: any) => boolean): Promise<any> {
  for (;;) {
    const health = (await t.call('GET', '/healthz')).body;
    if (accept(health)) return health;
    await pause(20);
  }
}

/**
 * Start an execution that never ends by itself (its limit is the server's maximum, 300 s), wait
 * until it runs, then drop the connection. Resolves once the request was aborted.
 */
async function startThenDisconnect(t: TestServer, body: unknown): Promise<void> {
  const client = new AbortController();
  const pending = fetch(`${t.base}/v1/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: client.signal,
  }).catch((error: unknown) => error);
  await healthUntil(t, (health) => health.queue.running === 1);
  client.abort();
  expect(await pending).toBeInstanceOf(Error);
}

/** The `sandbench_executions_total` counters, by `language/status`. */
async function executionCounts(t: TestServer): Promise<Record<string, number>> {
  const text = (await t.call('GET', '/metrics')).text;
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^sandbench_executions_total\{([^}]*)\} (\d+)$/gm)) {
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1], label[2]]));
    counts[`${labels.language}/${labels.status}`] = Number(match[2]);
  }
  return counts;
}

describe('a client that disconnects cancels its execution (isolate)', () => {
  let t: TestServer;
  beforeAll(async () => {
    // One slot and one worker: while the busy loop held either, nothing else could run.
    t = await startTestServer({ config: { queue: { concurrency: 1, capacity: 4 }, maxBatchItems: 4, maxCompletions: 4, sandbox: { isolateWorkers: 1 } } });
  });
  afterAll(async () => t?.server.close());

  it('a JavaScript busy loop stops when its client goes away; the slot and the worker serve the next request', async () => {
    await startThenDisconnect(t, { language: 'javascript', code: 'for (;;) {}', limits: { timeoutMs: 300_000 } });
    // Without cancellation the loop holds the only slot for 300 s, past the test's timeout.
    const health = await healthUntil(t, (body) => body.queue.running === 0 && body.queue.admitted === 0);
    expect(health.queue.waiting).toBe(0);
    const next = await t.call('POST', '/v1/execute', { json: { language: 'javascript', code: 'console.log("next")' } });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ status: 'ok', stdout: 'next\n' });
    // A cancelled execution is counted as cancelled, never as the program's timeout.
    const counts = await executionCounts(t);
    expect(counts['javascript/cancelled']).toBe(1);
    expect(counts['javascript/timeout']).toBeUndefined();
    expect(counts['javascript/ok']).toBe(1);
  });

  it('a scoring whose client goes away is cancelled and counted as cancelled, not as a failed sample', async () => {
    const client = new AbortController();
    const task = { id: 'spin', prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: 'x' }], limits: { run: { timeoutMs: 300_000 } } };
    const pending = fetch(`${t.base}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task, completion: 'for (;;) {}' }),
      signal: client.signal,
    }).catch((error: unknown) => error);
    await healthUntil(t, (health) => health.queue.running === 1);
    client.abort();
    expect(await pending).toBeInstanceOf(Error);
    await healthUntil(t, (health) => health.queue.running === 0 && health.queue.admitted === 0);
    const text = (await t.call('GET', '/metrics')).text;
    expect(text).toMatch(/^sandbench_scored_samples_total\{language="javascript",outcome="cancelled"\} 1$/m);
    expect(text).not.toMatch(/^sandbench_scored_samples_total\{language="javascript",outcome="failed"\}/m);
  });

  it('a streamed batch whose client goes away: its running and its waiting items are cancelled, the server keeps serving', async () => {
    const client = new AbortController();
    const spin = { kind: 'execute', language: 'javascript', code: 'for (;;) {}', limits: { timeoutMs: 300_000 } };
    const response = await fetch(`${t.base}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify({ items: [spin, spin] }),
      signal: client.signal,
    });
    expect(response.status).toBe(200);
    // One item runs, the other waits for the only slot.
    await healthUntil(t, (health) => health.queue.running === 1 && health.queue.waiting === 1);
    client.abort();
    await healthUntil(t, (health) => health.queue.running === 0 && health.queue.waiting === 0 && health.queue.admitted === 0);
    const next = await t.call('POST', '/v1/execute', { json: { language: 'javascript', code: 'console.log("after")' } });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ status: 'ok', stdout: 'after\n' });
  });
});

/** sandbench containers whose owner is `pid`. */
async function containersOf(pid: number): Promise<string[]> {
  const list = await createDockerClient().listContainers({ all: true, filters: { label: [`${SANDBENCH_LABEL}=1`, `${OWNER_PID_LABEL}=${pid}`] } });
  return list.map((info) => info.Id);
}

describe.skipIf(!docker.available)('a client that disconnects cancels its execution (Docker)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { queue: { concurrency: 1, capacity: 4 }, maxBatchItems: 4, maxCompletions: 4, warmLanguages: ['python'], sandbox: { dockerPoolSize: 1 } } });
    await t.server.warmed;
  });
  afterAll(async () => t?.server.close());

  it('a Python busy loop stops when its client goes away: its container is removed, the pool serves the next request', async () => {
    const before = await containersOf(process.pid);
    expect(before.length).toBeGreaterThanOrEqual(1);
    await startThenDisconnect(t, { language: 'python', code: 'while True:\n    pass', limits: { timeoutMs: 300_000, cpuTimeMs: 300_000 } });
    await healthUntil(t, (body) => body.queue.running === 0 && body.queue.admitted === 0);
    // The container that ran the loop is gone (not left spinning for 300 s)…
    let now = await containersOf(process.pid);
    while (before.some((id) => now.includes(id))) {
      await pause(50);
      now = await containersOf(process.pid);
    }
    // …and the next request is served.
    const next = await t.call('POST', '/v1/execute', { json: { language: 'python', code: 'print("next")' } });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ status: 'ok', stdout: 'next\n' });
    const counts = await executionCounts(t);
    expect(counts['python/cancelled']).toBe(1);
    expect(counts['python/timeout']).toBeUndefined();
    // At most the pool's one container, plus one being replaced, remains.
    expect((await containersOf(process.pid)).length).toBeLessThanOrEqual(2);
  });
});
