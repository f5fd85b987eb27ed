import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Who owns a sandbox container, written in its labels so that any process on the same engine
 * can tell whether the owner is gone. Several machines, CI containers or PID namespaces may share
 * one engine, so a pid alone proves nothing: the owner id is random (unique across hosts), and
 * the pid is meaningful only to a process that shares the owner's kernel boot, PID namespace and
 * time namespace (the "process identity" labels). Liveness across hosts is proved by a lease
 * (owner-lease.ts).
 */

/** Random id of the owner (one per DockerSandbox), unique across hosts. */
export const OWNER_ID_LABEL = 'sandbench.owner';
/** Label holding the pid of the host process that made the container, in its own PID namespace. */
export const OWNER_PID_LABEL = 'sandbench.owner-pid';
/** The owner's kernel boot id (`/proc/sys/kernel/random/boot_id`): tells one host (one boot) from another. */
export const OWNER_BOOT_ID_LABEL = 'sandbench.owner-boot-id';
/** Inode of the owner's PID namespace: its pid means something only inside that namespace. */
export const OWNER_PID_NAMESPACE_LABEL = 'sandbench.owner-pid-namespace';
/** Inode of the owner's time namespace (process start times are shifted per time namespace). */
export const OWNER_TIME_NAMESPACE_LABEL = 'sandbench.owner-time-namespace';
/** The owner process's start time (clock ticks after boot): a reused pid has another. */
export const OWNER_START_TIME_LABEL = 'sandbench.owner-start-time';

/** The facts that make a pid meaningful: where the process lives and when it started. */
export interface ProcessIdentity {
  /** The kernel's boot id. */
  bootId: string;
  /** Inode of the PID namespace. */
  pidNamespace: string;
  /** Inode of the time namespace; empty on kernels without time namespaces. */
  timeNamespace: string;
  /** The pid, in that namespace. */
  pid: number;
  /** Start time in clock ticks after boot (field 22 of /proc/<pid>/stat). */
  startTime: string;
}

/** A container owner: its id and the labels every container and lease of it carries. */
export interface ContainerOwner {
  /** Random owner id (`sandbench.owner`). */
  id: string;
  /** Owner id, pid and, where /proc tells them, the process identity labels. */
  labels: Readonly<Record<string, string>>;
}

/** The inode in a namespace link such as `pid:[4026531836]`, or null. */
function namespaceInode(link: string): string | null {
  return /^\w+:\[(\d+)\]$/.exec(link)?.[1] ?? null;
}

/** State and start time of a process from `/proc/<pid>/stat`, or null when it cannot be read. */
export function readProcessStat(pid: number | 'self'): { state: string; startTime: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const startTime = fields[19];
    if (!state || !startTime || !/^\d+$/.test(startTime)) return null;
    return { state, startTime };
  } catch {
    return null;
  }
}

let cachedIdentity: ProcessIdentity | null | undefined;

/**
 * This process's identity, or null when /proc cannot vouch for it (not Linux, or a /proc that
 * belongs to another PID namespace: then pids read from it would be someone else's).
 */
export function currentProcessIdentity(): ProcessIdentity | null {
  if (cachedIdentity !== undefined) return cachedIdentity;
  cachedIdentity = null;
  try {
    // NSpid lists the pid in /proc's namespace and each nested one: a single entry equal to our
    // own pid means /proc is mounted for our own PID namespace.
    const nsPid = /^NSpid:\s*(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]?.trim().split(/\s+/);
    if (!nsPid || nsPid.length !== 1 || nsPid[0] !== String(process.pid)) return null;
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = namespaceInode(readlinkSync('/proc/self/ns/pid'));
    let timeNamespace = '';
    try {
      timeNamespace = namespaceInode(readlinkSync('/proc/self/ns/time')) ?? '';
    } catch {
      // Kernels before 5.6 have no time namespaces: every process shares the boot clock.
    }
    const stat = readProcessStat('self');
    if (!/^[0-9a-f-]{36}$/.test(bootId) || !pidNamespace || !stat) return null;
    cachedIdentity = { bootId, pidNamespace, timeNamespace, pid: process.pid, startTime: stat.startTime };
  } catch {
    cachedIdentity = null;
  }
  return cachedIdentity;
}

/** A new owner for this process: a random id and the labels that go with it. */
export function createContainerOwner(): ContainerOwner {
  const id = randomUUID();
  const identity = currentProcessIdentity();
  const labels: Record<string, string> = { [OWNER_ID_LABEL]: id, [OWNER_PID_LABEL]: String(process.pid) };
  if (identity) {
    labels[OWNER_BOOT_ID_LABEL] = identity.bootId;
    labels[OWNER_PID_NAMESPACE_LABEL] = identity.pidNamespace;
    if (identity.timeNamespace) labels[OWNER_TIME_NAMESPACE_LABEL] = identity.timeNamespace;
    labels[OWNER_START_TIME_LABEL] = identity.startTime;
  }
  return { id, labels };
}

let processOwner: ContainerOwner | undefined;

/** One owner for containers made outside a DockerSandbox (benchmarks): it holds no lease. */
export function defaultContainerOwner(): ContainerOwner {
  processOwner ??= createContainerOwner();
  return processOwner;
}

/** What the labels say about their owner process. */
export type OwnerProcessState =
  /** The labels come from another host, PID or time namespace (or this one's /proc is foreign). */
  | 'elsewhere'
  /** Same host and namespaces: the process is running (same pid, same start time). */
  | 'running'
  /** Same host and namespaces: no such process any more (or a new one reusing the pid, or a zombie). */
  | 'gone';

/**
 * Whether the owner process named by `labels` is running, judged from this process. Only a
 * process sharing the owner's boot, PID namespace and time namespace can know; any other gets
 * 'elsewhere' and must rely on the lease.
 */
export function ownerProcessState(labels: Readonly<Record<string, string>>, here = currentProcessIdentity()): OwnerProcessState {
  if (!here) return 'elsewhere';
  if (
    labels[OWNER_BOOT_ID_LABEL] !== here.bootId ||
    labels[OWNER_PID_NAMESPACE_LABEL] !== here.pidNamespace ||
    (labels[OWNER_TIME_NAMESPACE_LABEL] ?? '') !== here.timeNamespace
  ) {
    return 'elsewhere';
  }
  const pid = Number(labels[OWNER_PID_LABEL]);
  if (!Number.isInteger(pid) || pid <= 0) return 'gone';
  if (pid === here.pid) return labels[OWNER_START_TIME_LABEL] === here.startTime ? 'running' : 'gone';
  if (!processExists(pid)) return 'gone';
  const stat = readProcessStat(pid);
  // Unreadable (a /proc mounted with hidepid): the pid exists, so assume it is the owner.
  if (!stat) return 'running';
  if (stat.state === 'Z' || stat.state === 'X') return 'gone';
  const recorded = labels[OWNER_START_TIME_LABEL];
  return recorded === undefined || recorded === stat.startTime ? 'running' : 'gone';
}

/** Whether a process with this pid exists in this PID namespace (EPERM: it exists, someone else's). */
export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
