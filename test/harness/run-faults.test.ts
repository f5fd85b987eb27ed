import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import { SandboxError } from '../../src/errors/sandbench-error.ts';
import { runSuite } from '../../src/harness/run-suite.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { formatLeaderboard } from '../../src/report/format-summary.ts';
import { readRuns } from '../../src/report/read-runs.ts';
import { DockerSandbox } from '../../src/sandboxes/docker-sandbox.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';
import type { Sandbox } from '../../src/sandboxes/sandbox.ts';
import { dockerForTests } from '../helpers/docker-available.ts';

const docker = await dockerForTests();

/** A real isolate sandbox whose engine fails every `failEvery`-th run, as a flaky engine would. */
function flakyEngine(inner: IsolateSandbox, failEvery: number): Sandbox {
  let runs = 0;
  return {
    name: 'isolate',
    capabilities: inner.capabilities,
    async run(request) {
      runs += 1;
      if (runs % failEvery === 0) throw new SandboxError('the engine went away (injected)', { code: 'sandbox-unavailable' });
      return inner.run(request);
    },
    dispose: () => inner.dispose(),
  };
}

describe('samples lost to engine faults', () => {
  it('leave the run incomplete, counted apart; report never shows it as finished; --resume completes it', async () => {
    const suite = await loadSuite('tasks/examples');
    const inner = new IsolateSandbox();
    const outDir = join(await mkdtemp(join(tmpdir(), 'sandbench-faults-')), 'run');
    try {
      const first = await runSuite({ suite, model: await resolveModel('reference'), sandboxes: new SandboxSet(flakyEngine(inner, 4)), outDir, concurrency: 1 });
      const lost = first.samples.filter((sample) => sample.outcome === 'sandbox-error');
      expect(lost.length).toBeGreaterThan(0);
      expect(first.summary.complete).toBe(false);
      expect(first.summary.samples).toMatchObject({ planned: 10, sandboxErrors: lost.length, unscored: lost.length, scored: 10 - lost.length, failed: 0 });
      // Pass rates cover scored samples only: every scored sample passed.
      expect(first.summary.passAt['pass@1']).toBe(1);
      const board = formatLeaderboard((await readRuns([outDir])).summaries);
      expect(board).toMatch(new RegExp(`INCOMPLETE \\(${lost.length} unscored\\)`));
      expect(board).toContain(`${10 - lost.length}/10`);

      const resumed = await runSuite({ suite, model: await resolveModel('reference'), sandboxes: new SandboxSet(inner), outDir, resume: true });
      expect(resumed.summary.complete).toBe(true);
      expect(resumed.summary.samples).toMatchObject({ scored: 10, passed: 10, sandboxErrors: 0 });
      expect(formatLeaderboard((await readRuns([outDir])).summaries)).toMatch(/complete/);
    } finally {
      await inner.dispose();
    }
  });

  it('an error that is not an engine fault, raised while scoring one sample, does not abort the run', async () => {
    const suite = await loadSuite('tasks/examples', { limit: 4 });
    const inner = new IsolateSandbox();
    let calls = 0;
    const buggy: Sandbox = {
      name: 'isolate',
      capabilities: inner.capabilities,
      async run(request) {
        calls += 1;
        if (calls === 2) throw new TypeError('a bug in a backend');
        return inner.run(request);
      },
      dispose: () => inner.dispose(),
    };
    try {
      const outDir = join(await mkdtemp(join(tmpdir(), 'sandbench-faults-')), 'run');
      const result = await runSuite({ suite, model: await resolveModel('reference'), sandboxes: new SandboxSet(buggy), outDir, concurrency: 1 });
      expect(result.samples).toHaveLength(4);
      const broken = result.samples.filter((sample) => sample.outcome === 'sandbox-error');
      expect(broken).toHaveLength(1);
      expect(broken[0]!.error).toMatch(/internal error while scoring \(please report\): a bug in a backend/);
      expect(result.summary).toMatchObject({ complete: false, samples: { passed: 3, unscored: 1 } });
    } finally {
      await inner.dispose();
    }
  });

  it.runIf(docker.available)('a missing image stops the run before its first sample, with the build command', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sandbench-profiles-'));
    await mkdir(join(root, 'python'));
    await writeFile(
      join(root, 'python', 'profile.json'),
      JSON.stringify({ language: 'python', backends: ['docker'], image: 'sandbench-no-such-image', sourceFile: 'main.py', run: { command: ['python3', 'main.py'] }, smoke: 'smoke.py' }),
    );
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-faults-'));
    await writeFile(join(folder, 'py.yaml'), 'id: py\nlanguage: python\nprompt: p\ntests: [{ kind: io, stdout: "1" }]\nreference: print(1)\n');
    const suite = await loadSuite(join(folder, 'py.yaml'));
    const sandbox = new DockerSandbox({ profilesRoot: root });
    const outDir = join(folder, 'run');
    let asked = 0;
    const model = await resolveModel({ id: 'test:counting', generate: async () => ((asked += 1), { text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' }) });
    try {
      await expect(runSuite({ suite, model, sandboxes: new SandboxSet(sandbox), outDir })).rejects.toSatisfy(
        (error: unknown) => SandboxError.isInstance(error) && error.code === 'image-missing' && /sandbench images build/.test(error.message),
      );
      expect(asked).toBe(0);
      await expect(stat(outDir)).rejects.toThrow();
    } finally {
      await sandbox.dispose();
    }
  });
});

describe('run manifest', () => {
  it('records what defines the run', async () => {
    const suite = await loadSuite('tasks/examples', { taskIds: ['greeting', 'count-vowels', 'greeting'] });
    const sandboxes = new SandboxSet('isolate');
    try {
      const outDir = join(await mkdtemp(join(tmpdir(), 'sandbench-faults-')), 'run');
      await runSuite({ suite, model: await resolveModel('empty'), sandboxes, outDir, samples: 2 });
      const manifest = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
      // The selection is a set: order and repeats on the command line do not matter.
      expect(manifest).toMatchObject({ model: 'empty', samples: 2, sandbox: 'isolate', taskFilter: { taskIds: ['count-vowels', 'greeting'] }, tasks: 2, temperature: 0.8 });
      expect(manifest.suiteHash).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest.parts).toHaveLength(1);
      await expect(stat(join(outDir, 'run.lock'))).rejects.toThrow();
    } finally {
      await sandboxes.dispose();
    }
  });

  it('times a part that crashed up to its last sample, not into the parts after it', async () => {
    const suite = await loadSuite('tasks/examples');
    const sandboxes = new SandboxSet('isolate');
    try {
      const outDir = join(await mkdtemp(join(tmpdir(), 'sandbench-faults-')), 'run');
      await runSuite({ suite, model: await resolveModel('reference'), sandboxes, outDir, concurrency: 1 });
      // Make the first part look like a crash an hour ago: no end, and half of its samples lost.
      const lines = (await readFile(join(outDir, 'samples.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
      const hourAgo = Date.now() - 3_600_000;
      const kept = lines.slice(0, 5).map((sample, index) => ({ ...sample, finishedAt: new Date(hourAgo + 1000 * (index + 1)).toISOString() }));
      await writeFile(join(outDir, 'samples.jsonl'), kept.map((sample) => JSON.stringify(sample) + '\n').join(''));
      const manifest = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
      manifest.startedAt = new Date(hourAgo).toISOString();
      manifest.parts = [{ startedAt: manifest.startedAt }];
      await writeFile(join(outDir, 'run.json'), JSON.stringify(manifest));
      const resumed = await runSuite({ suite, model: await resolveModel('reference'), sandboxes, outDir, resume: true });
      const after = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
      expect(after.parts).toHaveLength(2);
      expect(resumed.summary.durationMs).toBe(Math.round(5000 + after.parts[1].durationMs));
      expect(resumed.summary.startedAt).toBe(new Date(hourAgo).toISOString());
    } finally {
      await sandboxes.dispose();
    }
  });
});
