import type Dockerode from 'dockerode';
import { OWNER_PID_LABEL, SANDBENCH_LABEL, removeContainer } from './create-container.ts';

export interface SweepOptions {
  /** Remove every sandbench container, whoever made it (default: only those whose owner is dead). */
  all?: boolean;
}

/** What a sweep found and removed. */
export interface SweepResult {
  /** Ids of the containers removed. */
  removed: string[];
  /** Ids of sandbench containers left alone (their owner process is alive). */
  kept: string[];
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove containers labelled `sandbench=1` whose `sandbench.owner-pid` process is gone (a host
 * process killed with SIGKILL cannot clean up after itself), or all of them with `all`.
 * Containers of live owners, this process included, are kept unless `all` is set.
 */
export async function sweepContainers(docker: Dockerode, options: SweepOptions = {}): Promise<SweepResult> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${SANDBENCH_LABEL}=1`] } });
  const removed: string[] = [];
  const kept: string[] = [];
  await Promise.all(
    containers.map(async (info) => {
      const owner = Number(info.Labels?.[OWNER_PID_LABEL]);
      if (!options.all && processAlive(owner)) {
        kept.push(info.Id);
        return;
      }
      await removeContainer(docker.getContainer(info.Id));
      removed.push(info.Id);
    }),
  );
  return { removed, kept };
}
