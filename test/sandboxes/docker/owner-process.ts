// Child process for the SIGKILL test: make a DockerSandbox, run a job, say READY, then wait to be killed.
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';

const sandbox = new DockerSandbox({ poolSize: 2 });
// Say READY only when the whole pool is started: a container create still in flight at the
// SIGKILL would land after the test's sweep and look like a container the sweep missed.
await sandbox.warmUp(['python']);
const result = await sandbox.run({ language: 'python', source: 'print("hello")' });
if (result.stdout !== 'hello\n') {
  console.error('unexpected result', result);
  process.exit(1);
}
console.log('READY');
setInterval(() => {}, 1000);
