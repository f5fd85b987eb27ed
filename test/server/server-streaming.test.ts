import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-helpers.ts';

/** One NDJSON line as the client received it, with the client's clock at its arrival. */
interface ArrivedLine {
  arrivedAt: number;
  line: any;
}

/** POST a streamed batch and read its lines one by one as they arrive. */
async function streamBatch(t: TestServer, items: unknown[]): Promise<ArrivedLine[]> {
  const response = await fetch(`${t.base}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ items }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/x-ndjson');
  const arrived: ArrivedLine[] = [];
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of response.body!) {
    const arrivedAt = Date.now();
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      arrived.push({ arrivedAt, line: JSON.parse(pending.slice(0, newline)) });
      pending = pending.slice(newline + 1);
    }
  }
  expect(pending).toBe('');
  return arrived;
}

describe('NDJSON streaming of /v1/batch', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Two slots, two workers: the slow item holds one, the fast ones pass through the other.
    t = await startTestServer({ config: { queue: { concurrency: 2, capacity: 8 }, maxBatchItems: 8, maxCompletions: 8, sandbox: { isolateWorkers: 2 } } });
  });
  afterAll(async () => t?.server.close());

  it('a fast item\'s line arrives before the slow item has finished; every item is there once, with its index', async () => {
    // The slow item prints the time at which it finished (the isolate's clock is the host's).
    const slow = { kind: 'execute', language: 'javascript', code: 'const end = Date.now() + 3000; while (Date.now() < end) {} console.log(Date.now())', limits: { timeoutMs: 30_000 } };
    const fast = (index: number) => ({ kind: 'execute', language: 'javascript', code: `console.log("fast ${index}")` });
    const arrived = await streamBatch(t, [slow, fast(1), fast(2), fast(3), fast(4)]);

    expect(arrived.map(({ line }) => line.index).sort()).toEqual([0, 1, 2, 3, 4]);
    const slowLine = arrived.find(({ line }) => line.index === 0)!;
    expect(slowLine.line).toMatchObject({ kind: 'execute', ok: true, result: { status: 'ok' } });
    const slowFinishedAt = Number(slowLine.line.result.stdout.trim());
    expect(Number.isFinite(slowFinishedAt)).toBe(true);
    // The slow item's line comes last; every fast line reached the client before the slow
    // program had even ended, so it was sent as its item finished, not with the whole batch.
    expect(arrived.at(-1)!.line.index).toBe(0);
    for (const { arrivedAt, line } of arrived.filter(({ line }) => line.index !== 0)) {
      expect(line.result).toMatchObject({ status: 'ok', stdout: `fast ${line.index}\n` });
      expect(arrivedAt).toBeLessThan(slowFinishedAt);
    }
  });
});
