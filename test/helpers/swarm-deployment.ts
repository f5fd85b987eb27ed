// deploy/swarm/ on this machine's engine, for the Swarm test and bench/swarm-throughput.ts:
// `docker swarm init`, `docker stack deploy` of the shipped stack file and config (the config's
// deployment label set to the stack's name), and the way back out.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { repoRoot } from './paths.ts';

const run = promisify(execFile);

/** The stack's host-networking layout gives replica <slot> the port 878<slot>. */
export function replicaUrls(replicas = 3): string[] {
  return Array.from({ length: replicas }, (_, index) => `http://127.0.0.1:878${index + 1}`);
}

/** Whether this engine is part of a swarm already (`inactive` when free). */
export async function swarmState(docker: Dockerode): Promise<string> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  return info.Swarm?.LocalNodeState ?? 'unknown';
}

/** GET /healthz answers 200. */
export async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Poll `check` every half second until it holds, or throw naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface SwarmDeployment {
  stack: string;
  /** `<stack>_sandbench`: the label `com.docker.swarm.service.name` of the replicas. */
  service: string;
  urls: string[];
  /** `org.sandbench.deployment=<stack>`: on every sandbox container and lease of the replicas. */
  deploymentLabel: string;
  /** The replicas' containers (running only unless `all`). */
  replicaContainers(all?: boolean): Promise<Dockerode.ContainerInfo[]>;
  /** `docker stack rm`, wait for the replicas to stop, `docker swarm leave --force`. */
  remove(): Promise<void>;
}

/**
 * `docker swarm init` and deploy the shipped stack with `token`; resolves once every replica's
 * /healthz says ready. The engine must not be in a swarm already; the server image must exist.
 */
export async function deploySwarmStack(docker: Dockerode, options: { stack: string; token: string; readyTimeoutMs?: number }): Promise<SwarmDeployment> {
  const urls = replicaUrls();
  for (const url of urls) {
    const taken = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (taken) throw new Error(`${url} already answers: the stack's replicas need ports 8781-8783`);
  }
  const folder = mkdtempSync(join(tmpdir(), 'sandbench-swarm-'));
  cpSync(join(repoRoot, 'deploy', 'swarm'), folder, { recursive: true });
  const serveYaml = join(folder, 'serve.yaml');
  const shipped = readFileSync(serveYaml, 'utf8');
  if (!shipped.includes('org.sandbench.deployment: swarm')) throw new Error(`${serveYaml}: the deployment label is not where the helper expects it`);
  writeFileSync(serveYaml, shipped.replace('org.sandbench.deployment: swarm', `org.sandbench.deployment: ${options.stack}`));

  const service = `${options.stack}_sandbench`;
  const replicaContainers = (all = false) => docker.listContainers({ all, filters: { label: [`com.docker.swarm.service.name=${service}`] } });
  let joined = false;
  const remove = async (): Promise<void> => {
    if (!joined) return;
    await run('docker', ['stack', 'rm', options.stack]).catch(() => undefined);
    // Replicas stop on SIGTERM, removing their sandbox containers and leases.
    await waitFor('the replicas to stop', async () => (await replicaContainers(true)).length === 0, 120_000).catch(() => undefined);
    await run('docker', ['swarm', 'leave', '--force']).catch(() => undefined);
    joined = false;
    rmSync(folder, { recursive: true, force: true });
  };
  await run('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
  joined = true;
  try {
    await run('docker', ['stack', 'deploy', '-c', join(folder, 'stack.yml'), options.stack], { env: { ...process.env, SANDBENCH_TOKENS: options.token } });
    await waitFor('three healthy replicas', async () => (await Promise.all(urls.map(healthy))).every(Boolean), options.readyTimeoutMs ?? 180_000);
  } catch (error) {
    await remove();
    throw error;
  }
  return { stack: options.stack, service, urls, deploymentLabel: `org.sandbench.deployment=${options.stack}`, replicaContainers, remove };
}
