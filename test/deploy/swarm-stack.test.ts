// The Swarm deployment of deploy/swarm/ on this machine's engine: `docker swarm init`, the offline
// server image, `docker stack deploy` of three replicas, HumanEval × 5 through --sandbox remote
// (once as is, once with a replica killed midway), then `docker stack rm` and `docker swarm leave`.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages } from '../../src/images/build-images.ts';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { OWNER_ID_LABEL } from '../../src/sandboxes/docker/container-owner.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { deploySwarmStack, healthy, swarmState, waitFor, type SwarmDeployment } from '../helpers/swarm-deployment.ts';

const engine = await dockerForTests();
const docker = createDockerClient();
const humanEval = join(repoRoot, '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');
const hasData = existsSync(humanEval);
if (process.env.CI && !hasData) throw new Error(`CI is set but ${humanEval} is missing`);

const initialSwarmState = engine.available ? await swarmState(docker) : 'unknown';
if (process.env.CI && engine.available && initialSwarmState !== 'inactive') {
  throw new Error(`CI is set but the engine is already in a swarm (${initialSwarmState}); the Swarm test needs a free engine`);
}
// Outside CI, an engine in a swarm of its own is left alone (the test would leave that swarm).
const runnable = engine.available && hasData && initialSwarmState === 'inactive';

const stack = `sbtest${process.pid}`;
const token = `tok-swarm-test-${process.pid}-${Date.now()}`;

interface SampleLine {
  taskId: string;
  sampleIndex: number;
  outcome: string;
  verdicts: Array<{ testIndex: number; verdict: string; reason?: string }>;
}

