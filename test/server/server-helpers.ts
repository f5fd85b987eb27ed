import { createServer, type CreateServerOptions, type SandbenchServer } from '../../src/server/create-server.ts';

/** A server listening on 127.0.0.1 at a free port, with a small HTTP client for it. */
export interface TestServer {
  server: SandbenchServer;
  base: string;
  /** Send a request; JSON bodies are encoded unless `raw` is given. */
  call(method: string, path: string, options?: { json?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> }): Promise<TestResponse>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: any;
}

/** Start a server over real HTTP; `await using`-free: call `server.close()` in `afterAll`. */
export async function startTestServer(options: CreateServerOptions = {}): Promise<TestServer> {
  const server = await createServer({ ...options, config: { port: 0, warmLanguages: [], ...options.config } });
  const base = await server.listen();
  const call: TestServer['call'] = async (method, path, request = {}) => {
    const headers: Record<string, string> = { ...request.headers };
    let body: string | Uint8Array | undefined;
    if (request.raw !== undefined) body = request.raw;
    else if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  };
  return { server, base, call };
}
