// Child process for the session cleanup tests: open a Docker session, run a command in it, say
// READY, then wait to be killed. With the argument `signals`, the sandbox removes its containers
// on SIGTERM (as the CLI asks).
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';

const sandbox = new DockerSandbox({ poolSize: 1, handleSignals: process.argv.includes('signals') });
const session = await sandbox.openSession({ language: 'python', files: { 'note.txt': 'kept' } });
const result = await session.runCommand!({ argv: ['cat', 'note.txt'] });
if (result.stdout !== 'kept') {
  console.error('unexpected result', result);
  process.exit(1);
}
console.log('READY');
setInterval(() => {}, 1000);
