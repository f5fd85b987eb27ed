import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine } from '../../../src/sandboxes/docker/engine-client.ts';
import { OWNER_ID_LABEL } from '../../../src/sandboxes/docker/container-owner.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import type { SandboxSession } from '../../../src/sandboxes/sandbox.ts';
import type { ExecutionResult } from '../../../src/schemas/execution-result.ts';
import { dockerForTests } from '../../helpers/docker-available.ts';

// Hostile agents against real Docker sessions: every tool call below runs in the session's own
// container through its resident runner. Each case is contained, and the session still answers
// the next call (files kept) unless the case is the session's own end.

const engine = await dockerForTests();
const MiB = 1024 * 1024;

/** Runs `bash -c script` in the session. */
function bash(session: SandboxSession, script: string, limits: { timeoutMs?: number; maxOutputBytes?: number } = {}): Promise<ExecutionResult> {
  return session.runCommand!({ argv: ['bash', '-c', script], limits });
}

/** Runs `python3 -c code` in the session. */
function python(session: SandboxSession, code: string, limits: { timeoutMs?: number; maxOutputBytes?: number } = {}): Promise<ExecutionResult> {
  return session.runCommand!({ argv: ['python3', '-c', code], limits });
}

/** The session answers a trivial call, and the file written when it opened is still there. */
async function expectUsable(session: SandboxSession): Promise<void> {
  const result = await bash(session, 'cat seed.txt; echo " usable"');
  expect(result.status).toBe('ok');
  expect(result.stdout).toBe('seed usable\n');
}

