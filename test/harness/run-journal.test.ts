import { appendFile, chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import { RunJournal } from '../../src/harness/run-journal.ts';
import { summarizeRun } from '../../src/harness/summarize-run.ts';
import type { SampleResult } from '../../src/schemas/sample-result.ts';
import { taskSchema } from '../../src/schemas/task.ts';

function sample(taskId: string, sampleIndex: number, outcome: SampleResult['outcome']): SampleResult {
  return {
    taskId,
    sampleIndex,
    model: 'm',
    response: 'x',
    completion: 'x',
    outcome,
    verdicts:
      outcome === 'sandbox-error'
        ? [{ testIndex: 0, verdict: 'sandbox-error', reason: 'daemon gone' }]
        : [{ testIndex: 0, verdict: outcome === 'passed' ? 'passed' : 'failed' }],
    usage: { inputTokens: 10, outputTokens: 5 },
    modelLatencyMs: 1,
    executionMs: 2,
    sandbox: 'isolate',
    finishedAt: new Date().toISOString(),
  };
}

const tasks = ['a', 'b'].map((id) => taskSchema.parse({ id, prompt: 'p', language: 'javascript', tests: [{ kind: 'io', stdout: '' }] }));

describe('run journal', () => {
  it('appends samples one line each and reads them back, dropping a line cut short by a crash', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-journal-'));
    const journal = new RunJournal(folder);
    await journal.create({
      runId: 'r', suite: 's', suiteSource: 's', suiteHash: 'h', limitsHash: 'l', taskFilter: {}, tasks: 2, model: 'm', samples: 2,
      modelFingerprint: null, sandbox: 'auto', temperature: 0, startedAt: '', sandbenchVersion: '0', parts: [],
    });
    await Promise.all([journal.append(sample('a', 0, 'passed')), journal.append(sample('a', 1, 'failed')), journal.append(sample('b', 0, 'passed'))]);
    const lines = (await readFile(journal.samplesPath, 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).taskId + '/' + JSON.parse(line).sampleIndex)).toEqual(['a/0', 'a/1', 'b/0']);
    expect((await journal.readSamples()).clean).toBe(true);

    await appendFile(journal.samplesPath, '{"taskId":"b","sampleI');
    const read = await journal.readSamples();
    expect(read.samples.map((s) => `${s.taskId}/${s.sampleIndex}`)).toEqual(['a/0', 'a/1', 'b/0']);
    expect(read.clean).toBe(false);
    expect((await journal.readManifest())?.runId).toBe('r');
  });

  it('appends written close together go out in order, each line once, and each append resolves only once its line is in the file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-journal-'));
    const journal = new RunJournal(folder);
    const appended = Array.from({ length: 200 }, (_, index) =>
      journal.append(sample(`t${index % 7}`, index, index % 3 === 0 ? 'failed' : 'passed')).then(async () => {
        // Written through: the file already holds this line when its append resolves.
        const text = await readFile(journal.samplesPath, 'utf8');
        return text.includes(`"sampleIndex":${index},`);
      }),
    );
    expect(await Promise.all(appended)).toEqual(Array.from({ length: 200 }, () => true));
    const lines = (await readFile(journal.samplesPath, 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).sampleIndex)).toEqual(Array.from({ length: 200 }, (_, index) => index));
  });

  it('keeps the first record of a sample written twice, and asks for a rewrite', async () => {
    const journal = new RunJournal(await mkdtemp(join(tmpdir(), 'sandbench-journal-')));
    await appendFile(journal.samplesPath, [sample('a', 0, 'passed'), sample('a', 0, 'failed'), sample('b', 0, 'failed')].map((s) => JSON.stringify(s) + '\n').join(''));
    const read = await journal.readSamples();
    expect(read.samples.map((s) => `${s.taskId}/${s.sampleIndex}/${s.outcome}`)).toEqual(['a/0/passed', 'b/0/failed']);
    expect(read.clean).toBe(false);
    await journal.rewrite(read.samples);
    expect(await journal.readSamples()).toEqual({ samples: read.samples, clean: true });
  });

  it('asks for a rewrite when the last record lacks its newline, so the next append cannot fuse with it', async () => {
    const journal = new RunJournal(await mkdtemp(join(tmpdir(), 'sandbench-journal-')));
    await appendFile(journal.samplesPath, JSON.stringify(sample('a', 0, 'passed')) + '\n' + JSON.stringify(sample('b', 0, 'passed')));
    const read = await journal.readSamples();
    expect(read.samples).toHaveLength(2);
    expect(read.clean).toBe(false);
  });

  it('lets one process at a time hold a run folder; a dead holder\'s lock is taken over', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-journal-'));
    const first = new RunJournal(folder);
    await first.lock();
    await expect(new RunJournal(folder).lock()).rejects.toThrow(/is in use by another sandbench process \(pid \d+ on /);
    await first.unlock();
    await writeFile(join(folder, 'run.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: 'then' }));
    const next = new RunJournal(folder);
    await next.lock();
    await next.unlock();
  });

  it('names the path when the folder cannot be written', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-journal-'));
    await chmod(folder, 0o500);
    try {
      // Root ignores permissions: use a file in place of the journal's folder instead.
      const journal = new RunJournal(join(folder, 'run'));
      await writeFile(join(folder, 'run'), 'not a folder').catch(() => {});
      await expect(journal.lock()).rejects.toSatisfy((error: unknown) => SandbenchError.isInstance(error) && /run folder .*run: cannot create the folder/.test((error as Error).message));
    } finally {
      await chmod(folder, 0o700);
    }
  });

  it('names the line of a malformed record in the middle of the journal', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-journal-'));
    const journal = new RunJournal(folder);
    await appendFile(journal.samplesPath, JSON.stringify(sample('a', 0, 'passed')) + '\nnot json\n' + JSON.stringify(sample('b', 0, 'passed')) + '\n');
    await expect(journal.readSamples()).rejects.toThrow(/samples\.jsonl:2: not valid JSON/);
  });
});

