// HumanEval (164 canonical solutions) three ways, same run, concurrency 2:
//   (a) DockerSandbox with its defaults (warm pool, resident runner; warm-up reported apart)
//   (b) unsandboxed: one host `python3` subprocess per sample
//   (c) naive: one hardened container per sample (create, attach, start, wait, remove)
// Run: node bench/docker-humaneval.ts        (SANDBENCH_DATA overrides ../shared/data)
// Extra: BENCH_EXEC_MODE=1 also times (a) with pythonFork: false (a fresh python3 per job).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { createDockerClient } from '../src/images/docker-client.ts';
import { runtimeProfile } from '../src/runtimes/runtime-profiles.ts';
import { DockerSandbox } from '../src/sandboxes/docker-sandbox.ts';
import { RUNNER_MEMORY_OVERHEAD_BYTES, containerCreateOptions, removeContainer } from '../src/sandboxes/docker/create-container.ts';
import { resolveLimits } from '../src/schemas/limits.ts';

const CONCURRENCY = 2;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = process.env.SANDBENCH_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
const datasetFile = join(dataRoot, 'humaneval', 'HumanEval.jsonl.gz');

const recordSchema = z.object({
  task_id: z.string(),
  prompt: z.string(),
  canonical_solution: z.string(),
  test: z.string(),
  entry_point: z.string(),
});

const programs = gunzipSync(readFileSync(datasetFile))
  .toString('utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => recordSchema.parse(JSON.parse(line)))
  .map((record) => ({
    id: record.task_id,
    source: `${record.prompt}${record.canonical_solution}\n${record.test}\n` + `check(${record.entry_point})\n`,
  }));

/** Run `work` over every program with `CONCURRENCY` workers; returns wall ms and passes. */
async function timed(work: (source: string) => Promise<boolean>): Promise<{ ms: number; passed: number; failed: string[] }> {
  let next = 0;
  let passed = 0;
  const failed: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < programs.length) {
        const program = programs[next++]!;
        if (await work(program.source)) passed += 1;
        else failed.push(program.id);
      }
    }),
  );
  return { ms: performance.now() - started, passed, failed };
}

/** The system python3 (not a version-manager shim, which would add its own startup). */
const HOST_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function runHostPython(folder: string, index: { n: number }) {
  return (source: string): Promise<boolean> => {
    const file = join(folder, `sample-${index.n++}.py`);
    writeFileSync(file, source);
    return new Promise((resolveRun) => {
      const child = spawn(HOST_PYTHON, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.resume();
      child.stderr.resume();
      child.on('close', (code) => resolveRun(code === 0));
    });
  };
}

async function main(): Promise<void> {
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(`HumanEval: ${programs.length} canonical solutions from ${datasetFile}`);
  console.log(`machine: ${availableParallelism()} cpus; concurrency ${CONCURRENCY}\n`);

  // (a) DockerSandbox, defaults.
  const sandbox = new DockerSandbox();
  let warmMs: number;
  let a: Awaited<ReturnType<typeof timed>>;
  try {
    const warmStart = performance.now();
    await sandbox.warmUp(['python']);
    warmMs = performance.now() - warmStart;
    a = await timed(async (source) => (await sandbox.run({ language: 'python', source })).status === 'ok');
  } finally {
    await sandbox.dispose();
  }
  console.log(`(a) DockerSandbox (defaults)      ${fmt(a.ms)} for 164 after a ${fmt(warmMs)} pool warm-up; ${fmt(a.ms + warmMs)} with it; passed ${a.passed}/164`);

  let aExec: Awaited<ReturnType<typeof timed>> | undefined;
  if (process.env.BENCH_EXEC_MODE) {
    const execSandbox = new DockerSandbox({ pythonFork: false });
    try {
      await execSandbox.warmUp(['python']);
      aExec = await timed(async (source) => (await execSandbox.run({ language: 'python', source })).status === 'ok');
    } finally {
      await execSandbox.dispose();
    }
    console.log(`(a') DockerSandbox, python3 per job ${fmt(aExec.ms)}; passed ${aExec.passed}/164`);
  }

  // (b) unsandboxed python3 per sample.
  const folder = mkdtempSync(join(tmpdir(), 'sandbench-bench-'));
  let b: Awaited<ReturnType<typeof timed>>;
  try {
    b = await timed(runHostPython(folder, { n: 0 }));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  console.log(`(b) host ${HOST_PYTHON} per sample ${fmt(b.ms)}; passed ${b.passed}/164`);

  // (c) one hardened container per sample, the same create options as the pool's containers.
  const docker = createDockerClient();
  const profile = runtimeProfile('python');
  const limits = resolveLimits([profile.limits]);
  const spec = {
    image: `${profile.image}:latest`,
    memoryBytes: limits.memoryBytes + RUNNER_MEMORY_OVERHEAD_BYTES,
    pids: limits.pids + 1,
    diskBytes: limits.diskBytes,
    workdirExec: false,
    nanoCpus: 1e9,
  };
  const c = await timed(async (source) => {
    const options = containerCreateOptions(spec, ['python3', '-c', source]);
    Object.assign(options, { AttachStdin: false, OpenStdin: false });
    const container = await docker.createContainer(options);
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const sink = new PassThrough();
      sink.resume();
      docker.modem.demuxStream(stream, sink, sink);
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      return StatusCode === 0;
    } finally {
      await removeContainer(container);
    }
  });
  console.log(`(c) docker container per sample    ${fmt(c.ms)}; passed ${c.passed}/164`);

  console.log('\nratios (lower is better for a/b, higher for c/a):');
  console.log(`  a / b (warm)             ${(a.ms / b.ms).toFixed(2)}x   target <= 1.0`);
  console.log(`  (a + warm-up) / b        ${((a.ms + warmMs) / b.ms).toFixed(2)}x`);
  console.log(`  c / a (warm)             ${(c.ms / a.ms).toFixed(1)}x   target >= 15`);
  console.log(`  c / (a + warm-up)        ${(c.ms / (a.ms + warmMs)).toFixed(1)}x`);
  if (aExec) console.log(`  a' / b (python3 per job) ${(aExec.ms / b.ms).toFixed(2)}x`);
  for (const [name, result] of [['a', a], ['b', b], ['c', c]] as const) {
    if (result.failed.length > 0) console.log(`  (${name}) failed: ${result.failed.join(', ')}`);
  }
}

await main();
