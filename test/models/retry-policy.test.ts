import { afterEach, describe, expect, it } from 'vitest';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import type { ModelConfig, ModelSettings } from '../../src/models/model-config.ts';
import type { Model, ModelStatus } from '../../src/models/model.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { retryAfterMs, withRetries } from '../../src/models/retry-policy.ts';
import { startFakeProviderServer, type FakeFault, type FakeProviderServer, type FakeProviderServerOptions } from '../support/fake-provider-server.ts';

const env = { OPENAI_API_KEY: 'sk-test-retry-0a1b2c3d', ANTHROPIC_API_KEY: 'sk-ant-test-retry-4e5f', GOOGLE_GENERATIVE_AI_API_KEY: 'AIza-test-retry-6a7b' };
const FORMATS = ['openai', 'anthropic', 'google'] as const;
const SPECS = { openai: 'openai:gpt-4o', anthropic: 'anthropic:my-claude', google: 'google:gemini-test' } as const;

const servers: FakeProviderServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A fake server and a model of `format` pointed at it; fast backoff unless `settings` or the server say otherwise. */
async function setUp(format: (typeof FORMATS)[number], serverOptions: FakeProviderServerOptions, settings: ModelSettings = {}) {
  const server = await startFakeProviderServer({ answer: () => 'done', ...serverOptions });
  servers.push(server);
  const config: ModelConfig = { providers: { [format]: { baseURL: server.baseURLs[format] } }, models: { [SPECS[format]]: settings } };
  const model: Model = await resolveModel(SPECS[format], { config, env, retry: { baseDelayMs: 5, random: () => 0.5 } });
  const statuses: ModelStatus[] = [];
  const generate = () => model.generate({ messages: [{ role: 'user', content: 'go' }], onStatus: (status) => statuses.push(status) });
  return { server, model, statuses, generate };
}

