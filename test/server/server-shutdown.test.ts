import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './server-helpers.ts';

describe('closing the service', () => {
  // HTTP clients open connections ahead of use (undici does after an aborted streaming request):
  // Node counts a connection that never sent a request as neither idle nor busy, and keeps it
  // until its header timeout (~70 s). close() must not wait for such a connection.
  it('does not wait for a connection that never sent a request', async () => {
    const t = await startTestServer();
    const { port } = new URL(t.base);
    const silent: Socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => silent.once('connect', resolve).once('error', reject));
    const ended = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    // A keep-alive connection that did serve a request is closed too.
    expect((await t.call('GET', '/v1/runtimes')).status).toBe(200);
    await t.server.close();
    await ended;
    expect(silent.destroyed).toBe(true);
  }, 30_000);
});