describe.skipIf(!engine.available)('Docker sessions: hostile agents', () => {
  let sandbox: DockerSandbox;
  let session: SandboxSession;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    session = await sandbox.openSession({
      language: 'python',
      files: { 'seed.txt': 'seed' },
      limits: { diskBytes: 32 * MiB, pids: 64, memoryBytes: 256 * MiB },
    });
  });

  afterAll(async () => {
    await session?.dispose();
    await sandbox?.dispose();
  });

  it('has runCommand, readFiles and writeFiles, not evaluate', () => {
    expect(session.backend).toBe('docker');
    expect(typeof session.runCommand).toBe('function');
    expect(typeof session.readFiles).toBe('function');
    expect(typeof session.writeFiles).toBe('function');
    expect(session.evaluate).toBeUndefined();
  });

  it('keeps files between calls: written in call 1, read in call 2, through readFiles and writeFiles', async () => {
    const first = await bash(session, 'mkdir -p notes && echo "call one" > notes/a.txt && echo $HOME && pwd');
    expect(first.status).toBe('ok');
    expect(first.stdout).toBe('/work/job\n/work/job\n');
    const second = await bash(session, 'cat notes/a.txt');
    expect(second.status).toBe('ok');
    expect(second.stdout).toBe('call one\n');

    await session.writeFiles!({ 'from-host/b.txt': 'from the host\n', 'notes/a.txt': 'replaced\n', 'raw.bin': new Uint8Array([0, 255, 1]) });
    const third = await bash(session, 'cat from-host/b.txt notes/a.txt; od -An -tu1 raw.bin');
    expect(third.stdout).toBe('from the host\nreplaced\n   0 255   1\n');

    const files = await session.readFiles!(['notes/a.txt', 'missing.txt', '../etc/passwd', '/etc/hostname', 'seed.txt'], 1024);
    expect(files[0]).toEqual({ path: 'notes/a.txt', contentBase64: Buffer.from('replaced\n').toString('base64') });
    expect(files[1]).toMatchObject({ path: 'missing.txt', error: 'not found' });
    expect(files[2]!.error).toMatch(/invalid path/);
    expect(files[3]!.error).toMatch(/invalid path/);
    expect(Buffer.from(files[4]!.contentBase64!, 'base64').toString()).toBe('seed');
  });

  it('standard input reaches the command; a failing command is data with its exit code', async () => {
    const echoed = await session.runCommand!({ argv: ['python3', '-c', 'import sys; print(sys.stdin.read().upper())'], stdin: 'hello' });
    expect(echoed.stdout).toBe('HELLO\n');
    const failed = await bash(session, 'echo oops >&2; exit 3');
    expect(failed).toMatchObject({ status: 'runtime-error', exitCode: 3, stderr: 'oops\n', backend: 'docker' });
    const missing = await session.runCommand!({ argv: ['no-such-program-here'] });
    expect(missing.status).toBe('runtime-error');
    await expectUsable(session);
  });

  it('readFiles never follows a link out of the work directory, and caps each file', async () => {
    await bash(session, 'ln -sf /etc/hostname link.txt; ln -sfn / rootlink; head -c 5000 /dev/zero > big.bin');
    const files = await session.readFiles!(['link.txt', 'rootlink/etc/hostname', 'big.bin', 'notes'], 4096);
    expect(files[0]!.error).toMatch(/symbolic link/);
    expect(files[1]!.error).toMatch(/symbolic link/);
    expect(files[2]!.error).toMatch(/too large/);
    expect(files[3]!.error).toMatch(/not a regular file/);
  });

  it('writeFiles never writes through a link out of the work directory', async () => {
    await bash(session, 'mkdir -p /tmp/outside && ln -sfn /tmp/outside escape');
    await expect(session.writeFiles!({ 'escape/planted.txt': 'x' })).rejects.toThrow(/symbolic link/);
    const check = await bash(session, 'ls /tmp/outside | wc -l');
    expect(check.stdout.trim()).toBe('0');
    await expectUsable(session);
  });

  it('network: neither the host (on 127.0.0.1 or its own addresses) nor an outside address answers', async () => {
    const server: Server = createServer((socket) => socket.end('host says hi\n'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as { port: number }).port;
    const hostAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry !== undefined && entry.family === 'IPv4')
      .map((entry) => entry!.address);
    try {
      const targets = [...new Set(['127.0.0.1', ...hostAddresses])].map((address) => [address, port] as const);
      targets.push(['192.0.2.1', 80], ['1.1.1.1', 53]);
      const code = [
        'import socket',
        `for host, port in ${JSON.stringify(targets)}:`,
        '    try:',
        '        socket.create_connection((host, port), timeout=2).recv(100)',
        '        print(host, "CONNECTED")',
        '    except OSError as error:',
        '        print(host, "failed", type(error).__name__)',
      ].join('\n');
      const result = await python(session, code, { timeoutMs: 30_000 });
      expect(result.status).toBe('ok');
      expect(result.stdout).not.toContain('CONNECTED');
      expect(result.stdout.trim().split('\n')).toHaveLength(targets.length);
      const interfaces = await bash(session, 'ls /sys/class/net');
      expect(interfaces.stdout.trim()).toBe('lo');
    } finally {
      server.close();
    }
    await expectUsable(session);
  });

  it('host files are not visible: the repository path does not exist, /etc/hostname is the container\'s', async () => {
    const result = await bash(session, 'ls /work/main 2>&1; cat /etc/hostname');
    expect(result.stdout).toMatch(/No such file or directory/);
    const hostHostname = readFileSync('/etc/hostname', 'utf8').trim();
    expect(result.stdout).not.toContain(hostHostname);
    expect(result.stdout).not.toContain('package.json');
    await expectUsable(session);
  });

  it('fork bomb: held by the pids limit, ends at the command limit, the next call is fine', async () => {
    const result = await bash(session, 'bomb() { bomb | bomb & }; bomb; sleep 30', { timeoutMs: 3000 });
    expect(result.status).toBe('timeout');
    await expectUsable(session);
    const processes = await python(session, 'import os\nprint(len([p for p in os.listdir("/proc") if p.isdigit()]))');
    // The runner, its fork server and this python3.
    expect(Number(processes.stdout.trim())).toBeLessThanOrEqual(3);
  });

  it("filling the disk: the write fails as data (ENOSPC), the next call is fine, and the disk is the session's own", async () => {
    const result = await python(session, [
      'block = b"x" * (1024 * 1024)',
      'with open("fill.bin", "wb") as handle:',
      '    while True:',
      '        handle.write(block)',
    ].join('\n'));
    expect(result.status).toBe('runtime-error');
    expect(result.stderr).toMatch(/No space left on device|File too large/);
    await expectUsable(session);
    // Another session has its own disk, untouched.
    const other = await sandbox.openSession({ language: 'python', limits: { diskBytes: 32 * MiB } });
    try {
      const write = await bash(other, 'head -c 4000000 /dev/zero > four-mb.bin && wc -c < four-mb.bin');
      expect(write.status).toBe('ok');
      expect(write.stdout.trim()).toBe('4000000');
    } finally {
      await other.dispose();
    }
    // Once the agent removes its file, it can write again.
    const freed = await bash(session, 'rm fill.bin && echo again > again.txt && cat again.txt');
    expect(freed.stdout).toBe('again\n');
  });

  it('printing 100 MB: output-limit, cut at the cap, the next call is fine', async () => {
    const result = await python(session, 'import sys\nchunk = "x" * 1048576\nfor _ in range(100):\n    sys.stdout.write(chunk)', {
      maxOutputBytes: 64 * 1024,
    });
    expect(result.status).toBe('output-limit');
    expect(result.stdoutTruncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBe(64 * 1024);
    await expectUsable(session);
  });

  it('sleeping past the command limit: timeout, and a background sleep it started does not survive', async () => {
    const result = await bash(session, 'sleep 1000 & echo $! > background.pid; echo started; sleep 1000', { timeoutMs: 1000 });
    expect(result.status).toBe('timeout');
    expect(result.stdout).toBe('started\n');
    const check = await bash(session, 'if [ -d /proc/$(cat background.pid) ]; then echo alive; else echo gone; fi');
    expect(check.stdout).toBe('gone\n');
  });

  it('a background process left by a call that ends well is killed too (only files persist)', async () => {
    const result = await bash(session, 'nohup sleep 1000 > /dev/null 2>&1 & echo $! > left.pid; echo done');
    expect(result.status).toBe('ok');
    expect(result.message).toMatch(/left behind were killed/);
    const check = await bash(session, 'if [ -d /proc/$(cat left.pid) ]; then echo alive; else echo gone; fi');
    expect(check.stdout).toBe('gone\n');
  });

  it('memory bomb: memory-limit, the next call is fine', async () => {
    const result = await python(session, 'chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))');
    expect(result.status).toBe('memory-limit');
    await expectUsable(session);
  });
});

