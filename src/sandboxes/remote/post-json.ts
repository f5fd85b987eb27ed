import http from 'node:http';
import https from 'node:https';

/** What `postJson` gives back: the status, one header and the body's text. */
export interface JsonAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

// Connections kept open between executions: the remote path's cost per execution is mostly
// per-request overhead, and node:http with a keep-alive agent costs less of it than fetch.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * POST `body` to `url` and read the whole answer. Rejects on a network error or when `signal`
 * aborts (the request is destroyed, so a cancelled execution's connection goes away and the
 * service sees its client leave).
 */
export function postJson(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const request = transport.request(
      target,
      {
        method: 'POST',
        agent: agents[target.protocol as keyof typeof agents],
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          signal.removeEventListener('abort', abort);
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', fail);
      },
    );
    function fail(error: Error): void {
      signal.removeEventListener('abort', abort);
      reject(error);
    }
    function abort(): void {
      request.destroy(signal.reason instanceof Error ? signal.reason : new Error('the request was aborted'));
    }
    signal.addEventListener('abort', abort, { once: true });
    request.on('error', fail);
    request.end(body);
  });
}