describe('summarizeRun', () => {
  it('keeps sandbox errors out of pass rates and computes pass@1 per task', () => {
    // a: 1 of 2 scored samples passed → pass@1 = 0.5; b: 1 of 1 scored (one lost to the engine) → 1.
    // mean pass@1 = (0.5 + 1) / 2 = 0.75.
    const summary = summarizeRun([sample('a', 0, 'passed'), sample('a', 1, 'failed'), sample('b', 0, 'passed'), sample('b', 1, 'sandbox-error')], {
      runId: 'r',
      suite: 's',
      model: 'm',
      sandbox: 'isolate',
      tasks,
      samplesPerTask: 2,
      startedAt: '',
      durationMs: 12.4,
    });
    expect(summary).toMatchObject({
      tasks: 2,
      complete: false,
      samples: { planned: 4, scored: 3, passed: 2, failed: 1, sandboxErrors: 1, modelErrors: 0, unscored: 1 },
      tasksSolved: 1,
    });
    expect(summary.passAt['pass@1']).toBeCloseTo(0.75, 10);
    expect(summary.passAt['pass@10']).toBeUndefined();
    // The same counts per task, in suite order; b's sample lost to the engine is unscored.
    expect(summary.perTask).toEqual([
      { taskId: 'a', samples: 2, passed: 1 },
      { taskId: 'b', samples: 1, passed: 1, unscored: 1 },
    ]);
    // pass^1 is pass@1; b has one scored sample, so no pass^2.
    expect(summary.passHat).toEqual({ 'pass^1': 0.75 });
    // Uneven scored counts per task: the interval is bootstrapped over the rates 0.5 and 1.
    expect(summary.passAt1Interval).toEqual({ low: 0.5, high: 1, method: 'bootstrap', level: 0.95, resamples: 2000 });
    expect(summary.passAt1ByTurn).toBeUndefined();
    // Test verdicts count the scored samples' tests only.
    expect(summary.testVerdicts).toEqual({ passed: 2, failed: 1 });
    expect(summary.usage).toEqual({ inputTokens: 40, outputTokens: 20 });
  });
});
