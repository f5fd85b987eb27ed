import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/datasets/load-suite.ts';
import type { ReportData, SuiteReport } from '../../src/report/report-data.ts';
import type { RunSummary, SampleResult } from '../../src/schemas/sample-result.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { datasets, hasData } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startFakeProviderServer } from '../support/fake-provider-server.ts';
import { chromiumForTests, openInChromium } from '../support/open-in-chromium.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sandbench-cli-report-'));
}

/**
 * Scripted answers mixing right and wrong: per task, by its position, both samples right (0 mod
 * 4 and 2 mod 4), one right and one wrong (1 mod 4), or both wrong (3 mod 4).
 */
async function mixedAnswers(suitePath: string, folder: string): Promise<{ file: string; wrongTasks: string[]; partialTasks: string[] }> {
  const suite = await loadSuite(suitePath);
  const lines: string[] = [];
  const wrongTasks: string[] = [];
  const partialTasks: string[] = [];
  for (const [index, task] of suite.tasks.entries()) {
    const right = task.reference!;
    const wrong = '';
    const answers = index % 4 === 1 ? [right, wrong] : index % 4 === 3 ? [wrong, wrong] : [right, right];
    if (index % 4 === 1) partialTasks.push(task.id);
    if (index % 4 === 3) wrongTasks.push(task.id);
    for (const completion of answers) lines.push(JSON.stringify({ task_id: task.id, completion }));
  }
  const file = join(folder, 'answers.jsonl');
  await writeFile(file, lines.join('\n') + '\n');
  return { file, wrongTasks, partialTasks };
}

/** The folder `run` gives a model among several (as the CLI names it). */
function folderName(spec: string): string {
  return spec.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
}

