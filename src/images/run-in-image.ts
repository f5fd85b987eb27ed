import type Dockerode from 'dockerode';
import { SandboxError } from '../errors/sandbench-error.ts';

/** Options for `runInImage`. */
export interface RunInImageOptions {
  /** Mount `/work` with `exec` (compiled programs run from it); `noexec` otherwise. */
  workdirExec?: boolean;
  /** How long the command may run (default 30 s); the container is removed either way. */
  timeoutMs?: number;
}

/**
 * Run one command in a throwaway container of `image` as nobody, read-only, without network,
 * with a tmpfs work directory; returns its exit code and combined output.
 */
export async function runInImage(
  docker: Dockerode,
  image: string,
  command: string[],
  options: RunInImageOptions = {},
): Promise<{ exitCode: number; output: string }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: command,
    User: '65534:65534',
    WorkingDir: '/work',
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: {
        '/work': `rw,${options.workdirExec ? 'exec' : 'noexec'},nosuid,nodev,size=64m,mode=1777`,
        '/tmp': 'rw,noexec,nosuid,nodev,size=64m,mode=1777',
      },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: 512 * 1024 * 1024,
      PidsLimit: 64,
    },
  });
  try {
    await container.start();
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      container.wait() as Promise<{ StatusCode: number }>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SandboxError(`${image}: \`${command.join(' ')}\` did not finish in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { exitCode: waited.StatusCode, output: demultiplex(logs) };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Docker's log stream without a TTY: 8-byte frame headers (stream, 0, 0, 0, size32). */
function demultiplex(buffer: Buffer): string {
  const chunks: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    chunks.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(chunks).toString('utf8');
}
