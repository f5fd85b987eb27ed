import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { dockerTestEnvironment, healthyAfter, runFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** A secret in the format the hostile programs search for. */
function secret(): string {
  return `sbleak-${randomBytes(16).toString('hex')}`;
}

describe.skipIf(!engine.available)("Docker sandbox: a forked Python job never sees an earlier job's data", () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    // One container, so that every job runs in the same one as the job before it.
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['python']);
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  for (const fixture of ['leak-frames.py', 'leak-objects.py', 'leak-heap.py']) {
    it(`${fixture}: the next job in the same container finds none of the previous job's source, stdin or output`, async () => {
      const inSource = secret();
      const inStdin = secret();
      const inOutput = secret();
      const writer = await sandbox.run({
        language: 'python',
        // The output secret is computed, so it appears in neither the source nor the stdin.
        source: [
          `# ${inSource}`,
          'import socket, sys',
          `SOURCE_SECRET = "${inSource}"`,
          'data = sys.stdin.read()',
          `print(socket.gethostname())`,
          `print("".join(["sbleak-", "${inOutput.slice('sbleak-'.length)}"]), len(data))`,
        ].join('\n'),
        stdin: `${inStdin}\n`,
      });
      expect(writer.status).toBe('ok');
      expect(writer.stdout).toContain(inOutput);
      const reader = await runFixture(sandbox, fixture);
      expect(reader.status).toBe('ok');
      const [host] = reader.stdout.split('\n');
      // Same container as the writer: otherwise the test would prove nothing.
      expect(host).toBe(writer.stdout.split('\n')[0]);
      for (const value of [inSource, inStdin, inOutput]) expect(reader.stdout).not.toContain(value);
      expect(reader.stdout).toMatch(/^found: \[\]$/m);
      const after = await healthyAfter(sandbox);
      expect(after.status).toBe('ok');
      expect(after.stdout).toBe('healthy\n');
    });
  }
});
