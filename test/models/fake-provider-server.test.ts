import { describe, expect, it } from 'vitest';
import { startFakeProviderServer } from '../support/fake-provider-server.ts';

// The fake server is what the provider tests trust: its own recording and shutdown are checked here.
describe('fake provider server', () => {
  it('records path, headers and parsed body, and answers 404 to an unknown route', async () => {
    const server = await startFakeProviderServer({ answer: (request) => `you said ${request.messages.at(-1)?.text}` });
    try {
      const response = await fetch(`${server.baseURLs.openai}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer abc' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'hi' }] }),
      });
      const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0]?.message.content).toBe('you said hi');
      expect(server.requests).toEqual([
        expect.objectContaining({
          number: 1,
          format: 'openai',
          path: '/v1/chat/completions',
          modelId: 'm',
          system: 's',
          messages: [{ role: 'user', text: 'hi' }],
          headers: expect.objectContaining({ authorization: 'Bearer abc' }),
        }),
      ]);
      expect((await fetch(`${server.url}/v1/responses`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('close() ends a hung request whose client still waits', async () => {
    const server = await startFakeProviderServer({ fault: () => ({ kind: 'hang' }) });
    const pending = fetch(`${server.baseURLs.anthropic}/messages`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await server.close();
    await expect(pending).rejects.toThrow();
  });
});