describe.each(FORMATS)('%s faults', (format) => {
  it('429 with Retry-After: 1, then success: one retry, after the server-given wait', async () => {
    const { server, statuses, generate } = await setUp(format, { faults: { 1: { kind: 'rate-limit', retryAfterSeconds: 1 } } });
    const response = await generate();
    expect(response.text).toBe('done');
    expect(response.retries).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(statuses).toEqual([{ kind: 'retrying', attempt: 2, delayMs: 1000, reason: expect.stringContaining('HTTP 429') }]);
    // The second request came after the wait (a lower bound only: a busy machine may be later).
    const [first, second] = server.requests;
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('500 twice, then success', async () => {
    const { server, statuses, generate } = await setUp(format, { faults: { 1: { kind: 'server-error' }, 2: { kind: 'server-error', status: 503 } } });
    const response = await generate();
    expect(response.text).toBe('done');
    expect(response.retries).toBe(2);
    expect(server.requests).toHaveLength(3);
    expect(statuses.map((status) => status.kind === 'retrying' && status.reason)).toEqual([expect.stringContaining('HTTP 500'), expect.stringContaining('HTTP 503')]);
  });

  it('always 500: model-unavailable after maxRetries + 1 attempts', async () => {
    const { server, statuses, generate } = await setUp(format, { fault: () => ({ kind: 'server-error' }) }, { maxRetries: 3 });
    const error = await generate().catch((caught: unknown) => caught);
    expect(SandbenchError.is(error, 'model-unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/did not answer: HTTP 500 .*; 4 attempts$/);
    expect((error as SandbenchError).details).toMatchObject({ status: 500, attempts: 4, retryable: true });
    expect(server.requests).toHaveLength(4);
    expect(statuses).toHaveLength(3);
  });

  it('a hang past the per-request timeout is abandoned and retried', async () => {
    const { server, generate } = await setUp(format, { faults: { 1: { kind: 'hang' } } }, { timeoutMs: 300 });
    const response = await generate();
    expect(response.text).toBe('done');
    expect(response.retries).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('a dropped connection is retried', async () => {
    const { server, statuses, generate } = await setUp(format, { faults: { 1: { kind: 'drop' } } });
    const response = await generate();
    expect(response.retries).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(statuses[0]).toMatchObject({ kind: 'retrying', reason: expect.stringContaining('network error') });
  });

  it('malformed JSON is an answer: never sent again, model-unavailable at once', async () => {
    const { server, statuses, generate } = await setUp(format, { faults: { 1: { kind: 'malformed-json' } } });
    const error = await generate().catch((caught: unknown) => caught);
    expect(SandbenchError.is(error, 'model-unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/1 attempt, not retryable$/);
    expect(server.requests).toHaveLength(1);
    expect(statuses).toEqual([]);
  });

  it('401 is not retried', async () => {
    const { server, generate } = await setUp(format, { faults: { 1: { kind: 'error', status: 401, message: 'invalid key' } } });
    const error = await generate().catch((caught: unknown) => caught);
    expect(SandbenchError.is(error, 'model-unavailable')).toBe(true);
    expect((error as Error).message).toContain('HTTP 401 (invalid key)');
    expect(server.requests).toHaveLength(1);
  });
});

describe('anthropic overloaded', () => {
  it('529 is retried', async () => {
    const { server, generate } = await setUp('anthropic', { faults: { 1: { kind: 'overloaded' } } });
    expect((await generate()).retries).toBe(1);
    expect(server.requests).toHaveLength(2);
  });
});

describe("the run's abort", () => {
  it('ends a waiting request at once and is never retried', async () => {
    const { server, model } = await setUp('openai', { fault: () => ({ kind: 'hang' }) });
    const controller = new AbortController();
    const pending = model.generate({ messages: [{ role: 'user', content: 'go' }], signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const reason = new Error('run stopped');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  it('during a backoff wait stops the retries', async () => {
    const { server, model } = await setUp('openai', { fault: () => ({ kind: 'rate-limit', retryAfterSeconds: 30 }) });
    const controller = new AbortController();
    const pending = model.generate({
      messages: [{ role: 'user', content: 'go' }],
      signal: controller.signal,
      onStatus: () => controller.abort(new Error('stopped while waiting')),
    });
    await expect(pending).rejects.toThrow('stopped while waiting');
    expect(server.requests).toHaveLength(1);
  });
});

describe('withRetries', () => {
  it('retries a thrown network error by its code, and gives up naming the reason', async () => {
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls += 1;
        throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
      },
      { modelId: 'x:y', maxAttempts: 2, baseDelayMs: 1 },
    ).catch((caught: unknown) => caught);
    expect(calls).toBe(2);
    expect((error as Error).message).toBe('model x:y did not answer: network error (ECONNRESET); 2 attempts');
  });

  it('fails at once on an error it does not know', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new Error('no choices');
        },
        { modelId: 'x:y', baseDelayMs: 1 },
      ),
    ).rejects.toThrow('1 attempt, not retryable');
    expect(calls).toBe(1);
  });
});

describe('a request the SDK refuses before sending', () => {
  it("is the caller's fault (code model), not the provider's, and nothing is sent", async () => {
    const { server, model } = await setUp('openai', {});
    const error = await model.generate({ messages: [] }).catch((caught: unknown) => caught);
    expect(SandbenchError.is(error, 'model')).toBe(true);
    expect((error as Error).message).toContain('InvalidPromptError');
    expect(server.requests).toHaveLength(0);
  });
});

describe('retryAfterMs', () => {
  it('reads retry-after-ms, retry-after seconds and an HTTP date', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(retryAfterMs({ 'retry-after-ms': '250' }, now)).toBe(250);
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(retryAfterMs({ 'retry-after': 'Sun, 29 Nov 2026 12:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('an HTTP-date Retry-After from the server is honoured, capped at maxDelayMs', async () => {
    const fault: FakeFault = { kind: 'rate-limit', retryAfterDate: new Date(Date.now() + 5 * 60_000) };
    const { model } = await setUp('openai', { faults: { 1: fault } });
    const controller = new AbortController();
    const statuses: ModelStatus[] = [];
    // Stop at the first retry notice: its delay is what the policy chose.
    const pending = model.generate({
      messages: [{ role: 'user', content: 'go' }],
      signal: controller.signal,
      onStatus: (status) => {
        statuses.push(status);
        controller.abort(new Error('seen'));
      },
    });
    await expect(pending).rejects.toThrow('seen');
    expect(statuses).toEqual([{ kind: 'retrying', attempt: 2, delayMs: 60_000, reason: expect.stringContaining('HTTP 429') }]);
  });
});
