import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { datasets, hasData } from '../../helpers/paths.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { dockerTestEnvironment, readFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** Limits of the CPU-bound tasks (CPU time and wall clock alike). */
const LIMIT_MS = 1000;
/** HumanEval tasks in the subset (a fixed seed picks them). */
const HUMANEVAL_SUBSET = 64;
/** Busy loops beside the loaded run. */
const HOGS = 4;

/** `count` of HumanEval/0..163, picked by a fixed-seed shuffle (the same every run). */
function humanEvalSubset(count: number): string[] {
  const ids = Array.from({ length: 164 }, (_, index) => `HumanEval/${index}`);
  let state = 20_261_122;
  for (let index = ids.length - 1; index > 0; index--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const other = state % (index + 1);
    [ids[index], ids[other]] = [ids[other]!, ids[index]!];
  }
  return ids.slice(0, count).sort((a, b) => Number(a.split('/')[1]) - Number(b.split('/')[1]));
}

/** Each sample's per-test verdicts from a run folder's journal, keyed by task. */
function verdicts(folder: string): Map<string, string[]> {
  const byTask = new Map<string, string[]>();
  for (const line of readFileSync(join(folder, 'samples.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const sample = JSON.parse(line) as { taskId: string; verdicts: Array<{ verdict: string; execution?: { durationMs: number } }> };
    byTask.set(sample.taskId, sample.verdicts.map((verdict) => verdict.verdict));
  }
  return byTask;
}

/** The longest wall time any test of `taskIds` took, from a run folder's journal. */
function longestWallMs(folder: string, taskIds: readonly string[]): number {
  let longest = 0;
  for (const line of readFileSync(join(folder, 'samples.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const sample = JSON.parse(line) as { taskId: string; verdicts: Array<{ execution?: { durationMs: number } }> };
    if (!taskIds.includes(sample.taskId)) continue;
    for (const verdict of sample.verdicts) longest = Math.max(longest, verdict.execution?.durationMs ?? 0);
  }
  return longest;
}

describe.skipIf(!engine.available || !hasData)('Docker: verdicts do not depend on load (real CLI, concurrency 1 vs 16 beside busy loops)', () => {
  let folder: string;
  let tasksFile: string;
  const cpuTaskIds: string[] = [];
  const hogs: ChildProcess[] = [];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'sandbench-load-'));
    // Size the CPU-bound work by CPU time, measured alone: from 40% to 60% of the limit.
    const sandbox = new DockerSandbox({ poolSize: 1 });
    const work = readFixture('cpu-work.py');
    const tasks: unknown[] = [];
    try {
      const probeRounds = 1_000_000;
      const probe = await sandbox.run({ language: 'python', source: work.replace('__ROUNDS__', String(probeRounds)), limits: { timeoutMs: 20_000 } });
      expect(probe.status).toBe('ok');
      for (let index = 0; index < 6; index++) {
        const share = 0.4 + index * 0.04;
        const source = work.replace('__ROUNDS__', String(Math.round((probeRounds * share * LIMIT_MS) / Math.max(1, probe.cpuTimeMs ?? 1))));
        const expected = await sandbox.run({ language: 'python', source, limits: { timeoutMs: 20_000 } });
        expect(expected.status).toBe('ok');
        const id = `cpu-${Math.round(share * 100)}-percent`;
        cpuTaskIds.push(id);
        tasks.push({ id, prompt: 'CPU-bound work', language: 'python', tests: [{ kind: 'io', stdout: expected.stdout }], reference: source, limits: { run: { timeoutMs: LIMIT_MS } } });
      }
    } finally {
      await sandbox.dispose();
    }
    // Controls: these must time out under both loads.
    tasks.push({ id: 'loops-forever', prompt: 'p', language: 'python', tests: [{ kind: 'io', stdout: '' }], reference: 'while True:\n    pass\n', limits: { run: { timeoutMs: LIMIT_MS } } });
    tasks.push({ id: 'sleeps-too-long', prompt: 'p', language: 'python', tests: [{ kind: 'io', stdout: '' }], reference: 'import time\ntime.sleep(5)\n', limits: { run: { timeoutMs: LIMIT_MS } } });
    tasksFile = join(folder, 'cpu-tasks.json');
    writeFileSync(tasksFile, JSON.stringify(tasks));
  }, 120_000);

  afterAll(() => {
    for (const hog of hogs.splice(0)) hog.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  });

  async function runSuites(concurrency: number): Promise<{ humanEval: string; cpu: string }> {
    const out = { humanEval: join(folder, `humaneval-c${concurrency}`), cpu: join(folder, `cpu-c${concurrency}`) };
    const common = ['--model', 'reference', '--sandbox', 'docker', '--json', '--concurrency', String(concurrency)];
    const humanEval = await runCli(['run', datasets.humaneval, '--tasks', humanEvalSubset(HUMANEVAL_SUBSET).join(','), ...common, '--out', out.humanEval], { timeoutMs: 600_000 });
    expect(humanEval.stderr).not.toMatch(/sandbox-error/);
    expect(JSON.parse(humanEval.stdout)).toMatchObject({ complete: true, samples: { planned: HUMANEVAL_SUBSET, passed: HUMANEVAL_SUBSET } });
    const cpu = await runCli(['run', tasksFile, ...common, '--out', out.cpu], { timeoutMs: 600_000 });
    expect(JSON.parse(cpu.stdout)).toMatchObject({ complete: true, samples: { planned: 8, passed: 6 } });
    return out;
  }

  it('HumanEval references and CPU-bound tasks at half their limit: identical verdicts; loops and sleepers time out in both', async () => {
    const alone = await runSuites(1);
    for (let index = 0; index < HOGS; index++) {
      // Each in a session of its own: autogroup scheduling gives every session one CPU share.
      hogs.push(spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore', detached: true, env: { PATH: process.env.PATH ?? '' } }));
    }
    let loaded: { humanEval: string; cpu: string };
    try {
      loaded = await runSuites(16);
    } finally {
      for (const hog of hogs.splice(0)) hog.kill('SIGKILL');
    }
    expect(verdicts(loaded.humanEval)).toEqual(verdicts(alone.humanEval));
    const cpuVerdicts = verdicts(loaded.cpu);
    expect(cpuVerdicts).toEqual(verdicts(alone.cpu));
    expect(cpuVerdicts.get('loops-forever')).toEqual(['timeout']);
    expect(cpuVerdicts.get('sleeps-too-long')).toEqual(['timeout']);
    // The load was real: by a plain wall clock some CPU-bound task would have been over its limit.
    expect(longestWallMs(loaded.cpu, cpuTaskIds)).toBeGreaterThan(LIMIT_MS);
  }, 900_000);
});
