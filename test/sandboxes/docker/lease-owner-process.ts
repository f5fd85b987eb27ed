// Child process for the shared-engine tests: a DockerSandbox owner that answers commands.
// Argument: the lease period in ms. Prints one JSON line per event on stdout: `ready` (after its
// start sweep and a job), `swept` (after a `sweep` line on stdin), `disposed` (after `exit`).
import { createInterface } from 'node:readline';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { sweepContainers } from '../../../src/sandboxes/docker/sweep-containers.ts';

const leaseMs = Number(process.argv[2]);
const sandbox = new DockerSandbox({ poolSize: 1, leaseMs });
const say = (message: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(message) + '\n');
};

await sandbox.warmUp(['python']);
const result = await sandbox.run({ language: 'python', source: 'print("hello")' });
if (result.stdout !== 'hello\n') {
  console.error('unexpected result', result);
  process.exit(1);
}
say({ event: 'ready', pid: process.pid, owner: sandbox.ownerId, containers: sandbox.containerIds() });

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'sweep') {
    const swept = await sweepContainers(createDockerClient());
    say({ event: 'swept', removed: swept.removed, kept: swept.kept });
  } else if (line === 'exit') {
    await sandbox.dispose();
    say({ event: 'disposed' });
    process.exit(0);
  }
}
