import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { HOSTNAME_PROGRAM, dockerTestEnvironment, healthyAfter, runFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

describe.skipIf(!engine.available)('Docker sandbox: hostile Python programs', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['python']);
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  async function expectHealthy(): Promise<void> {
    const after = await healthyAfter(sandbox);
    expect(after.status).toBe('ok');
    expect(after.stdout).toBe('healthy\n');
  }

  async function hostname(): Promise<string> {
    const result = await sandbox.run({ language: 'python', source: HOSTNAME_PROGRAM });
    expect(result.status).toBe('ok');
    return result.stdout.trim();
  }

  it('fork bomb: stopped by the pids limit, ends at the wall-clock limit', async () => {
    const result = await runFixture(sandbox, 'fork-bomb.py', { limits: { timeoutMs: 2000 } });
    expect(result.status).toBe('timeout');
    await expectHealthy();
  });

  it('memory bomb: memory-limit (the container OOM killer, counted by the runner)', async () => {
    const result = await runFixture(sandbox, 'memory-bomb.py');
    expect(result.status).toBe('memory-limit');
    expect(result.message).toMatch(/memory limit/);
    await expectHealthy();
  });

  it('a job over its memory limit but under the container cgroup: memory-limit from its peak size', async () => {
    const result = await runFixture(sandbox, 'just-over-limit.py', { limits: { memoryBytes: 64 * 1024 * 1024 } });
    expect(result.status).toBe('memory-limit');
    expect(result.message).toMatch(/memory limit of 67108864 bytes exceeded/);
    await expectHealthy();
  });

  it('disk fill of the work directory: runtime-error (ENOSPC), container replaced', async () => {
    const before = await hostname();
    const result = await runFixture(sandbox, 'disk-fill.py');
    expect(result.status).toBe('runtime-error');
    expect(result.stderr).toMatch(/No space left on device|File too large/);
    expect(await hostname()).not.toBe(before);
    await expectHealthy();
  });

  it('output flood: output-limit, output cut at the cap', async () => {
    const result = await runFixture(sandbox, 'output-flood.py', { limits: { maxOutputBytes: 10_000 } });
    expect(result.status).toBe('output-limit');
    expect(result.stdoutTruncated).toBe(true);
    expect(Buffer.byteLength(result.stdout, 'utf8')).toBe(10_000);
    await expectHealthy();
  });

  it('binary (non-UTF-8) output: ok, invalid bytes replaced', async () => {
    const result = await runFixture(sandbox, 'binary-output.py');
    expect(result.status).toBe('ok');
    expect(result.stdout.startsWith('start \u0000\u0001')).toBe(true);
    expect(result.stdout).toContain('\uFFFD');
    expect(result.stdout.endsWith(' end\n')).toBe(true);
    expect(result.stderr).toBe('\uFFFD\uFFFD\uFFFD\n');
  });

  it('sleep past the limit: timeout near the wall-clock limit, output so far kept', async () => {
    const result = await runFixture(sandbox, 'sleep-past-limit.py', { limits: { timeoutMs: 1000 } });
    expect(result.status).toBe('timeout');
    expect(result.stdout).toBe('going to sleep\n');
    expect(result.durationMs).toBeGreaterThanOrEqual(1000);
    expect(result.durationMs).toBeLessThan(3000);
    await expectHealthy();
  });

  it('CPU spin: timeout by the CPU-time limit before the wall-clock one', async () => {
    const result = await runFixture(sandbox, 'cpu-spin.py', { limits: { timeoutMs: 20_000, cpuTimeMs: 1000 } });
    expect(result.status).toBe('timeout');
    expect(result.message).toBe('CPU time limit of 1000 ms reached');
    // Stopped at its CPU limit, long before the wall-clock one (measured in CPU time, not on the clock).
    expect(result.cpuTimeMs).toBeLessThan(5_000);
    await expectHealthy();
  });

  it('network connection: runtime-error, only a loopback interface exists', async () => {
    const result = await runFixture(sandbox, 'network.py');
    expect(result.status).toBe('runtime-error');
    expect(result.stdout).toBe("interfaces: ['lo']\n");
    expect(result.stderr).toMatch(/Network is unreachable/);
    await expectHealthy();
  });

  it('writing outside the work directory fails', async () => {
    const result = await runFixture(sandbox, 'write-outside.py');
    expect(result.status).toBe('runtime-error');
    expect(result.stdout).not.toContain('ESCAPED');
    expect(result.stdout.match(/^refused:/gm)).toHaveLength(4);
  });

  it('reading host secrets: nothing readable (shadow, runner and fork server environ, memory and fds, docker socket)', async () => {
    const result = await runFixture(sandbox, 'read-secrets.py');
    expect(result.status).toBe('ok');
    expect(result.stdout).not.toContain('READABLE');
    expect(result.stdout).not.toContain('TRACEABLE');
    expect(result.stdout).toMatch(/denied: \/proc\/1\/environ/);
    expect(result.stdout).toMatch(/absent: \/var\/run\/docker.sock/);
    for (const what of ['environ', 'mem', 'maps', 'fd/0', 'fd/3']) expect(result.stdout).toContain(`denied: fork server ${what}`);
    expect(result.stdout).toContain('ptrace denied: runner Operation not permitted');
    expect(result.stdout).toContain('ptrace denied: fork server Operation not permitted');
  });

  it('setuid attempt: runtime-error, no capabilities, no_new_privs set', async () => {
    const result = await runFixture(sandbox, 'setuid.py');
    expect(result.status).toBe('runtime-error');
    expect(result.stdout).toContain('CapEff:\\t0000000000000000');
    expect(result.stdout).toContain('NoNewPrivs:\\t1');
    expect(result.stderr).toMatch(/PermissionError/);
    await expectHealthy();
  });

  it('killing PID 1 and kill -1: ignored (the runner is the container init), job judged on what it did', async () => {
    const result = await runFixture(sandbox, 'kill-pid1.py');
    expect(result.status).toBe('ok');
    expect(result.stdout).toContain('still here');
    await expectHealthy();
  });

  it('lowering the runner\'s rlimits: the job is judged (ok) and its container replaced', async () => {
    const before = await hostname();
    const result = await runFixture(sandbox, 'kill-runner.py');
    expect(result.status).toBe('ok');
    expect(await hostname()).not.toBe(before);
    await expectHealthy();
  });

  it("renicing, pinning or idling the runner: the job is judged (ok) and its container replaced", async () => {
    const before = await hostname();
    const result = await runFixture(sandbox, 'renice-runner.py');
    expect(result.status).toBe('ok');
    expect(result.stdout).toBe('runner slowed\n');
    expect(await hostname()).not.toBe(before);
    await expectHealthy();
  });

  it('a process left behind is killed, the container replaced, the next job does not see it', async () => {
    const before = await hostname();
    const result = await runFixture(sandbox, 'background-process.py');
    expect(result.status).toBe('ok');
    expect(result.message).toMatch(/left behind/);
    const next = await runFixture(sandbox, 'list-processes.py');
    expect(next.status).toBe('ok');
    expect(next.stdout).toBe('others: []\nticks file: False\n');
    expect(await hostname()).not.toBe(before);
  });

  it('symlinks to host paths in the output files are collected as errors, never as content', async () => {
    const result = await runFixture(sandbox, 'symlink-output.py', { collectFiles: ['result.txt', 'outdir/passwd', 'real.txt', '../etc/passwd'] });
    expect(result.status).toBe('ok');
    const files = Object.fromEntries((result.files ?? []).map((file) => [file.path, file]));
    expect(files['result.txt']?.contentBase64).toBeUndefined();
    expect(files['result.txt']?.error).toMatch(/symbolic link/);
    expect(files['outdir/passwd']?.contentBase64).toBeUndefined();
    expect(files['outdir/passwd']?.error).toMatch(/symbolic link/);
    expect(files['../etc/passwd']?.error).toMatch(/invalid path/);
    expect(Buffer.from(files['real.txt']?.contentBase64 ?? '', 'base64').toString()).toBe('real content');
  });

  it('a program that closes stdout early: ok, stderr still captured', async () => {
    const result = await runFixture(sandbox, 'closes-stdout.py');
    expect(result.status).toBe('ok');
    expect(result.stdout).toBe('before close\n');
    expect(result.stderr).toBe('after close\n');
  });

  it('one job never changes another: files in /work, /tmp and /dev/shm are gone for the next job in the same container', async () => {
    const writer = await sandbox.run({
      language: 'python',
      source: [
        'import socket',
        'for path in ("/work/job/mark", "/work/mark", "/tmp/mark", "/dev/shm/mark"):',
        '    open(path, "w").write("x")',
        'print(socket.gethostname())',
      ].join('\n'),
    });
    expect(writer.status).toBe('ok');
    const reader = await sandbox.run({
      language: 'python',
      source: [
        'import os, socket',
        'print(socket.gethostname())',
        'print(sorted(os.listdir("/work")), sorted(os.listdir("/work/job")), os.listdir("/tmp"), os.listdir("/dev/shm"))',
      ].join('\n'),
    });
    expect(reader.status).toBe('ok');
    const [host, listing] = reader.stdout.split('\n');
    expect(host).toBe(writer.stdout.trim());
    expect(listing).toBe("['job'] ['main.py'] [] []");
  });
});
