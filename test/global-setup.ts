import { createDockerClient, pingDocker } from '../src/images/docker-client.ts';
import { OWNER_PID_LABEL, OWNER_START_TIME_LABEL, currentProcessIdentity, ownerProcessState } from '../src/sandboxes/docker/container-owner.ts';
import { SANDBENCH_LABEL, removeContainer } from '../src/sandboxes/docker/create-container.ts';
import { listLeases, removeVolume } from '../src/sandboxes/docker/owner-lease.ts';

// Runs once around the whole test suite. The Docker backend's check: after the suite, no
// container (and no lease volume) made by this run may remain. Test workers have exited by now,
// so one whose owner process ran on this host, in this PID namespace, and is gone (or is this
// process) is a leak: remove it AND fail the run. Containers of other live processes (another
// test run, a benchmark on the same engine) are left alone, and so are those of owners in other
// PID namespaces or on other hosts: nothing tells whether they belong to this run (tests that
// make such owners clean up after them and check it themselves). Owners that started before
// this run did (a process killed before the tests began) are not this run's leaks either: the
// sweep of the next sandbox removes what they left.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {
    const docker = createDockerClient();
    const ping = await pingDocker(docker, 3000);
    if (!ping.ok) return;
    const here = currentProcessIdentity();
    const runStarted = Number(here?.startTime ?? 0);
    const leaked = (labels: Record<string, string>): boolean => {
      if (Number(labels[OWNER_START_TIME_LABEL] ?? 0) < runStarted) return false;
      const state = ownerProcessState(labels, here);
      return state === 'gone' || (state === 'running' && labels[OWNER_PID_LABEL] === String(process.pid));
    };
    const containers = await docker.listContainers({ all: true, filters: { label: [`${SANDBENCH_LABEL}=1`] } });
    const leftovers = containers.filter((info) => leaked(info.Labels ?? {}));
    const leases = (await listLeases(docker)).filter((lease) => leaked(lease.labels));
    if (leftovers.length === 0 && leases.length === 0) return;
    await Promise.all(leftovers.map((info) => removeContainer(docker.getContainer(info.Id)).catch(() => {})));
    await Promise.all(leases.map((lease) => removeVolume(docker, lease.name).catch(() => {})));
    const described = [
      ...leftovers.map(
        (info) =>
          `container ${info.Id.slice(0, 12)} (${info.Labels?.['sandbench.image'] ?? info.Image}, owner pid ${info.Labels?.[OWNER_PID_LABEL] ?? '?'}, ${info.State})`,
      ),
      ...leases.map((lease) => `lease ${lease.name} (owner pid ${lease.labels[OWNER_PID_LABEL] ?? '?'})`),
    ];
    throw new Error(`${described.length} sandbench object(s) were still there after the tests (now removed): ${described.join('; ')}`);
  };
}
