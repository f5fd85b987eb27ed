import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { SandboxError } from '../../errors/sandbench-error.ts';
import { defaultContainerOwner } from './container-owner.ts';
import { diagnoseEngine, type DockerEngine, type EngineContainer } from './engine-client.ts';
import { RunnerConnection, loadRunnerSource, type RunnerHello } from './runner-connection.ts';
import { seccompSecurityOption } from './seccomp-profile.ts';

/** Label on every container sandbench makes (the sweep looks for it). */
export const SANDBENCH_LABEL = 'sandbench';
/** The owner labels (owner id, pid, process identity) are defined beside the rules that read them. */
export { OWNER_ID_LABEL, OWNER_PID_LABEL } from './container-owner.ts';
/** Label holding the image name. */
export const IMAGE_LABEL = 'sandbench.image';

/** Label holding the uid (and gid) a container's processes run as. */
export const UID_LABEL = 'sandbench.uid';

/**
 * Each container runs as its own unprivileged uid:gid, drawn from this range (far from the
 * image's users and the host's usual ones): per-user kernel limits (inotify instances, message
 * queue bytes, pending signals, processes) are then per container, never shared between them.
 */
export const SANDBOX_UID_RANGE = { min: 100_000, max: 2 ** 31 - 2 } as const;

/** The user and group a container runs as. */
export interface SandboxUser {
  /** Uid of every process in the container (the runner included); owner of /work. */
  uid: number;
  /** Gid of every process in the container (the same number as the uid). */
  gid: number;
}

// Uids drawn for containers this process is creating: two containers started at the same moment
// must not draw the same one before either shows up in the engine's list.
const uidsStarting = new Set<number>();

/** Memory the resident runner itself needs on top of the job's limit (Python ~10 MiB). */
export const RUNNER_MEMORY_OVERHEAD_BYTES = 48 * 1024 * 1024;

/** Everything fixed at container creation; pools are keyed by it. */
export interface ContainerSpec {
  /** Image reference, e.g. `sandbench-python:latest`. */
  image: string;
  /** cgroup memory limit of the whole container (swap disabled: MemorySwap equals it). */
  memoryBytes: number;
  /** cgroup pids limit of the whole container (the runner included). */
  pids: number;
  /** Size of each tmpfs (/work, /tmp, /dev/shm share the job's `diskBytes`). */
  diskBytes: number;
  /** Mount /work with `exec` (compiled languages); it stays nosuid,nodev. */
  workdirExec: boolean;
  /** CPU quota in billionths of a CPU (1e9 = one CPU). */
  nanoCpus: number;
  /** Labels naming the container's owner (`ContainerOwner.labels`); default: this process's lease-less owner. */
  ownerLabels?: Readonly<Record<string, string>>;
}

/** A started container with its runner connected. */
export interface StartedContainer {
  id: string;
  container: EngineContainer;
  connection: RunnerConnection;
  hello: RunnerHello;
}

const HELLO_TIMEOUT_MS = 20_000;

/** A random uid from `SANDBOX_UID_RANGE` outside `taken`. */
function drawUid(taken: ReadonlySet<number>): number {
  for (;;) {
    const uid = randomInt(SANDBOX_UID_RANGE.min, SANDBOX_UID_RANGE.max + 1);
    if (!taken.has(uid)) return uid;
  }
}

/**
 * A uid:gid no sandbench container on the engine uses (checked against their labels) and none
 * this process is creating. The caller releases it (`releaseSandboxUser`) once the create call
 * returned: from then on the new container's label reserves it.
 */
export async function chooseSandboxUser(docker: DockerEngine): Promise<SandboxUser> {
  const live = await docker.listContainers({ all: true, filters: { label: [SANDBENCH_LABEL] } });
  const taken = new Set<number>(uidsStarting);
  for (const info of live) {
    const uid = Number(info.Labels?.[UID_LABEL]);
    if (Number.isInteger(uid)) taken.add(uid);
  }
  const uid = drawUid(taken);
  uidsStarting.add(uid);
  return { uid, gid: uid };
}

