import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import { runSuite } from '../../src/harness/run-suite.ts';
import { referenceModel } from '../../src/models/reference-model.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';
import type { SampleResult } from '../../src/schemas/sample-result.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { datasets, hasData, repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startTestServer, type TestServer } from '../server/server-helpers.ts';

const docker = await dockerForTests();

/** Every verdict of a run, keyed by task and sample, for comparing two runs. */
function verdictsOf(samples: readonly SampleResult[]): Map<string, unknown> {
  return new Map(
    samples.map((sample) => [
      `${sample.taskId}#${sample.sampleIndex}`,
      { outcome: sample.outcome, verdicts: sample.verdicts.map((verdict) => [verdict.testIndex, verdict.verdict, verdict.reason ?? '']) },
    ]),
  );
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sandbench-remote-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function runBoth(suitePath: string, remoteSet: SandboxSet, local: SandboxSet, name: string): Promise<{ local: SampleResult[]; remote: SampleResult[] }> {
  const suite = await loadSuite(suitePath);
  const here = await runSuite({ suite, model: referenceModel, sandboxes: local, outDir: join(work, `${name}-local`) });
  const there = await runSuite({ suite, model: referenceModel, sandboxes: remoteSet, outDir: join(work, `${name}-remote`) });
  return { local: here.samples, remote: there.samples };
}

describe('the remote backend: the same verdicts through sandbench services as locally', () => {
  let replicas: TestServer[] = [];
  let remote: SandboxSet;
  let local: SandboxSet;
  beforeAll(async () => {
    replicas = [await startTestServer(), await startTestServer()];
    remote = new SandboxSet('remote', { remote: { urls: replicas.map((replica) => replica.base) } });
    local = new SandboxSet();
  });
  afterAll(async () => {
    await remote?.dispose();
    await local?.dispose();
    await Promise.all(replicas.map((replica) => replica.server.close()));
  });

  it('the example suite (isolate): every verdict and reason equal, work spread over both replicas', async () => {
    const { local: here, remote: there } = await runBoth(join(repoRoot, 'tasks', 'examples'), remote, local, 'examples');
    expect(there.every((sample) => sample.sandbox === 'remote')).toBe(true);
    expect(verdictsOf(there)).toEqual(verdictsOf(here));
    const counts = await Promise.all(replicas.map(async (replica) => (await replica.call('GET', '/metrics')).text.match(/^sandbench_executions_total\{[^}]*\} (\d+)/gm)?.length ?? 0));
    expect(counts.every((count) => count > 0)).toBe(true);
  });

  it('the CLI: run --sandbox remote --remote <urls> scores through the services; without services it says what to give', async () => {
    const urls = replicas.map((replica) => replica.base).join(',');
    const result = await runCli(['run', join(repoRoot, 'tasks', 'examples'), '--model', 'reference', '--sandbox', 'remote', '--remote', urls, '--out', join(work, 'cli-remote'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { sandbox: string; complete: boolean; samples: { scored: number } };
    expect(summary).toMatchObject({ sandbox: 'remote', complete: true });
    const missing = await runCli(['run', join(repoRoot, 'tasks', 'examples'), '--model', 'reference', '--sandbox', 'remote', '--out', join(work, 'cli-remote-missing')], { env: { SANDBENCH_REMOTE_TOKEN: '' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--remote <url>/);
  });

  it('a refused request (a variant the service does not know) is an engine fault naming the service, not a verdict', async () => {
    const sandbox = await remote.named('remote');
    await expect(sandbox.run({ language: 'python', source: 'print(1)', variant: 'no-such-variant' })).rejects.toThrow(/refused the execution/);
  });

  it.skipIf(!docker.available || !hasData)('HumanEval in Docker through two services: 164 references pass, verdicts equal to a local run', async () => {
    const { local: here, remote: there } = await runBoth(datasets.humaneval, remote, local, 'humaneval');
    expect(there.filter((sample) => sample.outcome === 'passed')).toHaveLength(164);
    expect(verdictsOf(there)).toEqual(verdictsOf(here));
  }, 600_000);
});

/** `sandbench serve` in its own process, on a free port. */
async function spawnService(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'serve', '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, SANDBENCH_TOKENS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving on (http:\/\/\S+?) /.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
  });
  return { child, base };
}

describe.skipIf(!hasData)('the remote backend when a replica dies mid-run', () => {
  it('HumanEval-X JavaScript over two services, one killed midway: no sample lost or duplicated, none counted against the model, verdicts as locally', async () => {
    const suite = await loadSuite(datasets.humanevalXJs);
    const local = new SandboxSet();
    const here = await runSuite({ suite, model: referenceModel, sandboxes: local, outDir: join(work, 'killed-local') }).finally(() => local.dispose());
    const services = [await spawnService(), await spawnService()];
    const remote = new SandboxSet('remote', { remote: { urls: services.map((service) => service.base) } });
    try {
      let killed = false;
      const result = await runSuite({
        suite,
        model: referenceModel,
        sandboxes: remote,
        outDir: join(work, 'killed'),
        concurrency: 8,
        onProgress: (progress) => {
          if (!killed && progress.done >= 30) {
            killed = true;
            services[0]!.child.kill('SIGKILL');
          }
        },
      });
      expect(killed).toBe(true);
      const keys = result.samples.map((sample) => `${sample.taskId}#${sample.sampleIndex}`);
      expect(new Set(keys).size).toBe(164);
      expect(keys).toHaveLength(164);
      expect(result.samples.filter((sample) => sample.outcome === 'sandbox-error' || sample.outcome === 'model-error').map((sample) => `${sample.taskId}: ${sample.error}`)).toEqual([]);
      expect(result.summary.complete).toBe(true);
      // Upstream's three failing references fail here too, for the same reasons.
      expect(verdictsOf(result.samples)).toEqual(verdictsOf(here.samples));
    } finally {
      await remote.dispose();
      for (const service of services) service.child.kill('SIGKILL');
    }
  }, 300_000);
});
