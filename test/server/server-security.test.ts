import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/server/create-server.ts';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startTestServer, type TestServer } from './server-helpers.ts';

const TOKEN = 'test-token-0123456789abcdef';

describe('bearer tokens', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { tokens: [TOKEN] } });
  });
  afterAll(async () => t?.server.close());

  it('401 without a token and with a wrong one, 200 with a right one; /healthz stays open', async () => {
    const body = { language: 'javascript', code: 'console.log(1)' };
    const none = await t.call('POST', '/v1/execute', { json: body });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await t.call('POST', '/v1/execute', { json: body, headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const scheme = await t.call('POST', '/v1/execute', { json: body, headers: { authorization: `Basic ${TOKEN}` } });
    expect(scheme.status).toBe(401);
    const right = await t.call('POST', '/v1/execute', { json: body, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.body.stdout).toBe('1\n');
    expect((await t.call('GET', '/metrics')).status).toBe(401);
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });
});

describe('binding', () => {
  it('refuses a non-loopback host without tokens, and allows it with tokens', async () => {
    const refused = createServer({ config: { host: '0.0.0.0', port: 0 } });
    await expect(refused).rejects.toSatisfy((error: unknown) => SandbenchError.is(error, 'config') && /without authentication/.test((error as Error).message));
    const allowed = await createServer({ config: { host: '0.0.0.0', port: 0, tokens: [TOKEN], warmLanguages: [] } });
    await allowed.close();
  });

  it('the CLI exits 2 with a clear error for a non-loopback host with auth off', async () => {
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { env: { SANDBENCH_TOKENS: '' }, timeoutMs: 60_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0 without authentication');
  });
});

describe('per-token rate limits', () => {
  it('429 with Retry-After past the burst, per token', async () => {
    const other = 'other-token-0123456789abcdef';
    const t = await startTestServer({ config: { tokens: [TOKEN, other], rateLimit: { requestsPerSecond: 0.01, burst: 3 } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await t.call('GET', '/v1/runtimes', { headers: { authorization: `Bearer ${TOKEN}` } })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await t.call('GET', '/v1/runtimes', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(limited.body.error.code).toBe('rate-limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another token has its own bucket.
      expect((await t.call('GET', '/v1/runtimes', { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
    } finally {
      await t.server.close();
    }
  });
});

describe('limits and sizes', () => {
  let clamp: TestServer;
  let refuse: TestServer;
  beforeAll(async () => {
    const common = { maxCodeChars: 1000, maxBatchItems: 3, maxCompletions: 2, bodyLimitBytes: 20_000, queue: { concurrency: 2, capacity: 8 } };
    clamp = await startTestServer({ config: { ...common, limits: { maximum: { timeoutMs: 2000, memoryBytes: 64 * 1024 * 1024 }, policy: 'clamp' } } });
    refuse = await startTestServer({ config: { ...common, limits: { maximum: { timeoutMs: 2000 }, policy: 'refuse' } } });
  });
  afterAll(async () => Promise.all([clamp?.server.close(), refuse?.server.close()]));

  it('clamps requested limits above the maximum and says which, per field; the clamp is in force', async () => {
    const response = await clamp.call('POST', '/v1/execute', {
      json: { language: 'javascript', code: 'while (true) {}', limits: { timeoutMs: 60_000, memoryBytes: 32 * 1024 * 1024 } },
    });
    expect(response.status).toBe(200);
    // memoryBytes is under the maximum: kept, not reported.
    expect(response.body.limitAdjustments).toEqual([{ field: 'limits.timeoutMs', requested: 60_000, applied: 2000 }]);
    // Killed at the clamped 2 s, not the requested minute.
    expect(response.body.status).toBe('timeout');
    expect(response.body.durationMs).toBeLessThan(30_000);
  });

  it('holds defaults above a lowered maximum without reporting them (nobody asked)', async () => {
    const response = await clamp.call('POST', '/v1/execute', { json: { language: 'javascript', code: 'console.log(1)' } });
    expect(response.status).toBe(200);
    expect(response.body.limitAdjustments).toBeUndefined();
    const runtimes = await clamp.call('GET', '/v1/runtimes');
    expect(runtimes.body.runtimes.find((runtime: { language: string }) => runtime.language === 'javascript').defaultLimits.timeoutMs).toBe(2000);
  });

  it('clamps an inline task\'s limits in a scoring, naming the field', async () => {
    const task = { id: 't', prompt: 'p', language: 'javascript', limits: { run: { timeoutMs: 9000 } }, tests: [{ kind: 'io', stdout: 'a' }] };
    const response = await clamp.call('POST', '/v1/score', { json: { task, completion: "console.log('a')" } });
    expect(response.status).toBe(200);
    expect(response.body.limitAdjustments).toEqual([{ field: 'task.limits.run.timeoutMs', requested: 9000, applied: 2000 }]);
    expect(response.body.counts.passed).toBe(1);
  });

  it('refuses requested limits above the maximum with the field, under policy refuse', async () => {
    const response = await refuse.call('POST', '/v1/execute', { json: { language: 'javascript', code: '1', limits: { timeoutMs: 5000 } } });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'limit-exceeded', field: 'limits.timeoutMs' });
    const inBatch = await refuse.call('POST', '/v1/batch', { json: { items: [{ kind: 'execute', language: 'javascript', code: '1', limits: { timeoutMs: 5000 } }] } });
    expect(inBatch.body.results[0]).toMatchObject({ ok: false, status: 400, error: { code: 'limit-exceeded', field: 'items[0].limits.timeoutMs' } });
    expect((await refuse.call('POST', '/v1/execute', { json: { language: 'javascript', code: '1', limits: { timeoutMs: 2000 } } })).status).toBe(200);
  });

  it('413 for a body above the limit; 400 with the field for code, batch and completions above theirs', async () => {
    const huge = await clamp.call('POST', '/v1/execute', { json: { language: 'javascript', code: 'x'.repeat(30_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload-too-large');
    const code = await clamp.call('POST', '/v1/execute', { json: { language: 'javascript', code: 'x'.repeat(1001) } });
    expect(code.status).toBe(400);
    expect(code.body.error).toMatchObject({ code: 'invalid-request', field: 'code' });
    const item = { kind: 'execute', language: 'javascript', code: '1' };
    const batch = await clamp.call('POST', '/v1/batch', { json: { items: [item, item, item, item] } });
    expect(batch.status).toBe(400);
    expect(batch.body.error.field).toBe('items');
    const nested = await clamp.call('POST', '/v1/batch', { json: { items: [item, { ...item, code: 'y'.repeat(1001) }] } });
    expect(nested.body.error.field).toBe('items[1].code');
    const completions = await clamp.call('POST', '/v1/score', { json: { task: { id: 't', prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: '' }] }, completions: ['a', 'b', 'c'] } });
    expect(completions.status).toBe(400);
    expect(completions.body.error.field).toBe('completions');
  });

  it('400 with field paths for bad bodies', async () => {
    const cases: Array<[unknown, string]> = [
      [{ language: 'cobol', code: '1' }, 'language'],
      [{ language: 'python' }, 'code'],
      [{ language: 'python', code: '1', limits: { timeoutMs: -5 } }, 'limits.timeoutMs'],
      [{ language: 'python', code: '1', extra: true }, ''],
      [{ language: 'python', files: { 'a.py': 'x' }, entry: 'b.py' }, 'entry'],
    ];
    for (const [body, field] of cases) {
      const response = await clamp.call('POST', '/v1/execute', { json: body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('invalid-request');
      if (field) expect(response.body.error.field, JSON.stringify(body)).toBe(field);
      else expect(response.body.error.message).toContain('extra');
    }
    const score = await clamp.call('POST', '/v1/score', { json: { task: { id: 't', prompt: 'p', language: 'javascript', tests: [{ kind: 'io' }] }, completion: 'x' } });
    expect(score.body.error.field).toBe('task.tests[0].stdout');
  });
});
