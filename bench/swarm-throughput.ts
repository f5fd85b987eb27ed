/**
 * The Swarm deployment (deploy/swarm: three replicas of the server image, host networking) against
 * one local sandbench process on the same machine, two ways:
 *
 *   1. per execution, one at a time (local and remote alternating, so both see the same load): `print(6 * 7)` in Python (Docker) and `console.log(6 * 7)` in
 *      JavaScript (isolate), through the local backends in this process (the baseline) and through
 *      `--sandbox remote` spread over the replicas. The difference of the p50s is the remote
 *      path's overhead per execution (target, issue 17: ≤ 2 ms).
 *   2. throughput: HumanEval × BENCH_SAMPLES references, the whole CLI, `--sandbox docker` vs
 *      `--sandbox remote` across the replicas, same concurrency. On 2 cores the replicas share
 *      the cores with each other and with the harness: a ratio, not a speed-up.
 *
 *   ./sandbench --node bench/swarm-throughput.ts      (root, a Docker engine not in a swarm)
 *
 * It runs `docker swarm init`, deploys the stack, and leaves the swarm at the end. Builds the
 * server image first when its recipe changed. BENCH_QUICK=1: 100 executions, 2 samples per task.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { envNumber, quickMode } from './bench-env.ts';
import { machineLoad, median, printTable } from './print-table.ts';
import { buildImages } from '../src/images/build-images.ts';
import { createDockerClient } from '../src/images/docker-client.ts';
import { SandboxSet } from '../src/sandboxes/resolve-sandbox.ts';
import type { Sandbox, SandboxRunRequest } from '../src/sandboxes/sandbox.ts';
import type { SandboxName } from '../src/schemas/task.ts';
import { deploySwarmStack, swarmState } from '../test/helpers/swarm-deployment.ts';

const count = envNumber('BENCH_EXECUTIONS', quickMode() ? 100 : 300);
const samples = envNumber('BENCH_SAMPLES', quickMode() ? 2 : 5);
const concurrency = envNumber('BENCH_CONCURRENCY', 6);
const repoRoot = resolve(import.meta.dirname, '..');
const humanEval = resolve(repoRoot, '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');

const docker = createDockerClient();
const state = await swarmState(docker);
if (state !== 'inactive') throw new Error(`the engine is in a swarm already (${state}): this bench makes and leaves its own`);
const [image] = await buildImages({ docker, names: ['server'] });
console.log(`server image: ${image!.status}${image!.durationMs ? ` in ${(image!.durationMs / 1000).toFixed(1)} s` : ''}`);

const token = `tok-bench-swarm-${process.pid}`;
const deployment = await deploySwarmStack(docker, { stack: `sbbench${process.pid}`, token });

const programs: Array<{ label: string; backend: SandboxName; request: SandboxRunRequest }> = [
  { label: 'Python (Docker)', backend: 'docker', request: { language: 'python', source: 'print(6 * 7)' } },
  { label: 'JavaScript (isolate)', backend: 'isolate', request: { language: 'javascript', source: 'console.log(6 * 7)' } },
];

/** Latencies of `runs` executions on each of two backends, one at a time, alternating (so both see the same load). */
async function pairedLatencies(first: Sandbox, second: Sandbox, request: SandboxRunRequest, runs: number): Promise<[number[], number[]]> {
  const taken: [number[], number[]] = [[], []];
  for (let index = 0; index < runs; index += 1) {
    for (const [slot, sandbox] of [first, second].entries()) {
      const begun = performance.now();
      const result = await sandbox.run(request);
      if (result.status !== 'ok' || result.stdout !== '42\n') throw new Error(`unexpected result: ${JSON.stringify(result)}`);
      taken[slot]!.push(performance.now() - begun);
    }
  }
  return taken;
}

/** Wall time of a whole CLI run of HumanEval references with these sandbox arguments. */
function cliRun(args: string[], out: string): number {
  const started = performance.now();
  const result = spawnSync('./sandbench', ['run', humanEval, '--model', 'reference', '-n', String(samples), '-c', String(concurrency), '--out', out, '--json', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, SANDBENCH_REMOTE_TOKEN: token },
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = performance.now() - started;
  if (result.status !== 0) throw new Error(`sandbench run ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  const summary = JSON.parse(result.stdout) as { samples: { passed: number; planned: number } };
  if (summary.samples.passed !== summary.samples.planned) throw new Error(`only ${summary.samples.passed} of ${summary.samples.planned} references passed (${args.join(' ')})`);
  return wall;
}

const scratch = mkdtempSync(join(tmpdir(), 'bench-swarm-'));
const local = new SandboxSet();
const remoteSet = new SandboxSet('remote', { remote: { urls: deployment.urls, token } });
const latencyRows: string[][] = [];
const throughputRows: string[][] = [];
try {
  const remote = await remoteSet.named('remote');
  for (const program of programs) {
    const here = await local.named(program.backend);
    await pairedLatencies(here, remote, program.request, 20);
    const [localTimes, remoteTimes] = await pairedLatencies(here, remote, program.request, count);
    const localP50 = median(localTimes);
    const remoteP50 = median(remoteTimes);
    latencyRows.push([program.label, `${localP50.toFixed(2)} ms`, `${remoteP50.toFixed(2)} ms`, `${(remoteP50 - localP50).toFixed(2)} ms`]);
  }
  const localWall = cliRun(['--sandbox', 'docker'], join(scratch, 'local'));
  const remoteWall = cliRun(['--sandbox', 'remote', '--remote', deployment.urls.join(',')], join(scratch, 'remote'));
  const executions = 164 * samples;
  throughputRows.push([
    `HumanEval × ${samples} (${executions} samples), -c ${concurrency}`,
    `${(localWall / 1000).toFixed(1)} s (${(executions / (localWall / 1000)).toFixed(0)}/s)`,
    `${(remoteWall / 1000).toFixed(1)} s (${(executions / (remoteWall / 1000)).toFixed(0)}/s)`,
    `${(remoteWall / localWall).toFixed(2)}×`,
  ]);
} finally {
  await remoteSet.dispose();
  await local.dispose();
  await deployment.remove();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`Swarm (3 replicas, host networking) vs one local process, ${count} executions per latency row, ${machineLoad()}`);
printTable(['program, one at a time', 'local p50', 'via Swarm p50', 'remote overhead p50'], latencyRows);
printTable(['whole CLI', 'local --sandbox docker', '--sandbox remote (3 replicas)', 'remote/local wall'], throughputRows);
console.log('target (issue 17): remote overhead ≤ 2 ms per execution; on 2 cores the replicas share the cores, so no speed-up is expected');
