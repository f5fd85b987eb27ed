import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import type { Task } from '../../src/schemas/task.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { datasets, hasData, repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startFakeProviderServer, type FakeProviderServer, type FakeRequest } from '../support/fake-provider-server.ts';

const docker = await dockerForTests();
const KEY = 'sk-local-test-0123456789abcdef';

let servers: FakeProviderServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

/** A folder with a config file naming the local server `local` (the shape), and a cache of its own. */
async function project(server: FakeProviderServer, modelSettings = ''): Promise<{ folder: string; env: NodeJS.ProcessEnv }> {
  const folder = await mkdtemp(join(tmpdir(), 'sandbench-providers-'));
  await writeFile(
    join(folder, 'sandbench.config.yaml'),
    [
      'providers:',
      '  local:                         # used as --model local:<model name>',
      '    type: openai-compatible',
      `    baseURL: ${server.baseURLs.openai}`,
      '    apiKeyEnv: LOCAL_API_KEY',
      ...(modelSettings ? ['models:', '  local:coder-7b:', ...modelSettings.split('\n').map((line) => `    ${line}`)] : []),
      '',
    ].join('\n'),
  );
  return { folder, env: { LOCAL_API_KEY: KEY, SANDBENCH_CACHE_DIR: join(folder, 'cache') } };
}

/** Answers each HumanEval task as chat models often do: the whole function again, in a fenced block. */
function wholeFunctionAnswers(tasks: readonly Task[]): (request: FakeRequest) => string {
  return (request) => {
    const text = request.messages.map((message) => message.text).join('\n');
    const task = tasks.find((candidate) => text.includes(candidate.codePrefix.trim()));
    if (!task) return 'I cannot tell which task this is.';
    return `Here is the complete function:\n\n\`\`\`python\n${task.codePrefix}${task.reference}\`\`\`\n\nIt handles the edge cases.`;
  };
}

async function everyFile(folder: string): Promise<string> {
  const names = await readdir(folder, { recursive: true });
  const texts = await Promise.all(names.map((name) => readFile(join(folder, name), 'utf8').catch(() => '')));
  return texts.join('\n');
}

