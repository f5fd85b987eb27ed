import { afterEach, describe, expect, it } from 'vitest';
import type { ModelStatus } from '../../src/models/model.ts';
import { ProviderModel } from '../../src/models/provider-model.ts';
import { RateLimiter, sharedRateLimiter, type LimiterClock, type RateLimitPermit } from '../../src/models/rate-limiter.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { startFakeProviderServer, type FakeProviderServer } from '../support/fake-provider-server.ts';

/** A clock that moves only when told: waits resolve at `advance`, never on their own. */
class ManualClock implements LimiterClock {
  time = 0;
  private waits: Array<{ until: number; resolve: () => void }> = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const wait = { until: this.time + ms, resolve };
      this.waits.push(wait);
      signal?.addEventListener('abort', () => {
        this.waits = this.waits.filter((entry) => entry !== wait);
        reject(signal.reason);
      });
    });
  }

  /** Pending waits (callers asleep on this clock). */
  get sleepers(): number {
    return this.waits.length;
  }

  async advance(ms: number): Promise<void> {
    this.time += ms;
    const due = this.waits.filter((wait) => wait.until <= this.time);
    this.waits = this.waits.filter((wait) => wait.until > this.time);
    for (const wait of due) wait.resolve();
    await settle();
  }
}

/** Lets every ready promise continuation run (several rounds: waiters chain on each other). */
async function settle(): Promise<void> {
  for (let round = 0; round < 20; round += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('RateLimiter', () => {
  it('admits requestsPerMinute per window, the rest after the window moves, in order', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 2, clock });
    const granted: number[] = [];
    const statuses: ModelStatus[] = [];
    const all = [0, 1, 2, 3, 4].map((index) => limiter.acquire({ onStatus: (status) => statuses.push(status) }).then(() => granted.push(index)));
    await settle();
    expect(granted).toEqual([0, 1]);
    expect(statuses).toEqual([{ kind: 'rate-limited', delayMs: 60_000 }]);
    await clock.advance(59_999);
    expect(granted).toEqual([0, 1]);
    await clock.advance(1);
    expect(granted).toEqual([0, 1, 2, 3]);
    await clock.advance(60_000);
    expect(granted).toEqual([0, 1, 2, 3, 4]);
    await Promise.all(all);
  });

  it('holds requests back while the answers of the window used tokensPerMinute', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 100, clock });
    (await limiter.acquire()).record(80);
    await clock.advance(10_000);
    (await limiter.acquire()).record(30);
    let third = false;
    const statuses: ModelStatus[] = [];
    const pending = limiter.acquire({ onStatus: (status) => statuses.push(status) }).then(() => (third = true));
    await settle();
    expect(third).toBe(false);
    // The 80 tokens leave the window 60 s after they were counted (at 0), leaving 30 < 100.
    expect(statuses).toEqual([{ kind: 'rate-limited', delayMs: 50_000 }]);
    await clock.advance(50_000);
    expect(third).toBe(true);
    await pending;
  });

  it('limits requests in flight to concurrency', async () => {
    const limiter = new RateLimiter({ concurrency: 1 });
    const first = await limiter.acquire();
    let second: RateLimitPermit | undefined;
    const pending = limiter.acquire().then((permit) => (second = permit));
    await settle();
    expect(second).toBeUndefined();
    first.release();
    first.release(); // idempotent: must not free a second slot
    await pending;
    expect(second).toBeDefined();
    let third = false;
    const pendingThird = limiter.acquire().then(() => (third = true));
    await settle();
    expect(third).toBe(false);
    second?.release();
    await pendingThird;
  });

  it('an aborted waiter rejects with the reason and does not hold up the next one', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire({ signal: controller.signal });
    let next = false;
    const pendingNext = limiter.acquire().then(() => (next = true));
    await settle();
    const reason = new Error('run stopped');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await settle();
    expect(next).toBe(false);
    await clock.advance(60_000);
    expect(next).toBe(true);
    await pendingNext;
    expect(clock.sleepers).toBe(0);
  });

  it('is shared per model id in the process', () => {
    expect(sharedRateLimiter('test:shared', { requestsPerMinute: 1 })).toBe(sharedRateLimiter('test:shared', { requestsPerMinute: 5 }));
    expect(sharedRateLimiter('test:shared', {})).not.toBe(sharedRateLimiter('test:other', {}));
  });
});

