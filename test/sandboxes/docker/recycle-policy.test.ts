import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import type { SandboxRunRequest } from '../../../src/sandboxes/sandbox.ts';
import type { Language } from '../../../src/schemas/task.ts';
import { HOSTNAME_PROGRAM, dockerTestEnvironment, runFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** Prints the container's hostname (its id prefix), per language. */
const HOSTNAME: Partial<Record<Language, string>> = {
  python: HOSTNAME_PROGRAM,
  c: '#include <stdio.h>\n#include <unistd.h>\nint main(void) { char name[256]; gethostname(name, sizeof name); puts(name); return 0; }\n',
};

describe.skipIf(!engine.available)('Docker sandbox: when a container is replaced (default policy)', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    // One container per pool, so that "the same hostname" means "the same container".
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['python']);
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  async function hostname(language: Language = 'python', limits?: SandboxRunRequest['limits']): Promise<string> {
    // Pools are keyed by container-level limits: ask the pool the job under test used.
    const result = await sandbox.run({ language, source: HOSTNAME[language]!, ...(limits ? { limits } : {}) });
    expect(result.status).toBe('ok');
    return result.stdout.trim();
  }

  it('a sequence of wrong Python answers (exception, exit code, syntax error, failed assertion) reuses one container', async () => {
    const before = await hostname();
    const answers: Array<[Omit<SandboxRunRequest, 'language'>, string]> = [
      [{ source: 'raise ValueError("wrong")' }, 'runtime-error'],
      [{ source: 'import sys\nprint("partial")\nsys.exit(3)' }, 'runtime-error'],
      [{ source: 'def f(:\n    pass' }, 'runtime-error'],
      [{ source: 'def add(a, b):\n    return a - b\n', testCode: 'assert add(2, 3) == 5\n' }, 'runtime-error'],
      [{ source: 'import os\nos._exit(1)' }, 'runtime-error'],
    ];
    for (const [request, status] of answers) {
      const result = await sandbox.run({ language: 'python', ...request });
      expect({ source: request.source, status: result.status }).toEqual({ source: request.source, status });
      expect(await hostname()).toBe(before);
    }
  });

  it('wrong C answers (compile error, crash, exit code) reuse one container', async () => {
    const before = await hostname('c');
    const answers: Array<[string, string]> = [
      ['int main(void) { return missing; }\n', 'compile-error'],
      ['int main(void) { volatile int *p = 0; return *p; }\n', 'runtime-error'],
      ['int main(void) { return 2; }\n', 'runtime-error'],
    ];
    for (const [source, status] of answers) {
      const result = await sandbox.run({ language: 'c', source });
      expect({ source, status: result.status }).toEqual({ source, status });
      expect(await hostname('c')).toBe(before);
    }
  });

  const smallMemory = { memoryBytes: 64 * 1024 * 1024 };
  const triggers: Array<[string, () => Promise<unknown>, SandboxRunRequest['limits']?]> = [
    ['a timeout', () => sandbox.run({ language: 'python', source: 'while True:\n    pass', limits: { timeoutMs: 500 } })],
    ['a memory limit (OOM kill)', () => runFixture(sandbox, 'memory-bomb.py')],
    ['a memory limit (peak size)', () => runFixture(sandbox, 'just-over-limit.py', { limits: smallMemory }), smallMemory],
    ['an output limit', () => runFixture(sandbox, 'output-flood.py', { limits: { maxOutputBytes: 10_000 } })],
    ['processes left behind', () => runFixture(sandbox, 'background-process.py')],
    ['a full disk', () => runFixture(sandbox, 'disk-fill.py')],
    ['IPC objects left behind', () => runFixture(sandbox, 'ipc-leftover.py')],
    ["a change to the runner's limits", () => runFixture(sandbox, 'tamper.py', { stdin: 'runner rlimit:NOFILE' })],
  ];
  for (const [trigger, job, limits] of triggers) {
    it(`${trigger} replaces the container`, async () => {
      const before = await hostname('python', limits);
      await job();
      expect(await hostname('python', limits)).not.toBe(before);
    });
  }

  it('the IPC leftover fixture is judged ok (the job did nothing wrong by its own measure)', async () => {
    const result = await runFixture(sandbox, 'ipc-leftover.py');
    expect(result.status).toBe('ok');
    expect(result.stdout).toBe('left a shared memory segment\n');
  });
});

describe.skipIf(!engine.available)('Docker sandbox: other recycle settings', () => {
  it('every N jobs: maxUsesPerContainer replaces a container that only ran clean jobs', async () => {
    const sandbox = new DockerSandbox({ poolSize: 1, maxUsesPerContainer: 3 });
    try {
      const names: string[] = [];
      for (let index = 0; index < 4; index += 1) {
        const result = await sandbox.run({ language: 'python', source: HOSTNAME_PROGRAM });
        names.push(result.stdout.trim());
      }
      expect(names.slice(0, 3)).toEqual([names[0], names[0], names[0]]);
      expect(names[3]).not.toBe(names[0]);
    } finally {
      await sandbox.dispose();
    }
  });

  it('the cautious policy (on-failure) still replaces a container after a wrong answer', async () => {
    const sandbox = new DockerSandbox({ poolSize: 1, recycleOn: ['timeout', 'memory-limit', 'output-limit', 'runtime-error', 'compile-error', 'signal'] });
    try {
      const before = (await sandbox.run({ language: 'python', source: HOSTNAME_PROGRAM })).stdout;
      expect((await sandbox.run({ language: 'python', source: 'raise ValueError()' })).status).toBe('runtime-error');
      expect((await sandbox.run({ language: 'python', source: HOSTNAME_PROGRAM })).stdout).not.toBe(before);
    } finally {
      await sandbox.dispose();
    }
  });
});
