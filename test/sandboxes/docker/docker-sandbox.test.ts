import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../../../src/errors/sandbench-error.ts';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { OWNER_PID_LABEL } from '../../../src/sandboxes/docker/create-container.ts';
import { loadRuntimeProfiles } from '../../../src/runtimes/runtime-profiles.ts';
import { executionResultSchema } from '../../../src/schemas/execution-result.ts';
import { HOSTNAME_PROGRAM, dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

describe.skipIf(!engine.available)('DockerSandbox', () => {
  let sandbox: DockerSandbox;

  beforeAll(() => {
    sandbox = new DockerSandbox({ poolSize: 1, maxUsesPerContainer: 5 });
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  async function hostname(): Promise<string> {
    const result = await sandbox.run({ language: 'python', source: HOSTNAME_PROGRAM });
    expect(result.status).toBe('ok');
    return result.stdout.trim();
  }

  it('serves the languages whose profile lists docker', () => {
    const expected = [...loadRuntimeProfiles().values()].filter((p) => p.backends.includes('docker')).map((p) => p.language);
    expect([...sandbox.capabilities.languages].sort()).toEqual(expected.sort());
    expect(sandbox.capabilities).toMatchObject({ processes: true, filesystem: true });
    expect(sandbox.name).toBe('docker');
  });

  for (const profile of [...loadRuntimeProfiles().values()].filter((p) => p.backends.includes('docker'))) {
    it(`runs the ${profile.language} smoke program (prints OK)`, async () => {
      const source = readFileSync(join(profile.folder, profile.smoke), 'utf8');
      const result = await sandbox.run({ language: profile.language, source });
      expect(executionResultSchema.parse(result)).toBeTruthy();
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('OK');
      expect(result.status).toBe('ok');
      expect(result.backend).toBe('docker');
    });
  }

  it('feeds stdin, passes extra files, reports exit codes and collected files', async () => {
    const result = await sandbox.run({
      language: 'python',
      source: 'import sys\ndata = open("lib/data.txt").read()\nopen("out.txt", "w").write(data + sys.stdin.read())\nprint("done")\nsys.exit(3)',
      stdin: 'from stdin',
      files: { 'lib/data.txt': 'from file, ' },
      collectFiles: ['out.txt', 'missing.txt'],
    });
    expect(result.status).toBe('runtime-error');
    expect(result.exitCode).toBe(3);
    expect(result.message).toBe('exit code 3');
    expect(result.stdout).toBe('done\n');
    expect(result.files).toEqual([
      { path: 'out.txt', contentBase64: Buffer.from('from file, from stdin').toString('base64') },
      { path: 'missing.txt', error: 'not found' },
    ]);
  });

  it('prints a Python traceback exactly as python3 main.py does (forked runner)', async () => {
    const result = await sandbox.run({ language: 'python', source: 'def f():\n    raise ValueError("boom")\nf()\n' });
    expect(result.status).toBe('runtime-error');
    expect(result.stderr).toBe(
      'Traceback (most recent call last):\n' +
        '  File "/work/job/main.py", line 3, in <module>\n    f()\n' +
        '  File "/work/job/main.py", line 2, in f\n    raise ValueError("boom")\n' +
        'ValueError: boom\n',
    );
  });

  it('typing comes from the fork server after its first job, and the fork server stays the same', async () => {
    const source = [
      'import os, sys',
      'forks = [pid for pid in os.listdir("/proc") if pid.isdigit() and open("/proc/%s/comm" % pid).read() == "sandbench-forks\\n"]',
      'import typing',
      'print(forks, type(sys.meta_path[0]).__name__, "typing" in sys.modules)',
    ].join('\n');
    const lines: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const result = await sandbox.run({ language: 'python', source, limits: { memoryBytes: 200 * 1024 * 1024 } });
      expect(result.status).toBe('ok');
      lines.push(result.stdout.trim());
    }
    // A new pool (its own container): the first job comes before the preload.
    expect(lines[0]).toMatch(/^\['\d+'\] type True$/);
    expect(lines.slice(1)).toEqual([1, 2, 3].map(() => lines[0]!.replace('type', 'PreloadFinder')));
  });

  it('reuses a warm container for clean jobs and replaces it after maxUsesPerContainer', async () => {
    const first = await hostname();
    const names = [first];
    for (let index = 0; index < 6; index += 1) names.push(await hostname());
    // 5 uses per container: the pool moved on to a new container at least once.
    expect(new Set(names).size).toBeGreaterThanOrEqual(2);
    expect(names.filter((name) => name === names[names.length - 1]).length).toBeLessThanOrEqual(5);
  });

  it('keys pools by container-level limits: a bigger memory limit gets its own container', async () => {
    const small = await hostname();
    const big = await sandbox.run({ language: 'python', source: HOSTNAME_PROGRAM, limits: { memoryBytes: 512 * 1024 * 1024 } });
    expect(big.status).toBe('ok');
    expect(big.stdout.trim()).not.toBe(small);
    const allocate = await sandbox.run({
      language: 'python',
      source: 'x = bytearray(400 * 1024 * 1024)\nprint(len(x))',
      limits: { memoryBytes: 512 * 1024 * 1024 },
    });
    expect(allocate.status).toBe('ok');
  });

  it('TypeScript that does not transpile is a compile-error without touching a container', async () => {
    const offline = new DockerSandbox({ docker: new (await import('dockerode')).default({ socketPath: '/nonexistent.sock' }) });
    try {
      const result = await offline.run({ language: 'typescript', source: 'const x: number = ;\n' });
      expect(result.status).toBe('compile-error');
      expect(result.compile?.status).toBe('compile-error');
      expect(result.stderr).toMatch(/main\.ts\(1,/);
    } finally {
      await offline.dispose();
    }
  });

  it('a runner killed from outside mid-job: runtime-error (not a sandbox error), then a healthy container', async () => {
    const docker = createDockerClient();
    const job = sandbox.run({ language: 'python', source: 'import time\nprint("started", flush=True)\ntime.sleep(20)' });
    // Find this process's busy container and kill it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const mine = await docker.listContainers({ filters: { label: [`${OWNER_PID_LABEL}=${process.pid}`] } });
    await Promise.all(mine.map((info) => docker.getContainer(info.Id).kill().catch(() => {})));
    const result = await job;
    expect(result.status).toBe('runtime-error');
    expect(result.message).toMatch(/killed the sandbox runner/);
    expect((await sandbox.run({ language: 'python', source: 'print(1)' })).stdout).toBe('1\n');
  });

  it('an aborted job is a timeout that says so, and its container is replaced', async () => {
    const controller = new AbortController();
    const job = sandbox.run({ language: 'python', source: 'import time\ntime.sleep(20)', signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const result = await job;
    expect(result.status).toBe('timeout');
    expect(result.message).toMatch(/cancelled/);
    expect((await sandbox.run({ language: 'python', source: 'print(2)' })).stdout).toBe('2\n');
  });

  it('a missing image is a SandboxError image-missing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sandbench-profiles-'));
    try {
      mkdirSync(join(root, 'python'));
      writeFileSync(
        join(root, 'python', 'profile.json'),
        JSON.stringify({
          language: 'python',
          backends: ['docker'],
          image: 'sandbench-no-such-image',
          sourceFile: 'main.py',
          run: { command: ['python3', 'main.py'] },
          smoke: 'smoke.py',
        }),
      );
      const broken = new DockerSandbox({ profilesRoot: root });
      try {
        const error = await broken.run({ language: 'python', source: 'print(1)' }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(SandboxError);
        expect((error as SandboxError).code).toBe('image-missing');
        expect((error as SandboxError).message).toMatch(/sandbench-no-such-image/);
      } finally {
        await broken.dispose();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('dispose removes every container it made and is idempotent', async () => {
    const docker = createDockerClient();
    const own = new DockerSandbox({ poolSize: 2 });
    await own.warmUp(['python']);
    expect((await own.run({ language: 'python', source: 'print(3)' })).stdout).toBe('3\n');
    const ids = own.containerIds();
    expect(ids).toHaveLength(2);
    await Promise.all([own.dispose(), own.dispose()]);
    await own.dispose();
    const left = await docker.listContainers({ all: true, filters: { label: [`${OWNER_PID_LABEL}=${process.pid}`] } });
    expect(left.map((info) => info.Id).filter((id) => ids.includes(id))).toEqual([]);
    await expect(own.run({ language: 'python', source: 'print(4)' })).rejects.toBeInstanceOf(SandboxError);
  });
});
