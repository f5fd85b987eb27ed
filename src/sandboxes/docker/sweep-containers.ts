import type { DockerEngine } from './engine-client.ts';
import { OWNER_ID_LABEL, currentProcessIdentity, ownerProcessState, type ProcessIdentity } from './container-owner.ts';
import { SANDBENCH_LABEL, removeContainer } from './create-container.ts';
import { engineTimeMs, leaseExpired, listLeases, removeVolume, type LeaseRecord } from './owner-lease.ts';

export interface SweepOptions {
  /** Remove every sandbench container and lease, whoever made them (default: only those of owners proved gone). */
  all?: boolean;
}

/** What a sweep found and removed. */
export interface SweepResult {
  /** Ids of the containers removed. */
  removed: string[];
  /** Ids of sandbench containers left alone (their owner is alive, or not proved gone). */
  kept: string[];
  /** Names of the lease volumes removed (their owners are gone). */
  removedLeases: string[];
}

/** Whether an owner is proved gone, and how the sweep knows. */
export interface OwnerVerdict {
  gone: boolean;
  reason: string;
}

/**
 * Judge the owner named by a container's (or a lease's) labels. Gone only on proof: on the same
 * host and in the same PID and time namespaces, its process is dead (or its pid now belongs to
 * another process); anywhere else, every lease it holds expired by a margin. An owner without a
 * lease volume, or a container from before owner ids existed, is kept: nothing proves it gone.
 */
export function judgeOwner(
  labels: Readonly<Record<string, string>>,
  leasesByOwner: ReadonlyMap<string, readonly LeaseRecord[]>,
  engineNowMs: number,
  here: ProcessIdentity | null = currentProcessIdentity(),
): OwnerVerdict {
  const owner = labels[OWNER_ID_LABEL];
  if (!owner) return { gone: false, reason: 'no owner id (made by an older sandbench): removed only by a sweep of all' };
  const state = ownerProcessState(labels, here);
  if (state === 'running') return { gone: false, reason: 'the owner process is running' };
  if (state === 'gone') return { gone: true, reason: 'the owner process is gone' };
  const leases = leasesByOwner.get(owner) ?? [];
  if (leases.length === 0) return { gone: false, reason: 'the owner runs elsewhere and no lease of it was found' };
  if (leases.some((lease) => !leaseExpired(lease, engineNowMs))) return { gone: false, reason: 'the owner runs elsewhere and its lease is current' };
  return { gone: true, reason: 'the owner runs elsewhere and its lease expired' };
}

/**
 * Remove containers labelled `sandbench=1` whose owner is proved gone (see `judgeOwner`), then
 * the leases of those owners, or everything with `all`. A host process killed with SIGKILL cannot
 * clean up after itself: this is what removes its containers. An owner's leases are removed only
 * once all its containers are, so a failed removal is retried by the next sweep.
 */
export async function sweepContainers(docker: DockerEngine, options: SweepOptions = {}): Promise<SweepResult> {
  const [containers, leases] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [`${SANDBENCH_LABEL}=1`] } }),
    listLeases(docker),
  ]);
  const leasesByOwner = new Map<string, LeaseRecord[]>();
  for (const lease of leases) leasesByOwner.set(lease.owner, [...(leasesByOwner.get(lease.owner) ?? []), lease]);
  // Read after the listings, so that no lease looks older than it was when listed.
  const engineNowMs = leases.length > 0 && !options.all ? await engineTimeMs(docker) : Number.NaN;
  const here = currentProcessIdentity();

  const removed: string[] = [];
  const kept: string[] = [];
  const ownersWithLeftovers = new Set<string>();
  await Promise.all(
    containers.map(async (info) => {
      const labels = info.Labels ?? {};
      if (!options.all && !judgeOwner(labels, leasesByOwner, engineNowMs, here).gone) {
        kept.push(info.Id);
        return;
      }
      try {
        await removeContainer(docker.getContainer(info.Id));
        removed.push(info.Id);
      } catch {
        kept.push(info.Id);
        if (labels[OWNER_ID_LABEL]) ownersWithLeftovers.add(labels[OWNER_ID_LABEL]);
      }
    }),
  );

  const removedLeases: string[] = [];
  await Promise.all(
    leases.map(async (lease) => {
      if (ownersWithLeftovers.has(lease.owner)) return;
      if (!options.all && !judgeOwner(lease.labels, leasesByOwner, engineNowMs, here).gone) return;
      try {
        await removeVolume(docker, lease.name);
        removedLeases.push(lease.name);
      } catch {
        // In use or busy: the next sweep tries again.
      }
    }),
  );
  return { removed, kept, removedLeases };
}
