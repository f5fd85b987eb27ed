import type { DockerEngine } from './engine-client.ts';
import type { Logger } from 'pino';
import { OWNER_ID_LABEL, type ContainerOwner } from './container-owner.ts';

/**
 * A container owner's proof of life that every process on the engine can read, whatever host or
 * PID namespace it runs in. Labels cannot change after create, so the owner renews by creating a
 * new, empty volume (named after it, labelled like its containers) and then removing the previous
 * one. The engine stamps each volume's creation time with its own clock, so sweepers compare
 * engine times only: clocks of different hosts never meet.
 */

/** Label on lease volumes: the lease period in milliseconds. */
export const LEASE_MS_LABEL = 'sandbench.lease-ms';
/** Default lease period: a dead owner elsewhere is swept after about 1.5 periods. */
export const DEFAULT_LEASE_MS = 60_000;
/** Shortest lease period (renewing more often only loads the engine). */
export const MINIMUM_LEASE_MS = 1_000;
/** Renewals per lease period: a lease survives a few failed or late renewals. */
const RENEWALS_PER_PERIOD = 4;
/** The engine reports volume creation times in whole seconds. */
const ENGINE_TIME_RESOLUTION_MS = 1_000;

/** A lease volume as a sweeper reads it. */
export interface LeaseRecord {
  /** Volume name. */
  name: string;
  /** Owner id it belongs to. */
  owner: string;
  /** Its labels (owner and process identity, lease period). */
  labels: Record<string, string>;
  /** Engine time of the renewal (the volume's creation), epoch ms; NaN when the engine gave none. */
  renewedAtMs: number;
  /** The lease period the owner promised to renew within. */
  leaseMs: number;
}

/**
 * Whether a lease has expired "by a margin": its period and half again have passed since the
 * renewal (the owner renews four times per period), plus the engine's timestamp rounding.
 * A lease without a readable time never expires here: nothing proves its owner gone.
 */
export function leaseExpired(lease: Pick<LeaseRecord, 'renewedAtMs' | 'leaseMs'>, engineNowMs: number): boolean {
  if (!Number.isFinite(lease.renewedAtMs) || !Number.isFinite(engineNowMs)) return false;
  return engineNowMs - lease.renewedAtMs > lease.leaseMs * 1.5 + ENGINE_TIME_RESOLUTION_MS;
}

/** Every lease volume on the engine. */
export async function listLeases(docker: DockerEngine): Promise<LeaseRecord[]> {
  const listed = (await docker.listVolumes({ filters: { label: [LEASE_MS_LABEL] } })) as {
    Volumes?: Array<{ Name: string; Labels?: Record<string, string> | null; CreatedAt?: string }> | null;
  };
  const leases: LeaseRecord[] = [];
  for (const volume of listed.Volumes ?? []) {
    const labels = volume.Labels ?? {};
    const owner = labels[OWNER_ID_LABEL];
    if (!owner) continue;
    const leaseMs = Number(labels[LEASE_MS_LABEL]);
    leases.push({
      name: volume.Name,
      owner,
      labels,
      renewedAtMs: volume.CreatedAt ? Date.parse(volume.CreatedAt) : Number.NaN,
      leaseMs: Number.isFinite(leaseMs) && leaseMs > 0 ? leaseMs : DEFAULT_LEASE_MS,
    });
  }
  return leases;
}

/** The engine's clock (epoch ms), which stamped the leases. */
export async function engineTimeMs(docker: DockerEngine): Promise<number> {
  const info = (await docker.info()) as { SystemTime?: string };
  return info.SystemTime ? Date.parse(info.SystemTime) : Number.NaN;
}

/** Remove a volume, ignoring "already gone". */
export async function removeVolume(docker: DockerEngine, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove();
  } catch (error) {
    if ((error as { statusCode?: number } | null)?.statusCode === 404) return;
    throw error;
  }
}

export interface OwnerLeaseOptions {
  /** Lease period in ms (renewed four times per period); default 60 s, at least 1 s. */
  leaseMs?: number;
  logger: Logger;
}

/** The lease of one owner: taken before its first container, renewed until released. */
export class OwnerLease {
  readonly leaseMs: number;
  private readonly docker: DockerEngine;
  private readonly owner: ContainerOwner;
  private readonly logger: Logger;
  /** Lease volumes this owner made and has not removed yet, oldest first. */
  private readonly volumes: string[] = [];
  private sequence = 0;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  private released = false;
  private taken = false;

  constructor(docker: DockerEngine, owner: ContainerOwner, options: OwnerLeaseOptions) {
    this.docker = docker;
    this.owner = owner;
    this.logger = options.logger;
    this.leaseMs = Math.max(MINIMUM_LEASE_MS, Math.round(options.leaseMs ?? DEFAULT_LEASE_MS));
  }

  /** Whether `acquire` was ever called (so lease volumes may exist). */
  get acquired(): boolean {
    return this.taken;
  }

  /** Take the lease (create its first volume) and renew it in the background until `release`. */
  async acquire(): Promise<void> {
    if (this.released || this.timer) return;
    this.taken = true;
    await this.renewInTurn();
    if (this.released) return;
    this.timer = setInterval(() => void this.renewInTurn(), this.leaseMs / RENEWALS_PER_PERIOD);
    // Renewal is a side task: it must never keep the process alive.
    this.timer.unref();
  }

  /**
   * Stop renewing. With `removeVolumes` (its containers are all gone) the lease volumes are
   * removed; otherwise they are left to expire, so that sweepers elsewhere remove what is left.
   */
  async release(removeVolumes: boolean): Promise<void> {
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing;
    if (!removeVolumes) return;
    const names = this.volumes.splice(0);
    await Promise.all(
      names.map((name) =>
        removeVolume(this.docker, name).catch((error: unknown) => {
          this.logger.warn({ err: error, volume: name }, 'could not remove a sandbox lease volume');
        }),
      ),
    );
  }

  /** One renewal at a time; `release` waits for the one in flight. */
  private renewInTurn(): Promise<void> {
    this.renewing ??= this.renew().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  /** Create the next lease volume, then remove the older ones (a sweeper always sees one). */
  private async renew(): Promise<void> {
    if (this.released) return;
    const name = `sandbench-lease-${this.owner.id}-${++this.sequence}`;
    try {
      await this.docker.createVolume({
        Name: name,
        Labels: { ...this.owner.labels, [LEASE_MS_LABEL]: String(this.leaseMs) },
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'could not renew the sandbox containers lease');
      return;
    }
    this.volumes.push(name);
    const older = this.volumes.splice(0, this.volumes.length - 1);
    for (const volume of older) {
      try {
        await removeVolume(this.docker, volume);
      } catch (error) {
        // Kept for the next renewal to retry.
        this.volumes.unshift(volume);
        this.logger.debug({ err: error, volume }, 'could not remove an old lease volume');
      }
    }
  }
}
