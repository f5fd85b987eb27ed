import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { loadRuntimeProfiles } from '../../src/runtimes/runtime-profiles.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { datasets, hasData, repoRoot } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

const docker = await dockerForTests();

describe.runIf(docker.available)('sandbench CLI with the Docker sandbox', () => {
  it("each language's smoke program prints OK through exec --sandbox docker", async () => {
    for (const profile of loadRuntimeProfiles().values()) {
      const result = await runCli(['exec', join(profile.folder, profile.smoke), '--sandbox', 'docker', '--language', profile.language]);
      expect({ language: profile.language, code: result.code, stdout: result.stdout }).toEqual({
        language: profile.language,
        code: 0,
        stdout: 'OK\n',
      });
      expect(result.stderr).toMatch(/docker: ok, exit 0/);
    }
  });

  it('the Docker example suite is sound: every reference passes, every empty answer fails, stably', async () => {
    const result = await runCli(['validate', 'tasks/docker-examples', '--repeats', '2']);
    expect(result.stdout).toContain('docker-examples: 5 tasks, all sound');
    expect(result.code).toBe(0);
    const run = await runCli(['run', 'tasks/docker-examples', '--model', 'reference', '--json', '--out', join(await mkdtemp(join(tmpdir(), 'sandbench-cli-')), 'run')]);
    expect(JSON.parse(run.stdout)).toMatchObject({ tasks: 5, complete: true, samples: { passed: 5 }, sandbox: 'docker' });
  });

  it('a Python task refused by the isolate sandbox says which sandbox can run it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-cli-'));
    const file = join(folder, 'py.yaml');
    await writeFile(file, 'id: py\nlanguage: python\nprompt: p\ntests: [{ kind: io, stdout: "1" }]\nreference: print(1)\n');
    const result = await runCli(['run', file, '--model', 'reference', '--sandbox', 'isolate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/python, which the isolate sandbox cannot run .*use --sandbox docker/);
  });

  it('samples lost when containers vanish mid-run leave it incomplete (exit 3, how to resume); the resume completes it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-cli-'));
    const tasks = Array.from({ length: 6 }, (_, index) => ({
      id: `sleepy-${index}`,
      prompt: 'print ok after a while',
      language: 'python',
      tests: [{ kind: 'io', stdout: 'ok' }],
      reference: 'import time\ntime.sleep(1.5)\nprint("ok")\n',
    }));
    await writeFile(join(folder, 'sleepy.json'), JSON.stringify(tasks));
    const out = join(folder, 'run');
    const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'src', 'cli', 'main.ts'), 'run', join(folder, 'sleepy.json'), '--model', 'reference', '--out', out], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let waited = 0; waited < 60_000; waited += 50) {
      if ((await readFile(join(out, 'samples.jsonl'), 'utf8').catch(() => '')).includes('\n')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The engine loses the run's containers while samples are in flight.
    const engine = createDockerClient();
    const mine = await engine.listContainers({ all: true, filters: { label: [`sandbench.owner-pid=${child.pid}`] } });
    expect(mine.length).toBeGreaterThan(0);
    await Promise.all(mine.map((info) => engine.getContainer(info.Id).remove({ force: true }).catch(() => {})));
    expect(await exited).toBe(3);
    expect(stderr).toMatch(/the run is incomplete: [1-9]\d* of 6 samples were not scored \(engine errors [1-9]/);
    const resume = /resume with: (.*)$/m.exec(stderr)?.[1];
    expect(resume).toMatch(/ run .*sleepy\.json --model reference --resume --out /);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.complete).toBe(false);
    const resumed = await runCli(['run', join(folder, 'sleepy.json'), '--model', 'reference', '--resume', '--out', out, '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ complete: true, samples: { scored: 6, passed: 6, sandboxErrors: 0 } });
  });

  describe.runIf(hasData)('HumanEval (Python, 164 tasks)', { timeout: 300_000 }, () => {
    it('run --model reference --sandbox docker passes 164/164', async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'sandbench-cli-')), 'run');
      const result = await runCli(['run', datasets.humaneval, '--model', 'reference', '--sandbox', 'docker', '--json', '--out', out]);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 164, complete: true, samples: { scored: 164, passed: 164, failed: 0, sandboxErrors: 0 }, sandbox: 'docker' });
    });

    it('run --model empty passes 0/164', async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'sandbench-cli-')), 'run');
      const result = await runCli(['run', datasets.humaneval, '--model', 'empty', '--sandbox', 'docker', '--json', '--out', out]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 164, complete: true, samples: { passed: 0, failed: 164, sandboxErrors: 0 } });
    });

    it('an answer that calls sys.exit(0) or os._exit(0) before check() fails, as in upstream human-eval', async () => {
      const folder = await mkdtemp(join(tmpdir(), 'sandbench-cli-'));
      const script = join(folder, 'answers.jsonl');
      await writeFile(
        script,
        [
          { task_id: 'HumanEval/0', completion: '    pass\nimport sys; sys.exit(0)\n' },
          { task_id: 'HumanEval/1', completion: '    pass\nimport os; os._exit(0)\n' },
        ].map((line) => JSON.stringify(line)).join('\n') + '\n',
      );
      const result = await runCli(['run', datasets.humaneval, '--limit', '2', '--model', `scripted:${script}`, '--sandbox', 'docker', '--json', '--out', join(folder, 'run')]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 2, samples: { passed: 0, failed: 2 } });
    });

    it('validate finds it clean', { timeout: 300_000 }, async () => {
      const result = await runCli(['validate', datasets.humaneval, '--sandbox', 'docker']);
      expect(result.stdout).toContain('164 tasks, all sound');
      expect(result.code).toBe(0);
    });
  });
});
