import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { HOSTNAME_PROGRAM, dockerTestEnvironment, healthyAfter, runFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

// Limits a job can lower on another process of its user (hard limits above 0 in the container;
// core, nice and rtprio are 0 there, so there is nothing to lower).
const RLIMITS = ['CPU', 'FSIZE', 'DATA', 'STACK', 'RSS', 'NPROC', 'NOFILE', 'MEMLOCK', 'AS', 'LOCKS', 'SIGPENDING', 'MSGQUEUE', 'RTTIME'];
const SCHEDULING = ['nice', 'ioprio', 'affinity', 'policy'];

describe.skipIf(!engine.available)("Docker sandbox: a job that changes the runner's or the fork server's settings", () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['python']);
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  async function hostname(): Promise<string> {
    const result = await sandbox.run({ language: 'python', source: HOSTNAME_PROGRAM });
    expect(result.status).toBe('ok');
    return result.stdout.trim();
  }

  async function expectHealthy(): Promise<void> {
    const after = await healthyAfter(sandbox);
    expect(after.status).toBe('ok');
    expect(after.stdout).toBe('healthy\n');
  }

  const cases = [
    ...RLIMITS.map((name) => `runner rlimit:${name}`),
    ...SCHEDULING.map((what) => `runner ${what}`),
    ...RLIMITS.map((name) => `fork-server rlimit:${name}`),
    ...SCHEDULING.map((what) => `fork-server ${what}`),
  ];
  for (const change of cases) {
    it(`${change}: the job is judged on what it did (ok) and its container is replaced`, async () => {
      const before = await hostname();
      const result = await runFixture(sandbox, 'tamper.py', { stdin: change });
      expect(result.stderr).toBe('');
      expect(result.status).toBe('ok');
      expect(result.stdout).toBe(`changed ${change}\n`);
      expect(await hostname()).not.toBe(before);
      await expectHealthy();
    });
  }

  for (const change of ['fork-server kill', 'fork-server stop']) {
    it(`${change}: the job is judged (ok), the fork server is replaced and the next jobs run`, async () => {
      const result = await runFixture(sandbox, 'tamper.py', { stdin: change });
      expect(result.status).toBe('ok');
      expect(result.stdout).toBe(`changed ${change}\n`);
      await expectHealthy();
      await expectHealthy();
    });
  }
});