describe.skipIf(!engine.available)('Docker sessions: independence and disposal', () => {
  let sandbox: DockerSandbox;

  beforeAll(() => {
    sandbox = new DockerSandbox({ poolSize: 1 });
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  async function ownedContainers(): Promise<string[]> {
    const docker = createDockerEngine();
    const list = await docker.listContainers({ all: true, filters: { label: [`${OWNER_ID_LABEL}=${sandbox.ownerId}`] } });
    return list.map((info) => info.Id);
  }

  it("two sessions at once never see each other's files", async () => {
    const [first, second] = await Promise.all([
      sandbox.openSession({ language: 'python', files: { 'mine.txt': 'first' } }),
      sandbox.openSession({ language: 'bash', files: { 'mine.txt': 'second' } }),
    ]);
    try {
      const [a, b] = await Promise.all([
        bash(first, 'echo secret-one > secret.txt; cat mine.txt'),
        bash(second, 'echo secret-two > /tmp/secret.txt; cat mine.txt'),
      ]);
      expect(a.stdout).toBe('first');
      expect(b.stdout).toBe('second');
      const looks = await Promise.all([
        bash(first, 'ls -A; ls -A /tmp; grep -rs secret-two /work /tmp || echo none'),
        bash(second, 'ls -A; grep -rs secret-one /work /tmp || echo none'),
      ]);
      expect(looks[0].stdout).toBe('mine.txt\nsecret.txt\nnone\n');
      expect(looks[1].stdout).toBe('mine.txt\nnone\n');
      const [missing] = await second.readFiles!(['secret.txt']);
      expect(missing!.error).toBe('not found');
    } finally {
      await Promise.all([first.dispose(), second.dispose()]);
    }
  });

  it('dispose removes the session container (listed by its owner label); dispose is idempotent', async () => {
    const before = await ownedContainers();
    const session = await sandbox.openSession({ language: 'python' });
    const during = await ownedContainers();
    const added = during.filter((id) => !before.includes(id));
    expect(added).toHaveLength(1);
    expect(await bash(session, 'echo hi')).toMatchObject({ status: 'ok', stdout: 'hi\n' });
    await session.dispose();
    await session.dispose();
    expect(await ownedContainers()).not.toContain(added[0]);
    await expect(bash(session, 'echo after')).rejects.toThrow(/disposed/);
  });

  it('cancelling a command ends the session: the command is a cancelled timeout, its container is removed, later calls say the session is gone', async () => {
    const session = await sandbox.openSession({ language: 'python' });
    const id = (session as unknown as { containerId: string }).containerId;
    expect(sandbox.containerIds()).toContain(id);
    const controller = new AbortController();
    const running = session.runCommand!({ argv: ['sleep', '30'], signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const cancelled = await running;
    expect(cancelled.status).toBe('timeout');
    expect(cancelled.message).toMatch(/^cancelled/);
    expect(await ownedContainers()).not.toContain(id);
    const after = await bash(session, 'echo after');
    expect(after.status).toBe('runtime-error');
    expect(after.message).toMatch(/container is gone/);
    await session.dispose();
    expect(sandbox.containerIds()).not.toContain(id);
  });

  it("the sandbox's dispose removes sessions still open", async () => {
    const other = new DockerSandbox({ poolSize: 1 });
    const session = await other.openSession({ language: 'python' });
    const docker = createDockerEngine();
    const label = { label: [`${OWNER_ID_LABEL}=${other.ownerId}`] };
    expect(await docker.listContainers({ all: true, filters: label })).toHaveLength(1);
    await other.dispose();
    expect(await docker.listContainers({ all: true, filters: label })).toHaveLength(0);
    await expect(bash(session, 'echo after')).rejects.toThrow(/disposed/);
  });
});
