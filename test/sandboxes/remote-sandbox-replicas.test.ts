// How the remote backend treats replicas that cannot serve a language, and fixed per-URL slots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteSandbox } from '../../src/sandboxes/remote-sandbox.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { startTestServer, type TestServer } from '../server/server-helpers.ts';

const docker = await dockerForTests();

describe('the remote backend and its replicas', () => {
  let engineless: TestServer;
  beforeAll(async () => {
    // A replica whose Docker backend has no engine (an isolate-only replica): Python gets 503 sandbox-unavailable.
    engineless = await startTestServer({ sandboxes: new SandboxSet(undefined, { dockerEngines: [{ address: 'unix:///nonexistent/sandbench-test.sock' }] }) });
  });
  afterAll(async () => {
    await engineless?.server.close();
  });

  it('counts a replica without the backend as a fault, and gives up instead of waiting forever', async () => {
    const answer = await engineless.call('POST', '/v1/execute', { json: { language: 'python', code: 'print(1)' } });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: { code: 'sandbox-unavailable' } });
    const remote = new RemoteSandbox({ urls: [engineless.base], failureBackoffMs: 50 });
    try {
      await expect(remote.run({ language: 'python', source: 'print(1)' })).rejects.toThrow(/every attempt at the execution failed \(3\).*503/);
      // The same replica still serves what it can.
      expect((await remote.run({ language: 'javascript', source: 'console.log(2)' })).stdout).toBe('2\n');
    } finally {
      await remote.dispose();
    }
  }, 60_000);

  it.skipIf(!docker.available)('sends the execution to a replica that has the backend', async () => {
    const whole = await startTestServer();
    const remote = new RemoteSandbox({ urls: [engineless.base, whole.base], failureBackoffMs: 50 });
    try {
      for (let index = 0; index < 4; index += 1) {
        const result = await remote.run({ language: 'python', source: `print(${index})` });
        expect(result.stdout).toBe(`${index}\n`);
      }
    } finally {
      await remote.dispose();
      await whole.server.close();
    }
  }, 120_000);

  it('takes a fixed number of slots from a URL\'s #slots=N (one Service URL in front of many replicas), and refuses other fragments', async () => {
    const remote = new RemoteSandbox({ urls: [`${engineless.base}#slots=24`, engineless.base] });
    try {
      await remote.warmUp(['javascript']);
      // The fragment's slots stay; the plain URL takes the replica's own concurrency from /healthz.
      expect(await remote.describe()).toEqual({ replicas: [engineless.base, engineless.base], slots: [24, engineless.server.config.queue.concurrency] });
      expect((await remote.run({ language: 'javascript', source: 'console.log(3)' })).stdout).toBe('3\n');
    } finally {
      await remote.dispose();
    }
    expect(() => new RemoteSandbox({ urls: [`${engineless.base}#slot=2`] })).toThrow(/#slot=2: the only option a service URL takes is #slots=<n>/);
    expect(() => new RemoteSandbox({ urls: [`${engineless.base}#slots=0`] })).toThrow(/#slots=0: the only option a service URL takes is #slots=<n>/);
  });
});