function readSamples(runFolder: string): SampleLine[] {
  return readFileSync(join(runFolder, 'samples.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SampleLine);
}

/** Every verdict of a run keyed by task and sample, to compare two runs. */
function verdictsOf(samples: readonly SampleLine[]): Map<string, unknown> {
  return new Map(
    samples.map((sample) => [
      `${sample.taskId}#${sample.sampleIndex}`,
      { outcome: sample.outcome, verdicts: sample.verdicts.map((verdict) => [verdict.testIndex, verdict.verdict, verdict.reason ?? '']) },
    ]),
  );
}

describe.skipIf(!runnable)('sandbench on Docker Swarm (deploy/swarm, host networking, three replicas)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sandbench-swarm-test-'));
  let deployment: SwarmDeployment | undefined;
  let remoteArgs: string[] = [];
  let local: SampleLine[] = [];
  // Every sandbox container and lease of the deployment carries its label (serve.yaml's dockerLabels).
  const deploymentContainers = () => docker.listContainers({ all: true, filters: { label: [deployment!.deploymentLabel] } });
  const deploymentLeases = async () => ((await docker.listVolumes({ filters: { label: [deployment!.deploymentLabel] } })).Volumes ?? []).map((volume) => volume.Name);
  const replicaInSlot2 = async () =>
    (await deployment!.replicaContainers()).filter((container) => container.Labels['com.docker.swarm.task.name']?.startsWith(`${deployment!.service}.2.`));

  beforeAll(async () => {
    // The offline server image (skipped when its recipe hash matches: CI builds it in .ci/run).
    const [image] = await buildImages({ docker, names: ['server'] });
    expect(['built', 'skipped']).toContain(image!.status);
    deployment = await deploySwarmStack(docker, { stack, token });
    remoteArgs = ['--sandbox', 'remote', '--remote', deployment.urls.join(',')];

    // The reference: the same suite on this machine's own Docker backend.
    const localRun = await runCli(['run', humanEval, '--model', 'reference', '-n', '5', '--sandbox', 'docker', '-c', '4', '--out', join(scratch, 'local')], {
      timeoutMs: 600_000,
    });
    expect(localRun.code, localRun.stderr).toBe(0);
    local = readSamples(join(scratch, 'local'));
    expect(local).toHaveLength(820);
  }, 30 * 60_000);

  afterAll(async () => {
    await deployment?.remove();
    rmSync(scratch, { recursive: true, force: true });
  }, 180_000);

  it('spreads HumanEval × 5 over the replicas: 820/820 references pass, verdicts equal to the local run', async () => {
    const out = join(scratch, 'remote');
    const result = await runCli(['run', humanEval, '--model', 'reference', '-n', '5', ...remoteArgs, '-c', '6', '--out', out, '--json'], {
      env: { SANDBENCH_REMOTE_TOKEN: token },
      timeoutMs: 600_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { samples: Record<string, number>; sandbox: string };
    expect(summary.sandbox).toBe('remote');
    expect(summary.samples).toMatchObject({ planned: 820, scored: 820, passed: 820, failed: 0, sandboxErrors: 0, modelErrors: 0 });
    expect(verdictsOf(readSamples(out))).toEqual(verdictsOf(local));
    // Every replica served part of it (each one's /metrics counts its executions).
    for (const url of deployment!.urls) {
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      const executed = [...metrics.matchAll(/^sandbench_executions_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
      expect(executed, url).toBeGreaterThan(0);
    }
  }, 15 * 60_000);

  it('loses and duplicates nothing when a replica is killed midway: Swarm restarts it, no sample counted against the model', async () => {
    const out = join(scratch, 'killed');
    const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'run', humanEval, '--model', 'reference', '-n', '5', ...remoteArgs, '-c', '6', '--out', out, '--json'], {
      cwd: repoRoot,
      env: { ...process.env, SANDBENCH_REMOTE_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    // Midway: some samples scored, most not.
    const scored = () => (existsSync(join(out, 'samples.jsonl')) ? readFileSync(join(out, 'samples.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);
    await waitFor('the run to be under way', async () => scored() >= 100, 300_000);
    const [victim] = await replicaInSlot2();
    expect(victim, 'replica 2 is running').toBeDefined();
    const killedAt = scored();
    // The owners (one per replica) of the deployment's sandbox containers before the kill.
    const ownersBefore = new Set((await deploymentContainers()).map((container) => container.Labels[OWNER_ID_LABEL]!));
    expect(ownersBefore.size).toBe(3);
    await docker.getContainer(victim!.Id).kill({ signal: 'SIGKILL' });

    expect(await exited, stderr).toBe(0);
    expect(killedAt).toBeLessThan(800);
    const summary = JSON.parse(stdout) as { samples: Record<string, number> };
    expect(summary.samples).toMatchObject({ planned: 820, scored: 820, passed: 820, failed: 0, sandboxErrors: 0, modelErrors: 0 });
    const samples = readSamples(out);
    expect(samples).toHaveLength(820);
    expect(new Set(samples.map((sample) => `${sample.taskId}#${sample.sampleIndex}`)).size).toBe(820);
    expect(verdictsOf(samples)).toEqual(verdictsOf(local));

    // Swarm started a new task in slot 2 and it serves again on its port.
    await waitFor('replica 2 to be back', async () => {
      const running = await replicaInSlot2();
      return running.some((container) => container.Id !== victim!.Id) && (await healthy(deployment!.urls[1]!));
    }, 180_000);
    // The killed replica's sandbox containers are swept by its peers once its lease expired;
    // the two live replicas' containers stay, and the new replica has its own.
    await waitFor('the killed replica\'s containers to be swept', async () => {
      const owners = new Set((await deploymentContainers()).map((container) => container.Labels[OWNER_ID_LABEL]!));
      const kept = [...ownersBefore].filter((owner) => owners.has(owner));
      return kept.length === 2 && owners.size === 3;
    }, 120_000);
  }, 20 * 60_000);

  it('leaves no container, lease or swarm behind after docker stack rm and docker swarm leave --force', async () => {
    expect((await deploymentContainers()).length).toBeGreaterThan(0);
    await deployment!.remove();
    expect(await swarmState(docker)).toBe('inactive');
    await waitFor('the sandbox containers to go', async () => (await deploymentContainers()).length === 0, 60_000);
    expect(await deploymentContainers()).toEqual([]);
    expect(await deploymentLeases()).toEqual([]);
    expect(await deployment!.replicaContainers(true)).toEqual([]);
  }, 5 * 60_000);
});
