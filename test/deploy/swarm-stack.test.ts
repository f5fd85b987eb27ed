// The Swarm deployment of deploy/swarm/ on this machine's engine: `docker swarm init`, the offline
// server image, `docker stack deploy` of three replicas, HumanEval × 5 through --sandbox remote
// (once as is, once with a replica killed midway), then `docker stack rm` and `docker swarm leave`.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages } from '../../src/images/build-images.ts';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { OWNER_ID_LABEL } from '../../src/sandboxes/docker/container-owner.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

const run = promisify(execFile);
const engine = await dockerForTests();
const docker = createDockerClient();
const humanEval = join(repoRoot, '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');
const hasData = existsSync(humanEval);
if (process.env.CI && !hasData) throw new Error(`CI is set but ${humanEval} is missing`);

/** Whether this engine is already part of a swarm (then the test must not touch it). */
async function swarmState(): Promise<string> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  return info.Swarm?.LocalNodeState ?? 'unknown';
}
const initialSwarmState = engine.available ? await swarmState() : 'unknown';
if (process.env.CI && engine.available && initialSwarmState !== 'inactive') {
  throw new Error(`CI is set but the engine is already in a swarm (${initialSwarmState}); the Swarm test needs a free engine`);
}
const runnable = engine.available && hasData && initialSwarmState === 'inactive';

const stack = `sbtest${process.pid}`;
const service = `${stack}_sandbench`;
const token = `tok-swarm-test-${process.pid}-${Date.now()}`;
// The stack's host-networking layout gives replica <slot> the port 878<slot>.
const replicaUrls = [1, 2, 3].map((slot) => `http://127.0.0.1:878${slot}`);
// Every sandbox container of this deployment carries this label (serve.yaml's dockerLabels).
const deploymentLabel = `org.sandbench.deployment=${stack}`;

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

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const serviceContainers = (all = false) => docker.listContainers({ all, filters: { label: [`com.docker.swarm.service.name=${service}`] } });
const deploymentContainers = () => docker.listContainers({ all: true, filters: { label: [deploymentLabel] } });
const deploymentLeases = async () => ((await docker.listVolumes({ filters: { label: [deploymentLabel] } })).Volumes ?? []).map((volume) => volume.Name);

describe.skipIf(!runnable)('sandbench on Docker Swarm (deploy/swarm, host networking, three replicas)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sandbench-swarm-test-'));
  const remoteArgs = ['--sandbox', 'remote', '--remote', replicaUrls.join(',')];
  let swarmStarted = false;
  let local: SampleLine[] = [];

  beforeAll(async () => {
    // A port another process holds would make a replica fail; say so instead of timing out.
    for (const url of replicaUrls) {
      const taken = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false);
      if (taken) throw new Error(`${url} already answers: the stack's replicas need ports 8781-8783`);
    }
    // The offline server image (skipped when its recipe hash matches: CI builds it in .ci/run).
    const [image] = await buildImages({ docker, names: ['server'] });
    expect(['built', 'skipped']).toContain(image!.status);

    // The shipped stack and config, with this run's name as the deployment label.
    const deployFolder = join(scratch, 'swarm');
    cpSync(join(repoRoot, 'deploy', 'swarm'), deployFolder, { recursive: true });
    const serveYaml = join(deployFolder, 'serve.yaml');
    const shipped = readFileSync(serveYaml, 'utf8');
    expect(shipped).toMatch(/org\.sandbench\.deployment: swarm/);
    writeFileSync(serveYaml, shipped.replace('org.sandbench.deployment: swarm', `org.sandbench.deployment: ${stack}`));

    await run('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    swarmStarted = true;
    await run('docker', ['stack', 'deploy', '-c', join(deployFolder, 'stack.yml'), stack], { env: { ...process.env, SANDBENCH_TOKENS: token } });
    await waitFor('three healthy replicas', async () => (await Promise.all(replicaUrls.map(healthy))).every(Boolean), 180_000);

    // The reference: the same suite on this machine's own Docker backend.
    const localRun = await runCli(['run', humanEval, '--model', 'reference', '-n', '5', '--sandbox', 'docker', '-c', '4', '--out', join(scratch, 'local')], {
      timeoutMs: 600_000,
    });
    expect(localRun.code, localRun.stderr).toBe(0);
    local = readSamples(join(scratch, 'local'));
    expect(local).toHaveLength(820);
  }, 30 * 60_000);

  afterAll(async () => {
    if (swarmStarted) {
      await run('docker', ['stack', 'rm', stack]).catch(() => undefined);
      // Replicas stop on SIGTERM, removing their sandbox containers and leases.
      await waitFor('the replicas to stop', async () => (await serviceContainers(true)).length === 0, 120_000).catch(() => undefined);
      await run('docker', ['swarm', 'leave', '--force']).catch(() => undefined);
    }
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
    for (const url of replicaUrls) {
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
    const [victim] = (await serviceContainers()).filter((container) => container.Labels['com.docker.swarm.task.name']?.startsWith(`${service}.2.`));
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
      const running = (await serviceContainers()).filter((container) => container.Labels['com.docker.swarm.task.name']?.startsWith(`${service}.2.`));
      return running.some((container) => container.Id !== victim!.Id) && (await healthy(replicaUrls[1]!));
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
    await run('docker', ['stack', 'rm', stack]);
    await waitFor('the replicas to stop', async () => (await serviceContainers(true)).length === 0, 120_000);
    await run('docker', ['swarm', 'leave', '--force']);
    swarmStarted = false;
    expect(await swarmState()).toBe('inactive');
    await waitFor('the sandbox containers to go', async () => (await deploymentContainers()).length === 0, 60_000);
    expect(await deploymentContainers()).toEqual([]);
    expect(await deploymentLeases()).toEqual([]);
    expect(await serviceContainers(true)).toEqual([]);
  }, 5 * 60_000);
});
