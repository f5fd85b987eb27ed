import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Which wire format a request used. */
export type FakeWireFormat = 'openai' | 'anthropic' | 'google';

/** One request the server received, as parsed for scripting and assertions. */
export interface FakeRequest {
  /** 1-based position among all requests this server received. */
  number: number;
  format: FakeWireFormat;
  method: string;
  path: string;
  /** Lower-cased header names, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (`undefined` when it was not JSON). */
  body: unknown;
  /** The model id named by the request (body field, or the Gemini URL). */
  modelId: string;
  /** The system prompt, when the request carried one. */
  system?: string;
  /** The conversation, flattened to text per message (roles as each format names them). */
  messages: Array<{ role: string; text: string }>;
  /** `Date.now()` when the request's body had arrived. */
  receivedAt: number;
}

/** A scripted answer. `finishReason` is provider-neutral; the server writes each format's own word. */
export interface FakeAnswer {
  text: string;
  usage?: { inputTokens: number; outputTokens: number };
  finishReason?: 'stop' | 'length' | 'tool-calls' | 'content-filter';
  /** Model id the answer claims (default: the requested one). */
  modelId?: string;
  toolCalls?: Array<{ id: string; name: string; input: Record<string, unknown> }>;
}

/** A fault to answer with instead of an answer. */
export type FakeFault =
  /** 429 with the format's rate-limit body, and `retry-after` (seconds) and/or `retry-after-ms` when given. */
  | { kind: 'rate-limit'; retryAfterSeconds?: number; retryAfterMs?: number; retryAfterDate?: Date }
  /** A 5xx (default 500) with the format's server-error body. */
  | { kind: 'server-error'; status?: number }
  /** Anthropic's 529 overloaded_error (any format: the body is Anthropic's). */
  | { kind: 'overloaded' }
  /** Any status with the format's error body and this message. */
  | { kind: 'error'; status: number; message: string }
  /** Never answers; the request stays open until the client gives up or `close()`. */
  | { kind: 'hang' }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed-json' }
  /** The socket is destroyed without a response. */
  | { kind: 'drop' };

export interface FakeProviderServerOptions {
  /** The answer to a request (default: echo of the last message's text); a promise delays it. */
  answer?: (request: FakeRequest) => string | FakeAnswer | Promise<string | FakeAnswer>;
  /** Faults by request number (1-based). */
  faults?: Record<number, FakeFault>;
  /** Faults chosen by a function of the request; consulted after `faults`. */
  fault?: (request: FakeRequest) => FakeFault | undefined;
}

export interface FakeProviderServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The base URL each SDK provider expects (its `baseURL` option). */
  baseURLs: Record<FakeWireFormat, string>;
  /** Every request received so far, in order. */
  requests: FakeRequest[];
  /** Stops listening and ends every connection, hung requests included. */
  close(): Promise<void>;
}

const GEMINI_PATH = /^\/v1beta\/models\/(.+):generateContent$/;

function formatOf(path: string): FakeWireFormat | undefined {
  if (path === '/v1/chat/completions') return 'openai';
  if (path === '/v1/messages') return 'anthropic';
  if (GEMINI_PATH.test(path)) return 'google';
  return undefined;
}

type Json = Record<string, unknown>;

function asRecord(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Text of a content field that is a string or a list of `{text}` parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((part) => asRecord(part).text)
    .filter((text): text is string => typeof text === 'string')
    .join('');
}

function conversationOf(format: FakeWireFormat, body: Json): Pick<FakeRequest, 'system' | 'messages'> {
  if (format === 'openai') {
    const messages = asArray(body.messages).map((entry) => ({ role: String(asRecord(entry).role), text: textOf(asRecord(entry).content) }));
    const system = messages.find((message) => message.role === 'system' || message.role === 'developer');
    return {
      ...(system ? { system: system.text } : {}),
      messages: messages.filter((message) => message !== system),
    };
  }
  if (format === 'anthropic') {
    const messages = asArray(body.messages).map((entry) => ({ role: String(asRecord(entry).role), text: textOf(asRecord(entry).content) }));
    return { ...(body.system === undefined ? {} : { system: textOf(body.system) }), messages };
  }
  const messages = asArray(body.contents).map((entry) => ({ role: String(asRecord(entry).role), text: textOf(asRecord(entry).parts) }));
  const instruction = asRecord(body.systemInstruction);
  return { ...(instruction.parts === undefined ? {} : { system: textOf(instruction.parts) }), messages };
}

const FINISH_WORDS: Record<FakeWireFormat, Record<NonNullable<FakeAnswer['finishReason']>, string>> = {
  openai: { stop: 'stop', length: 'length', 'tool-calls': 'tool_calls', 'content-filter': 'content_filter' },
  anthropic: { stop: 'end_turn', length: 'max_tokens', 'tool-calls': 'tool_use', 'content-filter': 'refusal' },
  google: { stop: 'STOP', length: 'MAX_TOKENS', 'tool-calls': 'STOP', 'content-filter': 'SAFETY' },
};