function releaseSandboxUser(user: SandboxUser): void {
  uidsStarting.delete(user.uid);
}

/**
 * The hardened create options (exported for the benchmark's `docker run` baseline and tests).
 * Without `user`, a random uid from the range (not checked against the engine).
 */
export function containerCreateOptions(spec: ContainerSpec, command: string[], user?: SandboxUser): Dockerode.ContainerCreateOptions {
  const uid = user?.uid ?? drawUid(new Set());
  const gid = user?.gid ?? uid;
  const tmpfs = (exec: boolean, mode: string): string =>
    ['rw', exec ? 'exec' : 'noexec', 'nosuid', 'nodev', `size=${spec.diskBytes}`, `mode=${mode}`].join(',');
  // RLIMIT_CPU for the container's processes as a backstop; the runner sets each step's own.
  const cpuSeconds = 3600;
  return {
    Image: spec.image,
    Entrypoint: [command[0]!],
    Cmd: command.slice(1),
    User: `${uid}:${gid}`,
    WorkingDir: '/work',
    Env: ['LANG=C.UTF-8', 'PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/work'],
    Labels: {
      [SANDBENCH_LABEL]: '1',
      ...(spec.ownerLabels ?? defaultContainerOwner().labels),
      [IMAGE_LABEL]: spec.image,
      [UID_LABEL]: String(uid),
    },
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: false,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      // Docker's default system call filter, less io_uring (see seccomp-profile.ts).
      SecurityOpt: ['no-new-privileges', seccompSecurityOption()],
      ReadonlyRootfs: true,
      Tmpfs: {
        // /work belongs to the container's user (the runner makes job folders in it); others can't write.
        '/work': `${tmpfs(spec.workdirExec, '0700')},uid=${uid},gid=${gid}`,
        '/tmp': tmpfs(false, '1777'),
      },
      ShmSize: Math.min(spec.diskBytes, 64 * 1024 * 1024),
      IpcMode: 'private',
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pids,
      NanoCpus: spec.nanoCpus,
      Ulimits: [
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
        { Name: 'fsize', Soft: spec.diskBytes, Hard: spec.diskBytes },
        { Name: 'core', Soft: 0, Hard: 0 },
        { Name: 'cpu', Soft: cpuSeconds, Hard: cpuSeconds },
      ],
      // No docker-init on purpose: the runner is PID 1. docker-init would hold the attach stream
      // as a dumpable process of the sandbox user, so any job could open /proc/1/fd/1 and forge
      // answers; the runner is non-dumpable and, as init, cannot be signalled by jobs.
      Init: false,
      AutoRemove: false,
      Privileged: false,
      // The attach stream carries every job: a logging driver would copy all of it to disk.
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/**
 * The demuxed side of the attach stream: `write` emits 'data' at once. It replaces a
 * PassThrough, whose buffering added a stream hop (and a tick) to every answer.
 */
export class DirectSink extends EventEmitter {
  private ended = false;

  write(chunk: Buffer): boolean {
    if (!this.ended) this.emit('data', chunk);
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('end');
    this.emit('close');
  }

  destroy(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (error && this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('close');
  }
}

/**
 * Split Docker's multiplexed attach stream (8-byte header: stream type, 3 zero bytes, uint32
 * big-endian length) into stdout and stderr. Payloads are passed on as slices of the received
 * chunks when they fit in one, otherwise concatenated once.
 */
export function demuxAttachStream(stream: Duplex, stdout: DirectSink, stderr: DirectSink): void {
  const pending: Buffer[] = [];
  let buffered = 0;
  let target: DirectSink | null = null;
  let remaining = 0;
  const take = (count: number): Buffer => {
    if (pending[0]!.length < count) pending.splice(0, pending.length, Buffer.concat(pending, buffered));
    const first = pending[0]!;
    const out = first.subarray(0, count);
    if (first.length === count) pending.shift();
    else pending[0] = first.subarray(count);
    buffered -= count;
    return out;
  };
  stream.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (target === null) {
        if (buffered < 8) return;
        const header = take(8);
        // 1 is stdout, 2 is stderr (0, stdin, never comes back); anything else is a broken stream.
        const type = header[0];
        remaining = header.readUInt32BE(4);
        target = type === 2 ? stderr : stdout;
        if (type !== 1 && type !== 2) {
          stdout.destroy(new Error(`bad attach stream header (type ${type})`));
          stream.destroy();
          return;
        }
      }
      if (remaining > 0) {
        if (buffered === 0) return;
        const part = take(Math.min(remaining, pending[0]!.length));
        remaining -= part.length;
        target.write(part);
        if (remaining > 0) continue;
      }
      target = null;
    }
  });
}