describe.runIf(docker.available && hasData)('HumanEval through a local OpenAI-compatible server (Docker)', () => {
  it('164/164 with whole-function answers; again with 429s (Retry-After: 1) and 500s; the key appears nowhere', async () => {
    const tasks = (await loadSuite(datasets.humaneval)).tasks;
    const healthy = await startFakeProviderServer({ answer: wholeFunctionAnswers(tasks) });
    servers.push(healthy);
    const { folder, env } = await project(healthy);
    const out = join(folder, 'run');
    const result = await runCli(['run', datasets.humaneval, '--model', 'local:coder-7b', '--sandbox', 'docker', '--out', out, '--json'], { cwd: folder, env });
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ complete: true, samples: { planned: 164, passed: 164, modelErrors: 0, sandboxErrors: 0 } });
    expect(healthy.requests).toHaveLength(164);
    expect(healthy.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(await everyFile(out)).not.toContain(KEY);
    expect(result.stderr).not.toContain(KEY);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.modelInfo).toMatchObject({ type: 'openai-compatible', baseURL: healthy.baseURLs.openai, apiKeyVariable: 'LOCAL_API_KEY' });
    expect(manifest.backends.docker.images['sandbench-python:latest']).toMatch(/^sha256:/);

    const faulty = await startFakeProviderServer({
      answer: wholeFunctionAnswers(tasks),
      fault: (request) => (request.number % 3 === 0 ? { kind: 'rate-limit', retryAfterSeconds: 1 } : request.number % 7 === 0 ? { kind: 'server-error' } : undefined),
    });
    servers.push(faulty);
    const second = await project(faulty);
    const faultyRun = await runCli(['run', datasets.humaneval, '--model', 'local:coder-7b', '--sandbox', 'docker', '--out', join(second.folder, 'run'), '--json'], {
      cwd: second.folder,
      env: second.env,
    });
    expect(faultyRun.code).toBe(0);
    expect(JSON.parse(faultyRun.stdout)).toMatchObject({ complete: true, samples: { passed: 164, modelErrors: 0 } });
    // The faults were really served, and waited out.
    expect(faulty.requests.length).toBeGreaterThan(164 + 50);
    expect(faultyRun.stderr).toMatch(/retrying model \(attempt \d+/);
    const samples = (await readFile(join(second.folder, 'run', 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(samples.some((sample) => (sample.transcript.retries ?? 0) > 0)).toBe(true);
  });

  it('a server that always answers 500: 0 passed, modelErrors 164, exit 4; --resume against a healthy server completes it', async () => {
    const tasks = (await loadSuite(datasets.humaneval)).tasks;
    const down = await startFakeProviderServer({ fault: () => ({ kind: 'server-error' }) });
    servers.push(down);
    // One retry per sample keeps the test short; the default policy retries five times.
    const { folder, env } = await project(down, 'maxRetries: 1');
    const out = join(folder, 'run');
    const args = ['run', datasets.humaneval, '--model', 'local:coder-7b', '--sandbox', 'docker', '--out', out, '--model-concurrency', '16'];
    const failed = await runCli([...args, '--json'], { cwd: folder, env });
    expect(failed.code).toBe(4);
    expect(JSON.parse(failed.stdout)).toMatchObject({ complete: false, samples: { planned: 164, passed: 0, modelErrors: 164, sandboxErrors: 0 } });
    expect(failed.stderr).toMatch(/the run is incomplete: 164 of 164 samples were not scored \(engine errors 0, model errors 164; first: model error: .*500/);
    expect(failed.stderr).toMatch(/resume with: .* --resume --out /);
    expect(down.requests).toHaveLength(164 * 2);

    // The provider is back: the same config file now points at a healthy server.
    const healthy = await startFakeProviderServer({ answer: wholeFunctionAnswers(tasks) });
    servers.push(healthy);
    const config = (await readFile(join(folder, 'sandbench.config.yaml'), 'utf8')).replace(down.baseURLs.openai, healthy.baseURLs.openai);
    await writeFile(join(folder, 'sandbench.config.yaml'), config);
    const resumed = await runCli([...args, '--resume', '--json'], { cwd: folder, env });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ complete: true, samples: { passed: 164, modelErrors: 0 } });
  });
});

describe('a run killed midway (SIGKILL) against a local provider', () => {
  it('resumes to a journal holding every (task, sample) exactly once', async () => {
    const server = await startFakeProviderServer({
      answer: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        const text = request.messages.map((message) => message.text).join('\n');
        return text.includes('vowel') ? '```js\nconsole.log("not it")\n```' : 'I do not know.';
      },
    });
    servers.push(server);
    const { folder, env } = await project(server);
    const out = join(folder, 'run');
    const args = ['run', join(repoRoot, 'tasks', 'examples'), '--model', 'local:coder-7b', '--samples', '6', '--temperature', '0.5', '--out', out];
    const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), ...args], { cwd: folder, env: { ...process.env, ...env }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for (let waited = 0; waited < 60_000; waited += 20) {
      const lines = (await readFile(join(out, 'samples.jsonl'), 'utf8').catch(() => '')).split('\n').length - 1;
      if (lines >= 12) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const before = (await readFile(join(out, 'samples.jsonl'), 'utf8')).split('\n').filter((line) => line.trim() !== '').length;
    expect(before).toBeGreaterThanOrEqual(12);
    expect(before).toBeLessThan(60);

    const resumed = await runCli([...args, '--resume', '--json'], { cwd: folder, env });
    expect(resumed.stderr).not.toMatch(/internal error/);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ complete: true, samples: { planned: 60, scored: 60 } });
    const keys = (await readFile(join(out, 'samples.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((sample) => `${sample.taskId}#${sample.sampleIndex}`);
    expect(keys).toHaveLength(60);
    expect(new Set(keys).size).toBe(60);
    // Only what the journal lacked was asked again (a sample in flight at the kill may be asked twice).
    expect(server.requests.length).toBeLessThanOrEqual(60 + 12);
  });
});
