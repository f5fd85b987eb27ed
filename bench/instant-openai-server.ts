/**
 * A local OpenAI-compatible chat-completions server that answers every request at once, for
 * bench/harness-overhead.ts: it prints its base URL on stdout, then serves until killed. The
 * answer is the function the overhead bench's tasks ask for, in a fenced block.
 */
import { createServer } from 'node:http';

const answer = 'Here is the function:\n\n```javascript\nfunction double(x) {\n  return 2 * x;\n}\n```\n';
const body = (model: string): string =>
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
  });

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let model = 'instant';
    try {
      model = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model?: string }).model ?? model;
    } catch {
      // Any body gets the same answer.
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body(model));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`http://127.0.0.1:${address.port}/v1\n`);
});
