import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpFetch } from '../../src/models/http-fetch.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('httpFetch (provider requests over node:http)', () => {
  it('sends method, headers and body, and answers a standard Response with status, headers and body', async () => {
    const url = await serve((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.setHeader('set-cookie', ['a=1', 'b=2']);
        response.setHeader('retry-after', '3');
        response.writeHead(429, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ method: request.method, auth: request.headers.authorization, body: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    const response = await httpFetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"ü":1}' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await response.json()).toEqual({ method: 'POST', auth: 'Bearer k', body: '{"ü":1}' });
  });

  it('fails like Node\'s fetch: a refused or dropped connection is TypeError("fetch failed") with the socket error as cause', async () => {
    const url = await serve((request) => request.socket.destroy());
    const dropped = await httpFetch(`${url}/x`, { method: 'POST', body: '{}' }).catch((error: unknown) => error);
    expect(dropped).toBeInstanceOf(TypeError);
    expect((dropped as TypeError).message).toBe('fetch failed');
    expect(((dropped as TypeError).cause as { code?: string }).code).toBe('ECONNRESET');
    const port = (server!.address() as AddressInfo).port;
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const refused = await httpFetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' }).catch((error: unknown) => error);
    expect(((refused as TypeError).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('an abort ends a hung request with the signal\'s reason', async () => {
    const url = await serve(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const pending = httpFetch(`${url}/hang`, { method: 'POST', body: '{}', signal: controller.signal });
    setTimeout(() => controller.abort(new DOMException('took too long', 'TimeoutError')), 50);
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError', message: 'took too long' });
  });

  it('leaves a redirect to the standard fetch, which follows it', async () => {
    const url = await serve((request, response) => {
      if (request.url === '/old') {
        response.writeHead(307, { location: '/new' });
        response.end();
        return;
      }
      response.end(`at ${request.url}`);
    });
    const response = await httpFetch(`${url}/old`, { method: 'POST', body: 'x' });
    expect(await response.text()).toBe('at /new');
  });
});
