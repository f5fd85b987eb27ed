import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { UID_LABEL } from '../../../src/sandboxes/docker/create-container.ts';
import { dockerTestEnvironment, runFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** Pid of a process named `name` holding at least one inotify instance, if any (host view). */
function inotifyHolder(name: string): number | undefined {
  for (const entry of readdirSync('/proc').filter((item) => /^\d+$/.test(item))) {
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== name) continue;
      const fds = readdirSync(`/proc/${entry}/fd`);
      if (fds.some((fd) => readlinkSync(`/proc/${entry}/fd/${fd}`) === 'anon_inode:inotify')) return Number(entry);
    } catch {
      // The process ended, or it is not ours to read.
    }
  }
  return undefined;
}

describe.skipIf(!engine.available)('Docker sandbox: containers do not share per-user kernel limits', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 2 });
    await sandbox.warmUp(['python']);
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('each container runs as its own uid, recorded in a label, owning /work', async () => {
    const program = 'import os\nprint(os.getuid(), os.getgid(), os.stat("/work").st_uid, os.stat("/work").st_gid)';
    const [first, second] = await Promise.all([
      sandbox.run({ language: 'python', source: `import time\ntime.sleep(0.5)\n${program}` }),
      sandbox.run({ language: 'python', source: `import time\ntime.sleep(0.5)\n${program}` }),
    ]);
    const docker = createDockerClient();
    const seen = [];
    for (const result of [first, second]) {
      expect(result.status).toBe('ok');
      const [uid, gid, workUid, workGid] = result.stdout.trim().split(' ').map(Number);
      expect(uid).toBeGreaterThanOrEqual(100_000);
      expect(uid).toBeLessThanOrEqual(2 ** 31 - 2);
      expect([gid, workUid, workGid]).toEqual([uid, uid, uid]);
      seen.push(uid);
    }
    expect(seen[0]).not.toBe(seen[1]);
    const labels = await Promise.all(sandbox.containerIds().map(async (id) => (await docker.getContainer(id).inspect()).Config.Labels[UID_LABEL]));
    expect(labels.map(Number).sort()).toEqual([...seen].sort());
  });

  it('a job holding every inotify instance of its user does not stop a job in another container', async () => {
    const controller = new AbortController();
    const hog = runFixture(sandbox, 'inotify-hog.py', { limits: { timeoutMs: 60_000 }, signal: controller.signal });
    try {
      // Wait until the hog holds its instances (it renames itself then).
      let holder: number | undefined;
      for (let attempt = 0; attempt < 600 && holder === undefined; attempt += 1) {
        holder = inotifyHolder('inotify-full');
        if (holder === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(holder).toBeDefined();
      const other = await runFixture(sandbox, 'inotify-init.py');
      expect(other.stdout).toBe('inotify_init1 ok\n');
      expect(other.status).toBe('ok');
      expect(inotifyHolder('inotify-full')).toBe(holder);
    } finally {
      controller.abort();
      await hog;
    }
  });
});
