import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/scoring/seeded-random.ts';
import { startTestServer, type TestServer } from './server-helpers.ts';

/** Send raw bytes with a chosen content type (fetch would re-encode invalid UTF-8). */
function rawPost(base: string, path: string, body: Buffer, contentType: string | undefined): Promise<{ status: number; text: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...(contentType ? { 'content-type': contentType } : {}), 'content-length': body.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Random JSON values: wrong types, huge strings, deep nesting, plausible keys. */
function randomValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * 12);
  const keys = ['language', 'code', 'files', 'entry', 'stdin', 'limits', 'sandbox', 'task', 'suite', 'taskId', 'completion', 'completions', 'items', 'kind', 'stream', 'tests', 'timeoutMs', '__proto__', 'constructor'];
  switch (depth > 4 ? pick % 6 : pick) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return [0, -1, 1e308, -0, 3.5, 2 ** 53 + 1][Math.floor(random() * 6)];
    case 3: return ['', 'python', 'javascript', 'docker', 'isolate', 'execute', 'score', '\u0000', '\ud800'][Math.floor(random() * 9)];
    case 4: return 'A'.repeat(Math.floor(random() * 200_000));
    case 5: return String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(random() * 0xffff)));
    case 6:
    case 7:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) object[keys[Math.floor(random() * keys.length)]!] = randomValue(random, depth + 1);
      return object;
    }
  }
}

/** Bodies that are not what the endpoint takes, in every way we can think of. */
function malformedBodies(count: number): Array<{ path: string; body: Buffer; contentType: string | undefined }> {
  const random = seededRandom(15);
  const paths = ['/v1/execute', '/v1/score', '/v1/batch'];
  const json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null');
  const fixed: Array<[Buffer, string | undefined]> = [
    [Buffer.from(''), 'application/json'],
    [Buffer.from('{'), 'application/json'],
    [Buffer.from('{"language":"python","code":"print(1)"'), 'application/json'],
    [Buffer.from('[]'), 'application/json'],
    [Buffer.from('"just a string"'), 'application/json'],
    [Buffer.from('{"__proto__":{"polluted":true},"language":"python"}'), 'application/json'],
    [Buffer.from('{"constructor":{"prototype":{"polluted":true}}}'), 'application/json'],
    [Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)), 'application/json'],
    [Buffer.from('{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)), 'application/json'],
    [json({ items: [{ kind: 'execute', language: 'python', code: '1', limits: JSON.parse('{"a":'.repeat(2000) + '1' + '}'.repeat(2000)) }] }), 'application/json'],
    [Buffer.concat([Buffer.from('{"language":"javascript","code":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from('"}')]), 'application/json'],
    [Buffer.from([0xc0, 0x80, 0xff]), 'application/json'],
    [json({ language: 'javascript', code: 'console.log(1)' }), 'text/plain'],
    [json({ language: 'javascript', code: 'console.log(1)' }), 'application/x-www-form-urlencoded'],
    [json({ language: 'javascript', code: 'console.log(1)' }), undefined],
    [json({ language: 'javascript', code: 'console.log(1)' }), 'application/json; charset=latin1'],
    [json({ language: 'javascript', code: 'console.log(1)' }), 'multipart/form-data; boundary=x'],
    [Buffer.from('{"language":"javascript","code":"1"}'), 'application/json-patch+json'],
    [json({ items: [] }), 'application/json'],
    [json({ items: 'x'.repeat(1000) }), 'application/json'],
    [json({ task: { id: 'x', prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: '(', comparator: 'regex' }] }, completion: 'x' }), 'application/json'],
    [json({ task: { id: 'x', prompt: 'p', language: 'javascript', tests: [] }, completion: 'x' }), 'application/json'],
    [json({ language: 'javascript', code: '1', limits: { timeoutMs: 1e308 } }), 'application/json'],
    [json({ language: 'javascript', code: '1', limits: { timeoutMs: 1.5 } }), 'application/json'],
    [json({ language: 'javascript', files: { '../../etc/passwd': 'x' }, entry: 'nope' }), 'application/json'],
  ];
  const bodies = fixed.flatMap(([body, contentType]) => paths.map((path) => ({ path, body, contentType })));
  while (bodies.length < count) {
    bodies.push({ path: paths[Math.floor(random() * paths.length)]!, body: json(randomValue(random)), contentType: 'application/json' });
  }
  return bodies;
}

describe('fuzz: malformed bodies', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { bodyLimitBytes: 4 * 1024 * 1024, maxCodeChars: 100_000 } });
  });
  afterAll(async () => t?.server.close());

  it('a few hundred malformed bodies: never a 500, always a JSON error with a code, and the server still answers', async () => {
    const bodies = malformedBodies(400);
    const statuses = new Map<number, number>();
    for (const { path, body, contentType } of bodies) {
      const response = await rawPost(t.base, path, body, contentType);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const where = `${path} ${contentType} ${body.subarray(0, 80).toString('utf8')}`;
      expect(response.status, where).toBeLessThan(500);
      if (response.status >= 400) {
        const parsed = JSON.parse(response.text) as { error: { code: string; message: string } };
        expect(parsed.error.code, where).toMatch(/^[a-z-]+$/);
        expect(typeof parsed.error.message).toBe('string');
      }
    }
    // Nothing was polluted, and the server still works.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const after = await t.call('POST', '/v1/execute', { json: { language: 'javascript', code: 'console.log("alive")' } });
    expect(after.status).toBe(200);
    expect(after.body.stdout).toBe('alive\n');
    expect(statuses.get(400)).toBeGreaterThan(100);
  });
});
