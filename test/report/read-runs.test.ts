import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import { runSuite } from '../../src/harness/run-suite.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { formatLeaderboard } from '../../src/report/format-summary.ts';
import { readRuns } from '../../src/report/read-runs.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';

describe('readRuns', () => {
  it('still reads a summary written before pass^k and per-task counts existed', async () => {
    const isolate = new IsolateSandbox();
    const outDir = join(await mkdtemp(join(tmpdir(), 'sandbench-old-run-')), 'run');
    try {
      await runSuite({ suite: await loadSuite('tasks/examples'), model: await resolveModel('reference'), sandboxes: new SandboxSet(isolate), outDir });
    } finally {
      await isolate.dispose();
    }
    const current = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8'));
    const { passHat: _passHat, perTask: _perTask, passAt1Interval: _interval, ...older } = current;
    await writeFile(join(outDir, 'summary.json'), JSON.stringify(older));
    const { summaries, skipped } = await readRuns([outDir]);
    expect(skipped).toEqual([]);
    expect(summaries[0]).toMatchObject({ passHat: {}, perTask: [], passAt: { 'pass@1': 1 } });
    expect(formatLeaderboard(summaries)).toMatch(/reference\s+100\.0%/);
  });
});
