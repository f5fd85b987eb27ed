import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  OWNER_ID_LABEL,
  OWNER_PID_LABEL,
  OWNER_PID_NAMESPACE_LABEL,
  OWNER_START_TIME_LABEL,
  createContainerOwner,
  currentProcessIdentity,
  ownerProcessState,
} from '../../../src/sandboxes/docker/container-owner.ts';
import type { LeaseRecord } from '../../../src/sandboxes/docker/owner-lease.ts';
import { judgeOwner } from '../../../src/sandboxes/docker/sweep-containers.ts';

const here = currentProcessIdentity();
const NOW = Date.parse('2026-01-01T12:00:00Z');

function lease(owner: string, ageMs: number, leaseMs: number): LeaseRecord {
  return { name: `sandbench-lease-${owner}-1`, owner, labels: {}, renewedAtMs: NOW - ageMs, leaseMs };
}

/** A pid that was just used by a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

describe.skipIf(!here)('judging an owner from its labels', () => {
  it('on this host and namespace: a running owner is kept, a dead or replaced one is gone at once', () => {
    const mine = createContainerOwner().labels;
    expect(ownerProcessState(mine)).toBe('running');
    expect(judgeOwner(mine, new Map(), NOW).gone).toBe(false);

    const dead = { ...mine, [OWNER_PID_LABEL]: String(deadPid()) };
    expect(ownerProcessState(dead)).toBe('gone');
    expect(judgeOwner(dead, new Map(), NOW)).toEqual({ gone: true, reason: 'the owner process is gone' });

    // The pid is alive but belongs to a process that started at another time: a reused pid.
    const reused = { ...mine, [OWNER_START_TIME_LABEL]: String(Number(mine[OWNER_START_TIME_LABEL]) + 1) };
    expect(ownerProcessState(reused)).toBe('gone');
    const reusedParent = { ...mine, [OWNER_PID_LABEL]: String(process.ppid), [OWNER_START_TIME_LABEL]: '1' };
    expect(ownerProcessState(reusedParent)).toBe('gone');
  });

  it('in another PID namespace the pid proves nothing: only an expired lease makes the owner gone', () => {
    const labels: Record<string, string> = { ...createContainerOwner().labels, [OWNER_PID_NAMESPACE_LABEL]: '1', [OWNER_PID_LABEL]: String(deadPid()) };
    const owner = labels[OWNER_ID_LABEL]!;
    expect(ownerProcessState(labels)).toBe('elsewhere');
    // No lease seen: nothing proves it gone.
    expect(judgeOwner(labels, new Map(), NOW).gone).toBe(false);
    // Lease 10 s: current up to 1.5 periods plus the engine's one-second rounding.
    expect(judgeOwner(labels, new Map([[owner, [lease(owner, 15_000, 10_000)]]]), NOW).gone).toBe(false);
    expect(judgeOwner(labels, new Map([[owner, [lease(owner, 16_500, 10_000)]]]), NOW).gone).toBe(true);
    // Any current lease of the owner keeps it.
    expect(judgeOwner(labels, new Map([[owner, [lease(owner, 60_000, 10_000), lease(owner, 1_000, 10_000)]]]), NOW).gone).toBe(false);
    // Another owner's lease says nothing about this one.
    expect(judgeOwner(labels, new Map([['someone-else', [lease('someone-else', 0, 10_000)]]]), NOW).gone).toBe(false);
    // Without the engine's time nothing expires.
    expect(judgeOwner(labels, new Map([[owner, [lease(owner, 60_000, 10_000)]]]), Number.NaN).gone).toBe(false);
  });

  it('a container from before owner ids (pid label only) is kept, even when that pid is dead here', () => {
    expect(judgeOwner({ [OWNER_PID_LABEL]: String(deadPid()) }, new Map(), NOW).gone).toBe(false);
  });

  it('labels from another host (boot id) are judged by the lease, never by a local pid', () => {
    const labels = { ...createContainerOwner().labels, 'sandbench.owner-boot-id': '00000000-0000-0000-0000-000000000000' };
    expect(ownerProcessState(labels)).toBe('elsewhere');
  });
});
