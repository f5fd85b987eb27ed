import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { OWNER_ID_LABEL } from '../../../src/sandboxes/docker/container-owner.ts';
import { removeContainer } from '../../../src/sandboxes/docker/create-container.ts';
import { removeVolume } from '../../../src/sandboxes/docker/owner-lease.ts';
import { repoRoot } from '../../helpers/paths.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();
// A second PID namespace needs root and util-linux's unshare (the CI machine has both).
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
if (process.env.CI && engine.available && !canUnshare) throw new Error('CI is set but `unshare --pid --fork --mount-proc` does not work');

const helper = join(repoRoot, 'test', 'sandboxes', 'docker', 'lease-owner-process.ts');
const docker = createDockerClient();

interface Message {
  event: string;
  pid?: number;
  owner?: string;
  containers?: string[];
  removed?: string[];
  kept?: string[];
}

/** A sandbench process (lease-owner-process.ts), on the host's PID namespace or in a new one. */
class OwnerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<unknown>;
  private readonly messages: Message[] = [];
  private waiting: (() => void) | null = null;
  private stderr = '';
  ready!: Message & { owner: string; containers: string[] };

  constructor(inNewPidNamespace: boolean, leaseMs: number) {
    const command = [process.execPath, '--no-node-snapshot', helper, String(leaseMs)];
    // --kill-child: when unshare dies, so does the namespace's init (the owner) and all in it.
    this.child = inNewPidNamespace
      ? spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', ...command], { cwd: repoRoot })
      : spawn(command[0]!, command.slice(1), { cwd: repoRoot });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.messages.push(JSON.parse(line) as Message);
      this.waiting?.();
    });
    void this.exited.then(() => this.waiting?.());
  }

  static async start(inNewPidNamespace: boolean, leaseMs: number): Promise<OwnerProcess> {
    const owner = new OwnerProcess(inNewPidNamespace, leaseMs);
    owners.push(owner);
    owner.ready = (await owner.next('ready')) as OwnerProcess['ready'];
    return owner;
  }

  /** The next message, which must be `event`. */
  async next(event: string): Promise<Message> {
    while (this.messages.length === 0) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`owner process ended before '${event}': ${this.stderr}`);
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    const message = this.messages.shift()!;
    expect(message.event).toBe(event);
    return message;
  }

  async sweep(): Promise<Message> {
    this.child.stdin.write('sweep\n');
    return this.next('swept');
  }

  async exit(): Promise<void> {
    this.child.stdin.write('exit\n');
    await this.next('disposed');
    await this.exited;
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

const owners: OwnerProcess[] = [];

/** Which of `ids` still exist on the engine. */
async function existing(ids: readonly string[]): Promise<string[]> {
  const listed = await docker.listContainers({ all: true, filters: { id: [...ids] } });
  return listed.map((info) => info.Id).filter((id) => ids.includes(id));
}

async function leaseVolumes(owner: string): Promise<string[]> {
  const listed = await docker.listVolumes({ filters: { label: [`${OWNER_ID_LABEL}=${owner}`] } });
  return (listed.Volumes ?? []).map((volume) => volume.Name);
}

// Whatever happens, this file's owners and everything they made go away with it.
afterEach(async () => {
  for (const owner of owners.splice(0)) {
    if (owner.child.exitCode === null && owner.child.signalCode === null) await owner.kill();
    const ids = new Set(owner.ready?.containers ?? []);
    if (owner.ready?.owner) {
      // Replacements the pool started after 'ready' too.
      const labelled = await docker.listContainers({ all: true, filters: { label: [`${OWNER_ID_LABEL}=${owner.ready.owner}`] } });
      for (const info of labelled) ids.add(info.Id);
      await Promise.all((await leaseVolumes(owner.ready.owner)).map((name) => removeVolume(docker, name).catch(() => {})));
    }
    await Promise.all([...ids].map((id) => removeContainer(docker.getContainer(id)).catch(() => {})));
  }
});

describe.skipIf(!engine.available || !canUnshare)('owners in different PID namespaces sharing one engine', () => {
  it("neither removes the other's live containers, at start or in a later sweep", async () => {
    // Short leases, and sweeps after more than one expiry period: only renewal keeps them current.
    const leaseMs = 2_000;
    const onHost = await OwnerProcess.start(false, leaseMs);
    // Its start sweep sees the host owner's containers, whose pid means nothing in its namespace.
    const inNamespace = await OwnerProcess.start(true, leaseMs);
    expect(inNamespace.ready.pid).toBe(1);
    expect(onHost.ready.containers).toHaveLength(1);
    expect(inNamespace.ready.containers).toHaveLength(1);
    expect(await existing(onHost.ready.containers)).toEqual(onHost.ready.containers);

    await sleep(leaseMs * 2.5);
    const sweptInNamespace = await inNamespace.sweep();
    const sweptOnHost = await onHost.sweep();
    expect(sweptInNamespace.removed).not.toEqual(expect.arrayContaining(onHost.ready.containers));
    expect(sweptOnHost.removed).not.toEqual(expect.arrayContaining(inNamespace.ready.containers));
    expect(sweptInNamespace.kept).toEqual(expect.arrayContaining([...onHost.ready.containers, ...inNamespace.ready.containers]));
    expect(sweptOnHost.kept).toEqual(expect.arrayContaining([...onHost.ready.containers, ...inNamespace.ready.containers]));
    expect(await existing(onHost.ready.containers)).toEqual(onHost.ready.containers);
    expect(await existing(inNamespace.ready.containers)).toEqual(inNamespace.ready.containers);

    // dispose() removes each one's containers and lease.
    await inNamespace.exit();
    await onHost.exit();
    expect(await existing([...onHost.ready.containers, ...inNamespace.ready.containers])).toEqual([]);
    expect(await leaseVolumes(inNamespace.ready.owner)).toEqual([]);
    expect(await leaseVolumes(onHost.ready.owner)).toEqual([]);
  }, 120_000);

  it("a SIGKILLed owner's containers in another namespace are removed once its lease expires, not before", async () => {
    const leaseMs = 4_000;
    const onHost = await OwnerProcess.start(false, 60_000);
    const killed = await OwnerProcess.start(true, leaseMs);
    const orphans = killed.ready.containers;
    expect(orphans).toHaveLength(1);
    await killed.kill();
    expect(await existing(orphans)).toEqual(orphans);
    expect(await leaseVolumes(killed.ready.owner)).not.toEqual([]);

    // Right after the kill the lease is current: the sweep keeps what it cannot prove orphaned.
    const early = await onHost.sweep();
    expect(early.kept).toEqual(expect.arrayContaining(orphans));
    expect(await existing(orphans)).toEqual(orphans);

    // Once the lease has expired by its margin, a sweep removes the containers and the lease
    // (this owner's sweep, or the start sweep of any other sandbox running meanwhile).
    let left = orphans;
    for (let attempt = 0; attempt < 40 && left.length > 0; attempt += 1) {
      await sleep(1_000);
      await onHost.sweep();
      left = await existing(orphans);
    }
    expect(left).toEqual([]);
    expect(await leaseVolumes(killed.ready.owner)).toEqual([]);
    // The live owner's containers were never touched.
    expect(await existing(onHost.ready.containers)).toEqual(onHost.ready.containers);
    await onHost.exit();
  }, 120_000);
});
