import { existsSync } from 'node:fs';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../../src/datasets/load-suite.ts';
import { DockerEnginesSandbox } from '../../../src/sandboxes/docker-engines-sandbox.ts';
import { engineFromAddress } from '../../../src/sandboxes/docker/engine-client.ts';
import { OWNER_PID_LABEL } from '../../../src/sandboxes/docker/container-owner.ts';
import { SANDBENCH_LABEL } from '../../../src/sandboxes/docker/create-container.ts';
import { scoreCompletion } from '../../../src/harness/score-completion.ts';
import { dockerForTests } from '../../helpers/docker-available.ts';
import { datasets, hasData } from '../../helpers/paths.ts';

const docker = await dockerForTests();
/** The second engine `.ci/second-engine.sh` starts (CI runs it before the tests). */
const SECOND = process.env.SANDBENCH_SECOND_ENGINE ?? 'unix:///run/sandbench-second-engine/docker.sock';
const FIRST = 'unix:///var/run/docker.sock';
const secondAvailable = existsSync(SECOND.slice('unix://'.length));
if (process.env.CI && docker.available && !secondAvailable) throw new Error(`CI is set but the second engine (${SECOND}) is not there: run .ci/second-engine.sh`);

/** This process's sandbench containers on an engine. */
async function ours(address: string): Promise<number> {
  const list = await engineFromAddress(address).listContainers({ all: true, filters: { label: [`${SANDBENCH_LABEL}=1`, `${OWNER_PID_LABEL}=${process.pid}`] } });
  return list.length;
}

describe.skipIf(!docker.available || !secondAvailable || !hasData)('the Docker backend over two engines', () => {
  let sandbox: DockerEnginesSandbox;
  beforeAll(() => {
    sandbox = new DockerEnginesSandbox([
      { address: FIRST, poolSize: 1 },
      { address: SECOND, poolSize: 1 },
    ]);
  });
  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('HumanEval references spread over both engines pass as on one; sessions live on an engine; nothing is left behind', async () => {
    await sandbox.warmUp(['python']);
    const tasks = (await loadSuite(datasets.humaneval)).tasks.slice(0, 40);
    const lane = pLimit(4);
    const outcomes = await Promise.all(tasks.map((task) => lane(async () => (await scoreCompletion(task, task.reference!, sandbox, { assembly: 'exact' })).outcome)));
    expect(outcomes.filter((outcome) => outcome === 'passed')).toHaveLength(40);
    const served = sandbox.servedByEngine();
    expect(served[FIRST]).toBeGreaterThan(5);
    expect(served[SECOND]).toBeGreaterThan(5);
    // Each engine holds its own warm pool while the backend lives.
    expect(await ours(FIRST)).toBeGreaterThan(0);
    expect(await ours(SECOND)).toBeGreaterThan(0);

    const sessions = await Promise.all([sandbox.openSession({ language: 'python', files: { 'a.txt': 'one\n' } }), sandbox.openSession({ language: 'python', files: { 'a.txt': 'two\n' } })]);
    const read = await Promise.all(sessions.map((session) => session.runCommand!({ argv: ['cat', 'a.txt'] })));
    expect(read.map((result) => result.stdout)).toEqual(['one\n', 'two\n']);
    await Promise.all(sessions.map((session) => session.dispose()));

    await sandbox.dispose();
    expect(await ours(FIRST)).toBe(0);
    expect(await ours(SECOND)).toBe(0);
  }, 300_000);

  it('an engine without the image is named in the warm-up error', async () => {
    const broken = new DockerEnginesSandbox([{ address: FIRST }, { address: 'unix:///run/no-such-engine.sock' }]);
    try {
      await expect(broken.warmUp(['python'])).rejects.toThrow(/Docker engine unix:\/\/\/run\/no-such-engine\.sock/);
    } finally {
      await broken.dispose();
    }
  });
});
