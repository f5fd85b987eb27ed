import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { dockerTestEnvironment, healthyAfter, runFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();
const DENIED = /^(Operation not permitted|Function not implemented)$/;

describe.skipIf(!engine.available)('Docker sandbox: seccomp profile', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['python', 'c']);
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('io_uring_setup, io_uring_enter and io_uring_register are refused (Python)', async () => {
    const result = await runFixture(sandbox, 'io-uring.py');
    expect(result.status).toBe('ok');
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['io_uring_setup', 'io_uring_enter', 'io_uring_register']);
    for (const line of lines) expect(line.slice(line.indexOf(' ') + 1)).toMatch(DENIED);
    expect((await healthyAfter(sandbox)).stdout).toBe('healthy\n');
  });

  it('io_uring_setup is refused (C)', async () => {
    const result = await runFixture(sandbox, 'io-uring.c');
    expect(result.status).toBe('ok');
    expect(result.stdout).toMatch(/^io_uring_setup (Operation not permitted|Function not implemented)\n$/);
    expect((await healthyAfter(sandbox, 'c')).stdout).toBe('healthy\n');
  });

  it("keeps Docker's default refusals: the kernel keyring, new namespaces, mount", async () => {
    const result = await sandbox.run({
      language: 'python',
      source: [
        'import ctypes, os',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'def attempt(name, *arguments):',
        '    value = getattr(libc, name)(*arguments)',
        '    print(name, "ok" if value >= 0 else os.strerror(ctypes.get_errno()))',
        'attempt("syscall", 250, 0, 0, 0, 0, 0)  # keyctl(KEYCTL_GET_KEYRING_ID)',
        'attempt("unshare", 0x10000000)  # CLONE_NEWUSER',
        'attempt("mount", b"none", b"/tmp", b"tmpfs", 0, None)',
      ].join('\n'),
    });
    expect(result.stdout).toBe('syscall Operation not permitted\nunshare Operation not permitted\nmount Operation not permitted\n');
  });

  it('threads, subprocesses and pipes still work (clone, clone3 fallback, pipe2, wait4)', async () => {
    const result = await sandbox.run({
      language: 'python',
      source: [
        'import subprocess, threading',
        'out = []',
        'thread = threading.Thread(target=lambda: out.append(subprocess.run(["sh", "-c", "echo from-child"], capture_output=True, text=True).stdout))',
        'thread.start(); thread.join()',
        'print(out[0].strip())',
      ].join('\n'),
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('from-child\n');
  });
});
