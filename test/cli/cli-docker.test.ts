import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuntimeProfiles } from '../../src/runtimes/runtime-profiles.ts';
import { dockerForTests } from '../helpers/docker-available.ts';
import { datasets, hasData } from '../helpers/paths.ts';
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

  it('a Python task refused by the isolate sandbox says which sandbox can run it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-cli-'));
    const file = join(folder, 'py.yaml');
    await writeFile(file, 'id: py\nlanguage: python\nprompt: p\ntests: [{ kind: io, stdout: "1" }]\nreference: print(1)\n');
    const result = await runCli(['run', file, '--model', 'reference', '--sandbox', 'isolate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/python, which the isolate sandbox cannot run .*use --sandbox docker/);
  });

  describe.runIf(hasData)('HumanEval (Python, 164 tasks)', () => {
    it('run --model reference --sandbox docker passes 164/164', async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'sandbench-cli-')), 'run');
      const result = await runCli(['run', datasets.humaneval, '--model', 'reference', '--sandbox', 'docker', '--json', '--out', out]);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 164, samples: 164, passed: 164, failed: 0, errors: 0, sandbox: 'docker' });
    });

    it('run --model empty passes 0/164', async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'sandbench-cli-')), 'run');
      const result = await runCli(['run', datasets.humaneval, '--model', 'empty', '--sandbox', 'docker', '--json', '--out', out]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 164, passed: 0, failed: 164, errors: 0 });
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
      expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 2, passed: 0, failed: 2 });
    });

    it('validate finds it clean', async () => {
      const result = await runCli(['validate', datasets.humaneval, '--sandbox', 'docker']);
      expect(result.stdout).toContain('164 tasks, all sound');
      expect(result.code).toBe(0);
    });
  });
});
