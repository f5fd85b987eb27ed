import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-helpers.ts';

/** A program that keeps the isolate busy for about `ms` of wall time, then prints `done`. */
const busy = (ms: number) => `const end = Date.now() + ${ms}; while (Date.now() < end) {} console.log('done')`;

describe('admission control', () => {
  let t: TestServer;
  beforeAll(async () => {
    // One slot, room for three units: the fourth concurrent request cannot be admitted.
    t = await startTestServer({ config: { queue: { concurrency: 1, capacity: 3 }, maxBatchItems: 3, maxCompletions: 3, sandbox: { isolateWorkers: 1 } } });
  });
  afterAll(async () => t?.server.close());

  it('answers 429 with Retry-After when the queue is full, and runs what it admitted', async () => {
    const body = { language: 'javascript', code: busy(700), limits: { timeoutMs: 5000 } };
    const responses = await Promise.all(Array.from({ length: 6 }, () => t.call('POST', '/v1/execute', { json: body })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    for (const response of responses) {
      if (response.status === 429) {
        expect(response.body.error.code).toBe('queue-full');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      } else expect(response.body).toMatchObject({ status: 'ok', stdout: 'done\n' });
    }
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.text).toMatch(/sandbench_rejected_requests_total\{reason="queue-full"\} 3/);
  });

  it('a queued request is judged on its own run: waiting longer than its timeout is not a timeout', async () => {
    // Three programs of ~700 ms with a 1.5 s limit through one slot: the last waits ~1.4 s,
    // then runs; 1.4 + 0.7 s exceeds its limit, which must count from its start only.
    const body = { language: 'javascript', code: busy(700), limits: { timeoutMs: 1500 } };
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 3 }, () => t.call('POST', '/v1/execute', { json: body })));
    const elapsed = Date.now() - started;
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(responses.map((response) => response.body.status)).toEqual(['ok', 'ok', 'ok']);
    // The premise: someone did wait longer than the limit before the answer.
    expect(elapsed).toBeGreaterThan(1500);
  });

  it('a batch is admitted whole or refused whole', async () => {
    const item = { kind: 'execute', language: 'javascript', code: busy(400), limits: { timeoutMs: 5000 } };
    const pending = t.call('POST', '/v1/batch', { json: { items: [item, item, item] } });
    // Once /healthz shows the batch's three units admitted, the queue has no room left.
    while ((await t.call('GET', '/healthz')).body.queue.admitted < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    const single = await t.call('POST', '/v1/execute', { json: { language: 'javascript', code: '1' } });
    const batch = await pending;
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((result: { result: { status: string } }) => result.result.status)).toEqual(['ok', 'ok', 'ok']);
    expect(single.status).toBe(429);
  });
});