/** Turn a Docker API failure into the right `SandboxError`. */
export async function dockerFailure(docker: DockerEngine, error: unknown, what: string, image?: string): Promise<SandboxError> {
  if (SandboxError.isInstance(error)) return error;
  const status = (error as { statusCode?: number } | null)?.statusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404 && image && /no such image|not found/i.test(message)) {
    return new SandboxError(
      `Docker image '${image}' is missing. Build it with: ./sandbench images build (recipes in images/)`,
      { code: 'image-missing', cause: error, details: { image } },
    );
  }
  if (status === undefined) {
    const ping = await diagnoseEngine(docker, 2000);
    if (!ping.ok) return new SandboxError(ping.message, { code: 'sandbox-unavailable', cause: error });
  }
  return new SandboxError(`Docker ${what} failed: ${message}`, { code: 'sandbox-failure', cause: error, details: { image } });
}

/** Remove a container, ignoring "already gone". */
export async function removeContainer(container: Pick<EngineContainer, 'remove'>): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    const status = (error as { statusCode?: number } | null)?.statusCode;
    if (status === 404 || status === 409) return; // gone, or removal already in progress
    throw error;
  }
}

/**
 * Create a hardened container whose PID 1 is the resident runner, attach to its stdio before
 * it starts (so the runner's hello is never missed), start it, and wait for the hello.
 */
export async function startSandboxContainer(docker: DockerEngine, spec: ContainerSpec): Promise<StartedContainer> {
  const command = ['python3', '-I', '-S', '-c', loadRunnerSource(), '--in-container'];
  let container: EngineContainer;
  let user: SandboxUser | undefined;
  try {
    user = await chooseSandboxUser(docker);
    container = await docker.createContainer(containerCreateOptions(spec, command, user));
  } catch (error) {
    throw await dockerFailure(docker, error, 'container create', spec.image);
  } finally {
    if (user) releaseSandboxUser(user);
  }
  try {
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as Duplex;
    const fromRunner = new DirectSink();
    const diagnostics = new DirectSink();
    demuxAttachStream(stream, fromRunner, diagnostics);
    stream.on('end', () => {
      fromRunner.end();
      diagnostics.end();
    });
    stream.on('close', () => {
      fromRunner.end();
      diagnostics.end();
    });
    stream.on('error', (error: Error) => fromRunner.destroy(error));
    // An idle pool must not keep the host process alive (exit cleanup removes the containers).
    (stream as unknown as { unref?: () => void }).unref?.();
    const connection = new RunnerConnection({ fromRunner, toRunner: stream, diagnostics });
    await container.start();
    let timer: NodeJS.Timeout | undefined;
    const hello = await Promise.race([
      connection.hello,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the runner did not say hello within ${HELLO_TIMEOUT_MS} ms`)), HELLO_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!hello.inContainer || hello.pid !== 1) {
      throw new Error(`the runner is not PID 1 of the container (pid ${hello.pid})`);
    }
    return { id: container.id, container, connection, hello };
  } catch (error) {
    await removeContainer(container).catch(() => {});
    throw await dockerFailure(docker, error, 'container start', spec.image);
  }
}
