// Child process for the SIGKILL test: make a DockerSandbox, run a job, say READY, then wait to be killed.
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';

const sandbox = new DockerSandbox({ poolSize: 2 });
const result = await sandbox.run({ language: 'python', source: 'print("hello")' });
if (result.stdout !== 'hello\n') {
  console.error('unexpected result', result);
  process.exit(1);
}
console.log('READY');
setInterval(() => {}, 1000);
