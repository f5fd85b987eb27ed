import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sandbench from '../src/index.ts';

describe('library API (the README example)', () => {
  it('runs a program in an IsolateSandbox and a suite through runSuite', async () => {
    const sandbox = new sandbench.IsolateSandbox();
    try {
      const result = await sandbox.run({ language: 'javascript', source: 'console.log(1 + 1)', limits: { timeoutMs: 1000 } });
      expect(result).toMatchObject({ status: 'ok', stdout: '2\n', backend: 'isolate' });
    } finally {
      await sandbox.dispose();
    }
    const suite = await sandbench.loadSuite('tasks/examples', { limit: 3 });
    const sandboxes = new sandbench.SandboxSet();
    try {
      const outDir = join(await mkdtemp(join(tmpdir(), 'sandbench-lib-')), 'run');
      const { summary, samples } = await sandbench.runSuite({ suite, model: await sandbench.resolveModel('reference'), sandboxes, outDir });
      expect(summary.passAt).toEqual({ 'pass@1': 1 });
      expect(samples.map((sample) => sample.taskId)).toEqual(suite.tasks.map((task) => task.id));
    } finally {
      await sandboxes.dispose();
    }
  });

  it('accepts a user-supplied model object and records a model that throws as an error, not a failure', async () => {
    const suite = await sandbench.loadSuite('tasks/examples', { taskIds: ['greeting'] });
    const sandboxes = new sandbench.SandboxSet('isolate');
    try {
      const flaky: sandbench.Model = {
        id: 'test:flaky',
        async generate() {
          throw new Error('rate limited');
        },
      };
      const outDir = join(await mkdtemp(join(tmpdir(), 'sandbench-lib-')), 'run');
      const { summary, samples } = await sandbench.runSuite({ suite, model: await sandbench.resolveModel(flaky), sandboxes, outDir });
      expect(summary).toMatchObject({ complete: false, samples: { planned: 1, scored: 0, passed: 0, failed: 0, modelErrors: 1, unscored: 1 } });
      expect(samples[0]!.outcome).toBe('model-error');
      expect(samples[0]!.error).toMatch(/model error: rate limited/);
    } finally {
      await sandboxes.dispose();
    }
  });
});