async function readJournal(folder: string): Promise<SampleResult[]> {
  return (await readFile(join(folder, 'samples.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SampleResult);
}

/** Check a suite's report against the run folders it came from, read here independently. */
async function checkAgainstRuns(suite: SuiteReport, folders: Record<string, string>): Promise<void> {
  for (const row of suite.leaderboard) {
    const summary = JSON.parse(await readFile(join(folders[row.model]!, 'summary.json'), 'utf8')) as RunSummary;
    expect(row.runIds).toEqual([summary.runId]);
    expect(row.passAt).toEqual(summary.passAt);
    expect(row.passHat).toEqual(summary.passHat);
    expect(row.passAt1Interval?.low).toBe(summary.passAt1Interval?.low);
    expect(row.passAt1Interval?.high).toBe(summary.passAt1Interval?.high);
    expect([row.planned, row.scored, row.passed, row.failed, row.modelErrors, row.sandboxErrors, row.unscored]).toEqual([
      summary.samples.planned,
      summary.samples.scored,
      summary.samples.passed,
      summary.samples.failed,
      summary.samples.modelErrors,
      summary.samples.sandboxErrors,
      summary.samples.unscored,
    ]);
    expect(row.tasksSolved).toBe(summary.tasksSolved);
    expect(row.complete).toBe(true);

    // Matrix counts against the journal.
    const counts = new Map<string, { passed: number; scored: number }>();
    for (const sample of await readJournal(folders[row.model]!)) {
      const count = counts.get(sample.taskId) ?? { passed: 0, scored: 0 };
      if (sample.outcome === 'passed' || sample.outcome === 'failed') count.scored++;
      if (sample.outcome === 'passed') count.passed++;
      counts.set(sample.taskId, count);
    }
    expect(suite.tasks.map((task) => task.id).sort()).toEqual([...counts.keys()].sort());
    for (const [index, task] of suite.tasks.entries()) {
      const cell = suite.matrix[index]![row.column]!;
      expect({ passed: cell.passed, scored: cell.scored }, `${row.model} × ${task.id}`).toEqual(counts.get(task.id));
    }
  }
}

describe('report over runs of two models on the example suite', () => {
  it('leaderboard equal to the summaries, matrix equal to the journals, comparison naming the right tasks, in every format', async () => {
    const folder = await tempDir();
    const { file, wrongTasks, partialTasks } = await mixedAnswers('tasks/examples', folder);
    const out = join(folder, 'runs');
    const scripted = `scripted:${file}`;
    const run = await runCli(['run', 'tasks/examples', '--model', 'reference', '--model', scripted, '--samples', '2', '--out', out, '--json']);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code, run.stderr).toBe(0);
    const folders = { reference: join(out, 'reference'), [scripted]: join(out, folderName(scripted)) };

    // The folder `run` wrote for both models stands for its two runs.
    const json = await runCli(['report', out, '--format', 'json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as ReportData;
    expect(report.suites.map((suite) => suite.suite)).toEqual(['examples']);
    const [suite] = report.suites as [SuiteReport];
    expect(suite.models).toEqual(['reference', scripted]);
    await checkAgainstRuns(suite, folders);
    // Tasks the scripted model gets partly or wholly wrong are the ones only the reference solves.
    expect(suite.comparisons).toHaveLength(1);
    const [comparison] = suite.comparisons as [SuiteReport['comparisons'][number]];
    expect([...comparison.onlyA].sort()).toEqual([...wrongTasks, ...partialTasks].sort());
    expect(comparison.onlyB).toEqual([]);
    expect(comparison.bothSolved).toBe(suite.tasks.length - wrongTasks.length - partialTasks.length);
    expect(suite.solvedByNone).toEqual([]);
    expect(suite.solvedByAll.length).toBe(comparison.bothSolved);
    expect(comparison.verdict).toMatch(/^reference (beats|is ahead of) scripted/);
    expect(report).not.toHaveProperty('suites.0.details');

    // The same figures in the other formats.
    const pass1 = (model: string) => suite.leaderboard.find((row) => row.model === model)!.passAt['pass@1']!;
    const table = await runCli(['report', folders.reference, folders[scripted]!]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`${(pass1(scripted) * 100).toFixed(1)}%`);
    expect(table.stdout).toContain(`only reference solves (${wrongTasks.length + partialTasks.length}): `);
    const csv = await runCli(['report', folders.reference, folders[scripted]!, '--format', 'csv']);
    const csvRows = csv.stdout.trim().split('\r\n').map((line) => line.split(','));
    const header = csvRows[0]!;
    const scriptedRow = csvRows.find((row) => row[1] === scripted)!;
    expect(Number(scriptedRow[header.indexOf('pass@1')])).toBe(pass1(scripted));
    expect(Number(scriptedRow[header.indexOf('passed')])).toBe(suite.leaderboard.find((row) => row.model === scripted)!.passed);
    const matrixCsv = await runCli(['report', folders.reference, folders[scripted]!, '--format', 'csv', '--matrix']);
    const matrixRows = matrixCsv.stdout.trim().split('\r\n').slice(1).map((line) => line.split(','));
    expect(matrixRows).toHaveLength(suite.tasks.length * 2);
    for (const [suiteName, taskId, , model, passed, scored] of matrixRows) {
      const row = suite.tasks.findIndex((task) => task.id === taskId);
      const cell = suite.matrix[row]![suite.models.indexOf(model!)]!;
      expect([suiteName, Number(passed), Number(scored)]).toEqual(['examples', cell.passed, cell.scored]);
    }
    const markdown = await runCli(['report', folders.reference, folders[scripted]!, '--format', 'markdown', '--out', join(folder, 'report.md')]);
    expect(markdown.code).toBe(0);
    const markdownText = await readFile(join(folder, 'report.md'), 'utf8');
    expect(markdownText).toMatch(/^# sandbench report/);
    expect(markdownText).toContain(`| ${wrongTasks[0]} | 2/2 | 0/2 |`);

    // A second run of the reference is pooled with the first: one row, two runs, the samples summed.
    const again = await runCli(['run', 'tasks/examples', '--model', 'reference', '--out', join(folder, 'again'), '--json']);
    expect(again.code, again.stderr).toBe(0);
    const pooled = JSON.parse((await runCli(['report', folders.reference, join(folder, 'again'), folders[scripted]!, '--format', 'json'])).stdout) as ReportData;
    const pooledRow = pooled.suites[0]!.leaderboard.find((row) => row.model === 'reference')!;
    const single = suite.leaderboard.find((row) => row.model === 'reference')!;
    expect(pooledRow.runIds).toHaveLength(2);
    expect(pooledRow.scored).toBe(single.scored + suite.tasks.length);
    expect(pooledRow.passAt['pass@1']).toBe(1);
    expect(pooled.suites[0]!.matrix.every((cells) => cells[pooledRow.column]!.scored === 3)).toBe(true);

    // One comparison asked for by name; an unknown name is refused naming the models present.
    const compared = await runCli(['report', folders.reference, folders[scripted]!, '--compare', scripted, 'reference']);
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/reference (beats|is ahead of)/);
    const unknown = await runCli(['report', folders.reference, folders[scripted]!, '--compare', 'reference', 'gpt-9']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--compare reference gpt-9: no suite has runs of both models (models in these runs: reference, scripted:');
  }, 240_000);

  it('refuses a format it does not know and a --compare without two names', async () => {
    const format = await runCli(['report', '--format', 'pdf']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format/);
    const compare = await runCli(['report', '--compare', 'only-one']);
    expect(compare.code).toBe(2);
    expect(compare.stderr).toContain('--compare takes two model names');
  });
});

describe('report --public on a suite with private tasks', () => {
  it("keeps private tasks' scores in the totals and their content out of every format", async () => {
    const folder = await tempDir();
    const suiteFile = join(folder, 'held-out.yaml');
    await writeFile(
      suiteFile,
      [
        'suite: held-out',
        'defaults: { language: javascript }',
        'tasks:',
        '  - id: open-add',
        '    prompt: Print the sum of 2 and 3.',
        '    reference: console.log(2 + 3)',
        '    tests: [{ kind: io, stdout: "5" }]',
        '  - id: secret-task-7f3a',
        '    split: private',
        '    prompt: SECRET-PROMPT-91c2 print the magic word',
        '    reference: console.log("SECRET-OUTPUT-44ab")',
        '    tests: [{ kind: io, stdout: "SECRET-OUTPUT-44ab" }]',
        '  - id: secret-task-b8d0',
        '    split: private',
        '    prompt: SECRET-PROMPT-0e77 print nothing useful',
        '    reference: console.log("SECRET-OUTPUT-5d1e")',
        '    tests: [{ kind: io, stdout: "other" }]',
        '',
      ].join('\n'),
    );
    const out = join(folder, 'run');
    const run = await runCli(['run', suiteFile, '--model', 'reference', '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.samples).toMatchObject({ scored: 3, passed: 2, failed: 1 });
    // The run folder itself holds everything (the README says so: --public hides, it does not protect).
    expect(await readFile(join(out, 'samples.jsonl'), 'utf8')).toContain('SECRET-OUTPUT-5d1e');

    const secrets = ['secret-task-7f3a', 'secret-task-b8d0', 'SECRET-PROMPT', 'SECRET-OUTPUT'];
    for (const format of ['table', 'json', 'csv', 'markdown', 'html']) {
      for (const extra of format === 'csv' ? [[], ['--matrix']] : format === 'json' ? [['--details']] : [['--matrix']]) {
        const result = await runCli(['report', out, '--public', '--format', format, ...extra]);
        expect(result.code, `${format} ${extra.join(' ')}: ${result.stderr}`).toBe(0);
        for (const secret of secrets) expect(result.stdout, `${format} ${extra.join(' ')}`).not.toContain(secret);
      }
    }
    const report = JSON.parse((await runCli(['report', out, '--public', '--format', 'json', '--details'])).stdout) as ReportData;
    const [suite] = report.suites as [SuiteReport];
    expect(report.publicOnly).toBe(true);
    expect(suite.tasks.map((task) => task.id)).toEqual(['open-add']);
    expect(suite.hiddenTasks).toBe(2);
    // The totals keep the private tasks' scores.
    expect(suite.leaderboard[0]).toMatchObject({ scored: 3, passed: 2, failed: 1, tasks: 3, passAt: summary.passAt });
    expect(Object.keys(suite.details!)).toEqual(['0:0']);
    expect(suite.details!['0:0']![0]!.messages).toEqual([{ role: 'user', content: 'Print the sum of 2 and 3.' }]);

    // Without --public everything shows.
    const full = await runCli(['report', out, '--format', 'json', '--details']);
    for (const secret of secrets) expect(full.stdout).toContain(secret);
  }, 120_000);
});

describe('report of a provider run', () => {
  it('shows the cost from the config file\'s price and the model latency percentiles', async () => {
    const server = await startFakeProviderServer({ answer: () => ({ text: 'console.log("no")', usage: { inputTokens: 1000, outputTokens: 250 } }) });
    try {
      const folder = await tempDir();
      await writeFile(
        join(folder, 'sandbench.config.yaml'),
        [
          'providers:',
          '  local: { type: openai-compatible, baseURL: ' + server.baseURLs.openai + ' }',
          'models:',
          '  local:coder:',
          '    price: { inputPerMillion: 2, outputPerMillion: 8 }',
          '',
        ].join('\n'),
      );
      const out = join(folder, 'run');
      const env = { SANDBENCH_CACHE_DIR: join(folder, 'cache') };
      const run = await runCli(['run', join(process.cwd(), 'tasks/examples'), '--model', 'local:coder', '--out', out, '--json'], { cwd: folder, env });
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as RunSummary;
      expect(summary.usage).toEqual({ inputTokens: 1000 * summary.tasks, outputTokens: 250 * summary.tasks });
      const result = await runCli(['report', out, '--format', 'json'], { cwd: folder, env });
      expect(result.code, result.stderr).toBe(0);
      const [row] = (JSON.parse(result.stdout) as ReportData).suites[0]!.leaderboard;
      expect(row!.costUsd).toBeCloseTo((summary.tasks * (1000 * 2 + 250 * 8)) / 1e6, 12);
      expect(row!.latencyP50Ms).toBeGreaterThan(0);
      expect(row!.latencyP95Ms).toBeGreaterThanOrEqual(row!.latencyP50Ms!);
      // Without the config file no price is known: no cost, never a made-up one.
      const elsewhere = await runCli(['report', out, '--format', 'json']);
      expect((JSON.parse(elsewhere.stdout) as ReportData).suites[0]!.leaderboard[0]).not.toHaveProperty('costUsd');
      const table = await runCli(['report', out], { cwd: folder, env });
      expect(table.stdout).toContain(`$${row!.costUsd!.toFixed(4)}`);
    } finally {
      await server.close();
    }
  }, 120_000);
});

const browser = chromiumForTests();

describe.runIf(browser.available)('report --format html from real runs, in headless Chromium', () => {
  it('shows the leaderboard figures of the runs, opens a sample from its matrix cell, and shows hostile output as text', async () => {
    const folder = await tempDir();
    const hostile = '<script>window.__pwned = 1</script></textarea><img src=x onerror="window.__pwned = 2">';
    const suiteFile = join(folder, 'shout.yaml');
    await writeFile(
      suiteFile,
      [
        'suite: shout',
        'defaults: { language: javascript }',
        'tasks:',
        '  - id: five',
        '    prompt: Print 5.',
        '    reference: console.log(5)',
        '    tests: [{ kind: io, stdout: "5" }]',
        '  - id: six',
        '    prompt: Print 6.',
        '    reference: console.log(6)',
        '    tests: [{ kind: io, stdout: "6" }]',
        '',
      ].join('\n'),
    );
    const answers = join(folder, 'answers.jsonl');
    await writeFile(answers, [JSON.stringify({ task_id: 'five', completion: 'console.log(5)' }), JSON.stringify({ task_id: 'six', completion: `console.log(${JSON.stringify(hostile)})` })].join('\n') + '\n');
    const out = join(folder, 'runs');
    const run = await runCli(['run', suiteFile, '--model', 'reference', '--model', `scripted:${answers}`, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const html = join(folder, 'report.html');
    const result = await runCli(['report', out, '--format', 'html', '--out', html]);
    expect(result.code, result.stderr).toBe(0);
    const data = JSON.parse((await runCli(['report', out, '--format', 'json'])).stdout) as ReportData;
    const [suite] = data.suites as [SuiteReport];

    const opened = await openInChromium(html);
    try {
      const { page } = opened;
      const text = await page.locator('body').innerText();
      for (const row of suite.leaderboard) expect(text).toContain(`${(row.passAt['pass@1']! * 100).toFixed(1)}%`);
      // The scripted model's cell of task "six" holds the hostile answer.
      const column = suite.models.findIndex((model) => model.startsWith('scripted:'));
      const taskIndex = suite.tasks.findIndex((task) => task.id === 'six');
      await page.click(`button[data-cell="0:${taskIndex}:${column}"]`);
      const detail = page.locator('#detail-body');
      await detail.waitFor({ state: 'visible' });
      const shown = await detail.innerText();
      expect(shown).toContain(hostile);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.locator('#detail-body img').count()).toBe(0);
      expect(opened.consoleErrors).toEqual([]);
      expect(opened.pageErrors).toEqual([]);
      expect(opened.requests).toEqual([opened.url]);
      const screenshot = join(folder, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`screenshot: ${screenshot}`);
    } finally {
      await opened.close();
    }
  }, 180_000);
});

const docker = hasData ? await dockerForTests() : { available: false, reason: 'no HumanEval data' };

describe.runIf(docker.available)('report over runs of two models on HumanEval (Docker)', () => {
  it('leaderboard equal to the summaries, matrix equal to the journals, comparison naming the right tasks', async () => {
    const folder = await tempDir();
    const { file, wrongTasks, partialTasks } = await mixedAnswers(datasets.humaneval, folder);
    const out = join(folder, 'runs');
    const scripted = `scripted:${file}`;
    const run = await runCli(['run', datasets.humaneval, '--model', 'reference', '--model', scripted, '--samples', '2', '--sandbox', 'docker', '--concurrency', '2', '--out', out], {
      timeoutMs: 600_000,
    });
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code, run.stderr).toBe(0);
    const folders = { reference: join(out, 'reference'), [scripted]: join(out, folderName(scripted)) };
    const result = await runCli(['report', folders.reference, folders[scripted]!, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const [suite] = (JSON.parse(result.stdout) as ReportData).suites as [SuiteReport];
    expect(suite.suite).toBe('HumanEval');
    expect(suite.tasks).toHaveLength(164);
    await checkAgainstRuns(suite, folders);
    const [comparison] = suite.comparisons as [SuiteReport['comparisons'][number]];
    expect([...comparison.onlyA].sort()).toEqual([...wrongTasks, ...partialTasks].sort());
    expect(comparison.onlyB).toEqual([]);
    expect(comparison.mcnemarPValue).toBeLessThan(1e-6);
    expect(comparison.verdict).toMatch(/^reference beats scripted:.* significant at the 5% level/);
  }, 900_000);
});
