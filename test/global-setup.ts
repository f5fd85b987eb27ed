import { createDockerClient, pingDocker } from '../src/images/docker-client.ts';
import { OWNER_PID_LABEL, SANDBENCH_LABEL, removeContainer } from '../src/sandboxes/docker/create-container.ts';
import { processAlive } from '../src/sandboxes/docker/sweep-containers.ts';

// Runs once around the whole test suite. The Docker backend's check: after the suite, no
// container made by this run may remain. Test workers have exited by now, so a container whose
// owner process is gone (or is this process) is a leak: remove it AND fail the run. Containers
// of other live processes (another test run, a benchmark on the same engine) are left alone.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {
    const docker = createDockerClient();
    const ping = await pingDocker(docker, 3000);
    if (!ping.ok) return;
    const containers = await docker.listContainers({ all: true, filters: { label: [`${SANDBENCH_LABEL}=1`] } });
    const leftovers = containers.filter((info) => {
      const owner = Number(info.Labels?.[OWNER_PID_LABEL]);
      return owner === process.pid || !processAlive(owner);
    });
    if (leftovers.length === 0) return;
    await Promise.all(leftovers.map((info) => removeContainer(docker.getContainer(info.Id)).catch(() => {})));
    const described = leftovers.map(
      (info) =>
        `${info.Id.slice(0, 12)} (${info.Labels?.['sandbench.image'] ?? info.Image}, owner pid ${info.Labels?.[OWNER_PID_LABEL] ?? '?'}, ${info.State})`,
    );
    throw new Error(`${leftovers.length} sandbench container(s) were still there after the tests (now removed): ${described.join('; ')}`);
  };
}
