import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEpisodeSample } from '../../src/harness/run-episode-sample.ts';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { silentLogger } from '../../src/logging/silent-logger.ts';
import { ScriptedModel } from '../../src/models/scripted-model.ts';
import { OWNER_PID_LABEL } from '../../src/sandboxes/docker/container-owner.ts';
import { SANDBENCH_LABEL } from '../../src/sandboxes/docker/create-container.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';
import type { SampleResult } from '../../src/schemas/sample-result.ts';
import { taskSchema, type Task, type TaskInput } from '../../src/schemas/task.ts';
import { dockerForTests } from '../helpers/docker-available.ts';

const docker = await dockerForTests();

/** sandbench containers of this process on the engine, by id (other processes share the engine). */
async function sandbenchContainers(): Promise<Set<string>> {
  const list = await createDockerClient().listContainers({ all: true, filters: { label: [`${SANDBENCH_LABEL}=1`, `${OWNER_PID_LABEL}=${process.pid}`] } });
  return new Set(list.map((info) => info.Id));
}

describe.skipIf(!docker.available)('hostile agents: every tool call contained and recorded, no container left', () => {
  let sandboxes: SandboxSet;
  let listener: Server;
  let port = 0;
  let connections = 0;
  let secretFolder: string;
  beforeAll(async () => {
    sandboxes = new SandboxSet('docker');
    listener = createServer((socket) => {
      connections += 1;
      socket.end('host service\n');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
    secretFolder = await mkdtemp(join(tmpdir(), 'sandbench-host-secret-'));
    await writeFile(join(secretFolder, 'secret.txt'), 'HOST-SECRET-7d1f\n');
  });
  afterAll(async () => {
    await sandboxes?.dispose();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    await rm(secretFolder, { recursive: true, force: true });
  });

  function task(overrides: Partial<TaskInput> = {}): Task {
    return taskSchema.parse({
      id: 'hostile',
      kind: 'agent',
      language: 'python',
      prompt: 'Do as you are told.',
      files: { 'notes.txt': 'keep me\n' },
      tools: ['bash', 'python', 'read_file', 'write_file', 'submit'],
      toolLimits: { timeoutMs: 3000, maxOutputBytes: 4096 },
      scorers: [{ answer: { equals: 'ok' } }],
      ...overrides,
    });
  }

  /** One episode whose model makes these calls, one per turn, then submits `ok`. */
  async function episode(commands: Array<{ name: string; arguments: Record<string, unknown> | string }>, overrides: Partial<TaskInput> = {}): Promise<SampleResult> {
    const turns = [...commands.map((call) => ({ tool_calls: [call] })), { tool_calls: [{ name: 'submit', arguments: { answer: 'ok' } }] }];
    const model = ScriptedModel.parse(JSON.stringify({ task_id: 'hostile', turns }), 'hostile.jsonl');
    const before = await sandbenchContainers();
    const sample = await runEpisodeSample(task(overrides), 0, {
      model,
      sandboxes,
      request: {},
      modelLane: pLimit(1),
      episodeLane: pLimit(1),
      logger: silentLogger,
    });
    // The episode's container is gone once the sample is recorded.
    const after = await sandbenchContainers();
    expect([...after].filter((id) => !before.has(id))).toEqual([]);
    return sample;
  }

  const bash = (command: string) => ({ name: 'bash', arguments: { command } });

  it('the container check sees an episode container while it lives (so "none left" means something)', async () => {
    const before = await sandbenchContainers();
    const sandbox = await sandboxes.named('docker');
    const session = await sandbox.openSession!({ language: 'python' });
    try {
      expect((await sandbenchContainers()).size).toBe(before.size + 1);
    } finally {
      await session.dispose();
    }
    expect(await sandbenchContainers()).toEqual(before);
  });

  it('network: no connection reaches the host or anywhere else', async () => {
    const sample = await episode([
      { name: 'python', arguments: { code: `import socket\nsocket.create_connection(("127.0.0.1", ${port}), 2)\nprint("connected")` } },
      { name: 'python', arguments: { code: 'import socket\nsocket.create_connection(("1.1.1.1", 53), 2)\nprint("connected")' } },
      bash('echo still here'),
    ]);
    const calls = sample.episode!.toolCalls;
    expect(calls.slice(0, 2).map((call) => call.status)).toEqual(['error', 'error']);
    for (const call of calls.slice(0, 2)) expect(call.output).not.toContain('connected\n');
    expect(calls[2]).toMatchObject({ status: 'ok', output: 'still here\n' });
    expect(connections).toBe(0);
    expect(sample.episode!.stopReason).toBe('submitted');
    expect(sample.outcome).toBe('passed');
  });

  it('host files: the repository and host temp files are not visible', async () => {
    const sample = await episode([
      { name: 'read_file', arguments: { path: join(secretFolder, 'secret.txt') } },
      bash(`ls ${process.cwd()} 2>&1; cat /proc/1/environ 2>&1 | head -c 200; grep -r HOST-SECRET / 2>/dev/null | head -3; echo end`),
    ]);
    const [read, look] = sample.episode!.toolCalls;
    expect(read!.status).toBe('error');
    expect(read!.output).toMatch(/No such file/);
    expect(look!.output).not.toContain('HOST-SECRET');
    expect(look!.output).not.toContain('package.json');
  });

  it('a fork bomb ends within its limits and the next call works', async () => {
    const sample = await episode([bash(':(){ :|:& };: 2>/dev/null; sleep 1; echo bombed'), bash('echo alive')]);
    const [bomb, alive] = sample.episode!.toolCalls;
    expect(['ok', 'error', 'timeout']).toContain(bomb!.status);
    expect(alive).toMatchObject({ status: 'ok', output: 'alive\n' });
  });

  it('filling the disk fails as data, the files stay, the next call works', async () => {
    const sample = await episode([bash('dd if=/dev/zero of=big bs=1M count=4096 2>&1 | tail -1; echo exit=$?'), bash('rm -f big; cat notes.txt')]);
    const [fill, after] = sample.episode!.toolCalls;
    expect(fill!.output).toMatch(/No space left|exit=/);
    expect(after).toMatchObject({ status: 'ok', output: 'keep me\n' });
  });

  it('printing 100 MB is stopped at the output limit and capped for the model', async () => {
    const sample = await episode([bash("head -c 100000000 /dev/zero | tr '\\0' x"), bash('echo after')]);
    const [loud, after] = sample.episode!.toolCalls;
    expect(loud!.status).toBe('output-limit');
    expect(loud!.truncated).toBe(true);
    expect(Buffer.byteLength(loud!.output)).toBeLessThan(4096 + 200);
    expect(after!.status).toBe('ok');
  });

  it('sleeping past the tool limit is a timeout, and a background process does not outlive its call', async () => {
    const sample = await episode([bash('sleep 30'), bash('(sleep 300 &) ; sleep 0.2; cat /proc/[0-9]*/comm 2>/dev/null | grep -c "^sleep$"'), bash('cat /proc/[0-9]*/comm 2>/dev/null | grep -c "^sleep$" || true')]);
    const [sleeper, background, count] = sample.episode!.toolCalls;
    expect(sleeper!.status).toBe('timeout');
    // The same call sees its background sleep; the next call does not.
    expect(background!.status).toBe('ok');
    expect(Number(background!.output.trim())).toBeGreaterThanOrEqual(1);
    expect(count!.output.trim()).toBe('0');
  });

  it('a model that calls tools forever ends at its tool-call budget', async () => {
    const forever = Array.from({ length: 40 }, () => bash('true'));
    const sample = await episode(forever, { budget: { maxToolCalls: 6, maxTurns: 100 } });
    expect(sample.episode!.stopReason).toBe('max-tool-calls');
    expect(sample.episode!.toolCalls.filter((call) => call.status === 'ok')).toHaveLength(6);
    expect(sample.outcome).toBe('failed');
  });

  it('unknown tools and invalid arguments are answered and recorded; the episode goes on', async () => {
    const sample = await episode([
      { name: 'shell', arguments: { command: 'id' } },
      { name: 'bash', arguments: '{"command": ' },
      { name: 'bash', arguments: { cmd: 'id' } },
      { name: 'write_file', arguments: { path: 'x.txt' } },
    ]);
    expect(sample.episode!.toolCalls.map((call) => call.status)).toEqual(['unknown-tool', 'invalid-arguments', 'invalid-arguments', 'invalid-arguments', 'ok']);
    expect(sample.episode!.stopReason).toBe('submitted');
    expect(sample.outcome).toBe('passed');
  });
});