function answerBody(format: FakeWireFormat, request: FakeRequest, answer: FakeAnswer): Json {
  const usage = answer.usage ?? { inputTokens: 10, outputTokens: 5 };
  const modelId = answer.modelId ?? request.modelId;
  const finish = FINISH_WORDS[format][answer.finishReason ?? (answer.toolCalls?.length ? 'tool-calls' : 'stop')];
  const toolCalls = answer.toolCalls ?? [];
  if (format === 'openai') {
    return {
      id: `chatcmpl-${request.number}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: modelId,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: answer.text,
            ...(toolCalls.length
              ? { tool_calls: toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.input) } })) }
              : {}),
          },
          finish_reason: finish,
        },
      ],
      usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
    };
  }
  if (format === 'anthropic') {
    return {
      id: `msg_${request.number}`,
      type: 'message',
      role: 'assistant',
      model: modelId,
      content: [
        { type: 'text', text: answer.text },
        ...toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: call.input })),
      ],
      stop_reason: finish,
      stop_sequence: null,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
  }
  return {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [{ text: answer.text }, ...toolCalls.map((call) => ({ functionCall: { id: call.id, name: call.name, args: call.input } }))],
        },
        finishReason: finish,
      },
    ],
    usageMetadata: {
      promptTokenCount: usage.inputTokens,
      candidatesTokenCount: usage.outputTokens,
      totalTokenCount: usage.inputTokens + usage.outputTokens,
    },
    modelVersion: modelId,
    responseId: `g-${request.number}`,
  };
}

/** Each provider's own error body for a status. */
function errorBody(format: FakeWireFormat, status: number, message: string): Json {
  if (format === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status === 401 ? 'authentication_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  }
  if (format === 'google') {
    const googleStatus = status === 429 ? 'RESOURCE_EXHAUSTED' : status === 401 ? 'UNAUTHENTICATED' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
    return { error: { code: status, message, status: googleStatus } };
  }
  const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null } };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A real HTTP server on 127.0.0.1 (port 0) that speaks the non-streaming OpenAI chat
 * completions, Anthropic messages and Gemini generateContent formats, answers as scripted and
 * fails on demand. Tests point the unmodified AI SDK providers at it through `baseURL`.
 */
export async function startFakeProviderServer(options: FakeProviderServerOptions = {}): Promise<FakeProviderServer> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  const answer = options.answer ?? ((request: FakeRequest) => request.messages.at(-1)?.text ?? '');

  const server = createServer((incoming, response) => {
    void (async () => {
      const path = (incoming.url ?? '/').split('?')[0] ?? '/';
      const format = formatOf(path);
      const text = await readBody(incoming);
      if (incoming.method !== 'POST' || format === undefined) {
        sendJson(response, 404, { error: { message: `no route ${incoming.method} ${path}` } });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const fields = asRecord(body);
      const geminiModel = GEMINI_PATH.exec(path)?.[1];
      const request: FakeRequest = {
        number: requests.length + 1,
        format,
        method: incoming.method,
        path,
        headers: incoming.headers,
        body,
        modelId: geminiModel !== undefined ? decodeURIComponent(geminiModel) : String(fields.model ?? ''),
        ...conversationOf(format, fields),
        receivedAt: Date.now(),
      };
      requests.push(request);

      const fault = options.faults?.[request.number] ?? options.fault?.(request);
      if (fault !== undefined) {
        switch (fault.kind) {
          case 'rate-limit': {
            const headers: Record<string, string> = {};
            if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
            if (fault.retryAfterDate !== undefined) headers['retry-after'] = fault.retryAfterDate.toUTCString();
            if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
            sendJson(response, 429, errorBody(format, 429, 'Rate limit reached for requests'), headers);
            return;
          }
          case 'server-error':
            sendJson(response, fault.status ?? 500, errorBody(format, fault.status ?? 500, 'The server had an error while processing your request.'));
            return;
          case 'overloaded':
            sendJson(response, 529, errorBody('anthropic', 529, 'Overloaded'));
            return;
          case 'error':
            sendJson(response, fault.status, errorBody(format, fault.status, fault.message));
            return;
          case 'hang':
            return; // left open: close() ends it
          case 'malformed-json':
            response.writeHead(200, { 'content-type': 'application/json' });
            response.end('{"id": "broken", "choices": [');
            return;
          case 'drop':
            incoming.socket.destroy();
            return;
        }
      }
      const scripted = await answer(request);
      sendJson(response, 200, answerBody(format, request, typeof scripted === 'string' ? { text: scripted } : scripted));
    })().catch((error: unknown) => {
      // A bug in a test's script: answer 500 with the reason rather than leave the client waiting.
      if (!response.headersSent) sendJson(response, 500, { error: { message: `fake server script failed: ${String(error)}` } });
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURLs: { openai: `${url}/v1`, anthropic: `${url}/v1`, google: `${url}/v1beta` },
    requests,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}