describe('a provider model under a rate limit', () => {
  let server: FakeProviderServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('sends no more than requestsPerMinute requests until the window moves', async () => {
    server = await startFakeProviderServer({ answer: () => 'ok' });
    const clock = new ManualClock();
    const model = new ProviderModel({
      id: 'openai:gpt-4o',
      providerName: 'openai',
      type: 'openai',
      modelName: 'gpt-4o',
      baseURL: server.baseURLs.openai,
      apiKey: 'sk-test-limiter-1234',
      rateLimiter: new RateLimiter({ requestsPerMinute: 2, clock }),
    });
    const statuses: ModelStatus[] = [];
    const answers = [1, 2, 3].map(() => model.generate({ messages: [{ role: 'user', content: 'x' }], onStatus: (status) => statuses.push(status) }));
    await Promise.all(answers.slice(0, 2));
    await settle();
    expect(server.requests).toHaveLength(2);
    expect(statuses).toEqual([{ kind: 'rate-limited', delayMs: 60_000 }]);
    await clock.advance(60_000);
    await answers[2];
    expect(server.requests).toHaveLength(3);
  });

  it('a retry is a request too: it waits for the limiter like the first attempt', async () => {
    server = await startFakeProviderServer({ answer: () => 'ok', faults: { 1: { kind: 'server-error' } } });
    const clock = new ManualClock();
    const model = new ProviderModel({
      id: 'openai:gpt-4o',
      providerName: 'openai',
      type: 'openai',
      modelName: 'gpt-4o',
      baseURL: server.baseURLs.openai,
      apiKey: 'sk-test-limiter-1234',
      rateLimiter: new RateLimiter({ requestsPerMinute: 1, clock }),
      retry: { baseDelayMs: 1 },
    });
    const statuses: ModelStatus[] = [];
    const answer = model.generate({ messages: [{ role: 'user', content: 'x' }], onStatus: (status) => statuses.push(status) });
    let settled = false;
    answer.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Until the retry is held back (or, wrongly, answered without waiting).
    while (!settled && !statuses.some((status) => status.kind === 'rate-limited')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.requests).toHaveLength(1);
    expect(statuses.map((status) => status.kind)).toEqual(['retrying', 'rate-limited']);
    await clock.advance(60_000);
    expect((await answer).retries).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('requestsPerMinute from the config makes the limiter every sample of the model shares', async () => {
    server = await startFakeProviderServer({ answer: () => 'ok' });
    const config = { providers: { openai: { baseURL: server.baseURLs.openai } }, models: { 'openai:limited-model': { requestsPerMinute: 1 } } };
    const one = await resolveModel('openai:limited-model', { config, env: { OPENAI_API_KEY: 'sk-test-limiter-1234' } });
    const two = await resolveModel('openai:limited-model', { config, env: { OPENAI_API_KEY: 'sk-test-limiter-1234' } });
    await one.generate({ messages: [{ role: 'user', content: 'x' }] });
    const controller = new AbortController();
    const statuses: ModelStatus[] = [];
    // The second object is held back by the first one's request: same limiter.
    const held = two.generate({
      messages: [{ role: 'user', content: 'y' }],
      signal: controller.signal,
      onStatus: (status) => {
        statuses.push(status);
        controller.abort(new Error('held back'));
      },
    });
    await expect(held).rejects.toThrow('held back');
    expect(statuses).toEqual([{ kind: 'rate-limited', delayMs: expect.any(Number) }]);
    expect(server.requests).toHaveLength(1);
  });
});
