import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * Connections kept open between requests, per scheme: a run sends thousands of requests to one
 * endpoint.
 */
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The body as `node:http` takes it, or `undefined` for a kind it does not take (streams, forms). */
function plainBody(body: RequestInit['body']): string | Uint8Array | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return undefined;
}

function responseHeaders(response: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

/**
 * `fetch` for provider requests, over `node:http` / `node:https` with kept-alive connections.
 * A run sends one small JSON request per sample; Node's own fetch (undici) spends about 0.5 ms
 * of CPU per call on the machinery of the Fetch standard and leaves garbage that grows the heap
 * (over 10,000 requests: 1.1 ms of host CPU per sample and a 450 MB peak; with this, 0.7 ms and
 * 250 MB, bench/harness-overhead.ts). The answer is read whole, then handed over as a standard
 * `Response`. Failures look like Node's fetch's to the AI SDK: a `TypeError('fetch failed')`
 * with the socket error as its cause, and the signal's reason on abort. Anything this does not
 * cover (a streamed or form body, a redirect) goes to the global `fetch`.
 */
export function httpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const body = plainBody(init.body);
  const agent = url.protocol === 'http:' || url.protocol === 'https:' ? agents[url.protocol] : undefined;
  if (input instanceof Request || body === undefined || agent === undefined) return fetch(input, init);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== null && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise<Response>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = (): void => {
      finish(() => reject(signal!.reason));
      outgoing.destroy();
    };
    const outgoing = send(url, { method: init.method ?? 'GET', headers, agent }, (incoming) => {
      const status = incoming.statusCode ?? 0;
      if (REDIRECTS.has(status) && incoming.headers.location) {
        // Rare for model APIs: let the standard fetch follow it, as callers of fetch expect.
        incoming.resume();
        finish(() => resolve(fetch(input, init)));
        return;
      }
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        finish(() =>
          resolve(
            new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), {
              status,
              statusText: incoming.statusMessage ?? '',
              headers: responseHeaders(incoming),
            }),
          ),
        ),
      );
      incoming.on('error', (error) => finish(() => reject(new TypeError('fetch failed', { cause: error }))));
      incoming.on('aborted', () => finish(() => reject(new TypeError('fetch failed', { cause: Object.assign(new Error('the response was cut short'), { code: 'ECONNRESET' }) }))));
    });
    outgoing.on('error', (error) => finish(() => reject(new TypeError('fetch failed', { cause: error }))));
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.end(body ?? undefined);
  });
}
