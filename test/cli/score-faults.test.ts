import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { repoRoot } from '../helpers/paths.ts';

// `sandbench score` stopped by Ctrl-C, and losing its containers mid-way (an engine fault).

const docker = await dockerForTests();

/** Start the CLI; resolves its exit code and gathers stderr. */
function startScore(args: string[]) {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'score', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (output.stdout += chunk));
  child.stderr.on('data', (chunk) => (output.stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Wait (up to 2 minutes) until the progress on stderr shows a finished sample. */
  const firstSampleDone = async (total: number): Promise<void> => {
    const pattern = new RegExp(`\\b[1-9]\\d*/${total} samples`);
    for (let waited = 0; waited < 120_000 && !pattern.test(output.stderr); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(output.stderr).toMatch(pattern);
  };
  return { child, output, exited, firstSampleDone };
}

async function writeSuite(folder: string, tasks: unknown[]): Promise<string> {
  const file = join(folder, 'suite.json');
  await writeFile(file, JSON.stringify(tasks));
  return file;
}

describe('sandbench score: faults', () => {
  it('Ctrl-C stops it: exit 130, says how far it got, writes nothing', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-score-'));
    const suite = await writeSuite(folder, [{ id: 'wait', language: 'javascript', prompt: 'p', tests: [{ kind: 'io', stdout: 'ok' }] }]);
    const samples = join(folder, 'samples.jsonl');
    const slow = 'const end = Date.now() + 400; while (Date.now() < end) {}\nconsole.log("ok");\n';
    await writeFile(samples, Array.from({ length: 20 }, () => JSON.stringify({ task_id: 'wait', completion: slow })).join('\n') + '\n');
    const run = startScore([suite, '--samples', samples, '--sandbox', 'isolate', '--concurrency', '1']);
    await run.firstSampleDone(20);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.output.stderr).toMatch(/interrupted at \d+\/20 samples; nothing was written/);
    expect(existsSync(`${samples}_results.jsonl`)).toBe(false);
    expect(existsSync(`${samples}_summary.json`)).toBe(false);
  });

  it.runIf(docker.available)('samples lost when its containers vanish are not scored: incomplete, exit 3, results say which', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-score-'));
    const suite = await writeSuite(folder, [{ id: 'sleepy', language: 'python', prompt: 'p', tests: [{ kind: 'io', stdout: 'ok' }] }]);
    const samples = join(folder, 'samples.jsonl');
    const sleepy = 'import time\ntime.sleep(1.5)\nprint("ok")\n';
    await writeFile(samples, Array.from({ length: 6 }, () => JSON.stringify({ task_id: 'sleepy', completion: sleepy })).join('\n') + '\n');
    const out = join(folder, 'out');
    const run = startScore([suite, '--samples', samples, '--out', out, '--json']);
    await run.firstSampleDone(6);
    // The engine loses the scoring's containers while samples are in flight.
    const engine = createDockerClient();
    const mine = await engine.listContainers({ all: true, filters: { label: [`sandbench.owner-pid=${run.child.pid}`] } });
    expect(mine.length).toBeGreaterThan(0);
    await Promise.all(mine.map((info) => engine.getContainer(info.Id).remove({ force: true }).catch(() => {})));
    expect(await run.exited).toBe(3);
    expect(run.output.stderr).toMatch(/the scoring is incomplete: [1-9]\d* of 6 samples were lost to engine faults/);
    const summary = JSON.parse(run.output.stdout);
    expect(summary.complete).toBe(false);
    expect(summary.samples.sandboxErrors).toBeGreaterThan(0);
    expect(summary.samples.scored + summary.samples.sandboxErrors).toBe(6);
    const results = (await readFile(join(out, 'results.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const lost = results.filter((entry) => entry.outcome === 'sandbox-error');
    expect(lost).toHaveLength(summary.samples.sandboxErrors);
    for (const entry of lost) expect(entry).toMatchObject({ passed: null, result: expect.stringMatching(/^sandbox-error: /) });
    // pass@1 covers only the scored samples (all of which passed).
    expect(summary.passAt).toEqual(summary.samples.scored > 0 ? { 'pass@1': 1 } : {});
  });
});
